//! Mention detection, with the semantics of Mastodon's `Account::MENTION_RE` as its extractor
//! applies it.
//!
//! * `@` must not follow a word character, `=` or `/` (so no mentions inside words, e-mail
//!   addresses or URL paths);
//! * the username is ASCII letters, digits and `_`, with single or repeated `.`/`-` allowed
//!   between them (`@a.b`, `@a--b`), never at the end (`@alice.` is `@alice` then `.`);
//! * an optional `@domain` of Unicode word characters, again with `.`/`-` only between them;
//! * the match is dropped when it is directly followed by another `@`, a Latin letter with a
//!   diacritic, or `://` (so `@bob@example.org@x` and `@bobé` are not mentions);
//! * a domain longer than 253 characters is not a mention.

use std::sync::LazyLock;

use regex::Regex;

use super::chars::{char_before, compile, is_latin_accent, is_word, WORD_CLASS};

/// Longest domain accepted in a mention (DNS limit).
const MAX_DOMAIN_CHARS: usize = 253;

/// A mention found in text. `start..end` is the byte range of `@user` or `@user@domain`,
/// including the leading `@`. `username` and `domain` are as written (case preserved).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MentionRef {
    pub username: String,
    pub domain: Option<String>,
    pub start: usize,
    pub end: usize,
}

impl MentionRef {
    /// The mention as written, without the leading `@`: `user` or `user@domain`.
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{}", self.username, domain),
            None => self.username.clone(),
        }
    }
}

/// `@` + username + optional `@domain`, anchored at the `@`.
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"^@((?i:[a-z0-9_]+(?:[.\-]+[a-z0-9_]+)*))(?:@({w}+(?:[.\-]+{w}+)*))?",
        w = WORD_CLASS
    ))
});

/// All mentions in `text` by the mention pattern alone, in order (the caller removes those that
/// overlap links).
pub(crate) fn scan_mentions(text: &str) -> Vec<MentionRef> {
    let mut found = Vec::new();
    if !text.contains('@') {
        return found;
    }
    let mut cursor = 0;
    for (at, _) in text.match_indices('@') {
        if at < cursor {
            continue;
        }
        if char_before(text, at).is_some_and(|c| c == '=' || c == '/' || is_word(c)) {
            continue;
        }
        let Some(caps) = MENTION.captures(&text[at..]) else {
            continue;
        };
        let Some(whole) = caps.get(0) else { continue };
        let end = at + whole.end();
        // Like a regex scan, the next search starts after this match even if we reject it.
        cursor = end;
        if rejected_by_what_follows(&text[end..]) {
            continue;
        }
        let domain = caps.get(2).map(|m| m.as_str().to_owned());
        if domain
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DOMAIN_CHARS)
        {
            continue;
        }
        let username = caps
            .get(1)
            .map_or_else(String::new, |m| m.as_str().to_owned());
        found.push(MentionRef {
            username,
            domain,
            start: at,
            end,
        });
    }
    found
}

fn rejected_by_what_follows(after: &str) -> bool {
    match after.chars().next() {
        Some('@' | '＠') => true,
        Some(c) if is_latin_accent(c) => true,
        _ => after.starts_with("://"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn accts(text: &str) -> Vec<String> {
        scan_mentions(text).iter().map(MentionRef::acct).collect()
    }

    #[test]
    fn local_and_remote_mentions() {
        assert_eq!(accts("@alice"), ["alice"]);
        assert_eq!(
            accts("hi @alice and @bob@example.org!"),
            ["alice", "bob@example.org"]
        );
        let m = &scan_mentions("hi @bob@example.org!")[0];
        assert_eq!(m.username, "bob");
        assert_eq!(m.domain.as_deref(), Some("example.org"));
        assert_eq!((m.start, m.end), (3, 19));
    }

    #[test]
    fn case_is_preserved() {
        let m = &scan_mentions("@Alice@Example.ORG")[0];
        assert_eq!(m.username, "Alice");
        assert_eq!(m.domain.as_deref(), Some("Example.ORG"));
    }

    #[test]
    fn punctuation_after_mentions() {
        assert_eq!(accts("@alice."), ["alice"]);
        assert_eq!(accts("@alice, @bob: @carol!"), ["alice", "bob", "carol"]);
        assert_eq!(accts("(@alice)"), ["alice"]);
        assert_eq!(accts("@bob@example.org."), ["bob@example.org"]);
        assert_eq!(accts("@bob@example.org/path"), ["bob@example.org"]);
        assert_eq!(accts("@a.b-c_d"), ["a.b-c_d"]);
        assert_eq!(accts("@a..b"), ["a..b"]);
    }

    #[test]
    fn not_inside_words_emails_or_urls() {
        assert!(accts("bob@example.org").is_empty());
        assert!(accts("mail bob@example.org now").is_empty());
        assert!(accts("https://example.com/@alice").is_empty());
        assert!(accts("https://example.com/?u=@alice").is_empty());
        assert!(accts("café@alice").is_empty());
        assert!(accts("x_@alice").is_empty());
    }

    #[test]
    fn rejected_by_following_characters() {
        assert!(accts("@bob@example.org@more").is_empty());
        assert!(accts("@bobé").is_empty());
        assert!(accts("@bob://x").is_empty());
        assert!(accts("@bob＠x").is_empty());
        // After a rejected match the scan continues past it.
        assert!(accts("@a@b@c").is_empty());
    }

    #[test]
    fn join_controls_are_not_word_characters() {
        // Ruby's `[[:word:]]` excludes ZWNJ/ZWJ (Rust's `\w` does not).
        assert_eq!(accts("\u{200C}@bob"), ["bob"]);
        assert_eq!(accts("\u{200D}@bob"), ["bob"]);
        assert_eq!(accts("@bob@exa\u{200C}mple.org"), ["bob@exa"]);
    }

    #[test]
    fn only_listed_latin_letters_reject() {
        assert_eq!(accts("@alice\u{212B}"), ["alice"]); // ANGSTROM SIGN is not in the list
        assert!(accts("@aliceÅ").is_empty());
    }

    #[test]
    fn unicode_domains() {
        assert_eq!(accts("@bob@пример.рф"), ["bob@пример.рф"]);
        assert_eq!(accts("@bob@例え.jp"), ["bob@例え.jp"]);
        // The username itself is ASCII only.
        assert!(accts("@ünïcode").is_empty());
    }

    #[test]
    fn overlong_domains_are_not_mentions() {
        let long = format!("@bob@{}.org", "a".repeat(250));
        assert!(accts(&long).is_empty());
        let ok = format!("@bob@{}.org", "a".repeat(249));
        assert_eq!(accts(&ok).len(), 1);
    }

    #[test]
    fn lone_at_signs() {
        assert!(accts("@").is_empty());
        assert!(accts("@ @@ @.").is_empty());
        assert_eq!(accts("@@alice"), ["alice"]);
        assert_eq!(accts("=@alice"), Vec::<String>::new());
    }
}
