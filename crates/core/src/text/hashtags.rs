//! Hashtag detection, with the semantics of Mastodon's `Tag::HASHTAG_RE` as its extractor
//! applies it.
//!
//! * `#` or the full-width `＃`, at the start of the text or after white space (so no hashtags
//!   inside words or URLs: `a#b`, `https://x.org/#frag`);
//! * a name of Unicode word characters (letters, marks, digits, `_`) containing at least one
//!   letter or separator (`#123` is not a hashtag);
//! * the separators `·` (U+00B7), `・` (U+30FB) and ZWNJ (U+200C) are allowed inside a name,
//!   not at its start or end;
//! * a name that runs into a URL (`#tagshttps://…`) loses its trailing `http`/`https`.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::chars::{char_before, compile, is_space, WORD_CLASS};

/// A hashtag occurrence: the name as written (without `#`) and the byte range including `#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HashtagMatch {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// The two shapes of a name: one with separators inside, and a plain one. `W` stands for a word
/// character (Ruby's `[[:word:]]`, which includes `_`).
fn name_pattern() -> String {
    let sep = r"\x{B7}\x{30FB}\x{200C}";
    let word = WORD_CLASS;
    let word_or_sep = format!(r"[{word}{sep}]");
    format!(
        r"(?:{word}{word_or_sep}*[\p{{Alphabetic}}_{sep}]{word_or_sep}*{word}|{word}*\p{{Alphabetic}}{word}*)"
    )
}

/// A name at the start of the haystack (right after the `#`).
static NAME_AT_START: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{}", name_pattern())));

/// A string that is entirely a valid name.
static WHOLE_NAME: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{}$", name_pattern())));

/// All hashtag occurrences in `text`, in order, as Mastodon's extractor finds them.
pub(crate) fn scan_hashtags(text: &str) -> Vec<HashtagMatch> {
    let mut found = Vec::new();
    let mut cursor = 0;
    for (start, c) in text.char_indices() {
        if start < cursor || (c != '#' && c != '＃') {
            continue;
        }
        if char_before(text, start).is_some_and(|p| !is_space(p)) {
            continue;
        }
        let name_start = start + c.len_utf8();
        let Some(m) = NAME_AT_START.find(&text[name_start..]) else {
            continue;
        };
        let mut name = m.as_str();
        let mut end = name_start + m.end();
        cursor = end;
        if text[end..].starts_with("://") {
            let cut = trailing_scheme_len(name);
            name = &name[..name.len() - cut];
            end -= cut;
        }
        found.push(HashtagMatch {
            name: name.to_owned(),
            start,
            end,
        });
    }
    found
}

/// `#tagshttps://…`: length of the `https` or `http` to cut off, leaving at least one character.
fn trailing_scheme_len(name: &str) -> usize {
    for scheme in ["https", "http"] {
        if name.len() > scheme.len() && name.ends_with(scheme) {
            return scheme.len();
        }
    }
    0
}

/// Hashtag names in `text`, in order of first appearance, as written (case preserved),
/// de-duplicated case-insensitively (the first spelling wins).
pub fn extract_hashtags(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    scan_hashtags(text)
        .into_iter()
        // Only names Mastodon would accept as tags (a name cut short before a URL may not be).
        .filter(|tag| WHOLE_NAME.is_match(&tag.name))
        .filter(|tag| seen.insert(tag.name.to_lowercase()))
        .map(|tag| tag.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_hashtags() {
        assert_eq!(extract_hashtags("#hashtag"), ["hashtag"]);
        assert_eq!(
            extract_hashtags("hello #world and #rust_lang!"),
            ["world", "rust_lang"]
        );
        assert_eq!(extract_hashtags("#a #b\n#c\t#d"), ["a", "b", "c", "d"]);
        assert_eq!(extract_hashtags("#tag."), ["tag"]);
        assert_eq!(extract_hashtags("#tag's"), ["tag"]);
    }

    #[test]
    fn unicode_hashtags() {
        assert_eq!(extract_hashtags("#hashtagタグ"), ["hashtagタグ"]);
        assert_eq!(
            extract_hashtags("#日本語 #русский #café"),
            ["日本語", "русский", "café"]
        );
        assert_eq!(extract_hashtags("#हिन्दी"), ["हिन्दी"]);
        assert_eq!(extract_hashtags("＃fullwidth"), ["fullwidth"]);
        assert_eq!(
            extract_hashtags("x\u{3000}#after_ideographic_space"),
            ["after_ideographic_space"]
        );
    }

    #[test]
    fn separators_inside_names() {
        assert_eq!(extract_hashtags("#l·l"), ["l·l"]);
        assert_eq!(extract_hashtags("#カタ・カナ"), ["カタ・カナ"]);
        assert_eq!(extract_hashtags("#a\u{200C}b"), ["a\u{200C}b"]);
        assert_eq!(extract_hashtags("#foo· bar"), ["foo"]);
        assert_eq!(extract_hashtags("#·foo"), Vec::<String>::new());
        assert_eq!(extract_hashtags("#_foo_"), ["_foo_"]);
        // ZWNJ/ZWJ are not word characters: a name cannot start or end with them.
        assert!(extract_hashtags("#\u{200C}x").is_empty());
        assert_eq!(extract_hashtags("#x\u{200D}y"), ["x"]);
    }

    #[test]
    fn numeric_only_is_not_a_hashtag() {
        assert!(extract_hashtags("#123").is_empty());
        // `_` counts as a separator, which makes the name acceptable.
        assert_eq!(extract_hashtags("#1_000"), ["1_000"]);
        assert!(extract_hashtags("#2024").is_empty());
        assert_eq!(extract_hashtags("#123abc #2024年"), ["123abc", "2024年"]);
        assert_eq!(extract_hashtags("#1·2"), ["1·2"]);
    }

    #[test]
    fn not_inside_words_or_urls() {
        assert!(extract_hashtags("a#b").is_empty());
        assert!(extract_hashtags("https://example.com/#anchor").is_empty());
        assert!(extract_hashtags("https://example.com/page#anchor").is_empty());
        assert!(extract_hashtags("(#tag)").is_empty());
        assert!(extract_hashtags("##tag").is_empty());
        assert!(extract_hashtags("#").is_empty());
        assert!(extract_hashtags("# tag").is_empty());
    }

    #[test]
    fn name_running_into_a_url() {
        let found = scan_hashtags("#examplehttps://example.com");
        assert_eq!(
            found,
            [HashtagMatch {
                name: "example".into(),
                start: 0,
                end: 8
            }]
        );
        assert_eq!(scan_hashtags("#xhttp://a.com")[0].name, "x");
        // Nothing is left but the scheme: kept as is.
        assert_eq!(scan_hashtags("#https://a.com")[0].name, "https");
        assert_eq!(extract_hashtags("#examplehttps://example.com"), ["example"]);
        // The cut leaves a name that is not valid on its own: not extracted.
        assert!(extract_hashtags("#1http://a.com").is_empty());
    }

    #[test]
    fn deduplicated_case_insensitively() {
        assert_eq!(extract_hashtags("#Rust #rust #RUST #Go"), ["Rust", "Go"]);
        assert_eq!(
            extract_hashtags("#Straße #STRASSE #straße"),
            ["Straße", "STRASSE"]
        );
    }

    #[test]
    fn byte_ranges() {
        let text = "日本 ＃タグ x";
        let found = scan_hashtags(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].start..found[0].end], "＃タグ");
    }

    #[test]
    fn long_runs_stay_fast() {
        let inputs = [
            "#".repeat(50_000),
            "# ".repeat(50_000),
            format!("#a{}", "·".repeat(50_000)),
            "#a ".repeat(30_000),
        ];
        let started = std::time::Instant::now();
        for input in &inputs {
            let _ = extract_hashtags(input);
        }
        assert!(started.elapsed().as_secs() < 10);
    }
}
