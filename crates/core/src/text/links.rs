//! Link detection, following twitter-text's URL grammar as Mastodon configures it.
//!
//! The grammar, per candidate start:
//!
//! * the character before the link must not be an ASCII letter/digit, `@`, `＠`, `$`, `#` or
//!   `＃`; the start of the text also works;
//! * a scheme (`http`, `https`, and the other schemes Mastodon links: `dat`, `dweb`, `ipfs`,
//!   `ipns`, `ssb`, `gopher`, `gemini`) followed by `://`;
//! * a host: dot-separated labels ending in a top-level domain (see [`super::tld`]), which must
//!   convert to ASCII under IDNA (we use the `url` crate's UTS #46 processing where Mastodon uses
//!   libidn's IDNA 2003, so a few exotic hosts, e.g. with emoji or full-width `＠`, differ);
//! * an optional `:port`, an optional path whose last character may not be punctuation such as
//!   `.`, `,`, `!`, `'`, `"` or `:` (but may be a balanced `(...)` group), and an optional query
//!   string with similar ending rules.
//!
//! Text that looks like a host without a scheme (`example.com/page`) is recognised and then
//! dropped, exactly like Mastodon does: it is not linked, but it also cannot contain the start of
//! another link (so `example.com/https://x.org` produces no link).
//!
//! Mastodon additionally links `xmpp:` and `magnet:` URIs, in a separate pass; so do we.
//!
//! Everything runs in time linear in the input: host names are matched through a table built
//! right to left, and only the path and query are matched with (linear-time) regular expressions.

use std::sync::LazyLock;

use regex::Regex;

use super::chars::{compile, eq_ignore_case_folded, is_domain_char, may_precede_link};
use super::tld::TldIndex;

/// A link found in the text: a byte range, and whether its scheme is `http`/`https`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub start: usize,
    pub end: usize,
    pub web: bool,
}

/// Schemes linked when followed by `://`; the first two are the "web" ones.
const SCHEMES: [&str; 9] = [
    "https", "http", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "gemini",
];

/// Longest URL accepted (counting characters, after converting the host to ASCII).
const MAX_URL_CHARS: usize = 4096;
/// Longest `t.co` slug accepted.
const MAX_TCO_SLUG_CHARS: usize = 40;
/// Longest DNS label once converted to ASCII.
const MAX_LABEL_BYTES: usize = 63;

/// Latin letters with diacritics, as used by the older path character class.
const LATIN_ACCENTS: &str = r"\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{FF}\x{100}-\x{24F}\x{253}-\x{254}\x{256}-\x{257}\x{259}\x{25B}\x{263}\x{268}\x{26F}\x{272}\x{289}\x{28B}\x{2BB}\x{300}-\x{36F}\x{1E00}-\x{1EFF}";

/// Non-ASCII characters allowed in an IRI query (RFC 3987 `ucschar` and `iprivate`).
const IRI_CHARS: &str = r"\x{A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}\x{10000}-\x{1FFFD}\x{20000}-\x{2FFFD}\x{30000}-\x{3FFFD}\x{40000}-\x{4FFFD}\x{50000}-\x{5FFFD}\x{60000}-\x{6FFFD}\x{70000}-\x{7FFFD}\x{80000}-\x{8FFFD}\x{90000}-\x{9FFFD}\x{A0000}-\x{AFFFD}\x{B0000}-\x{BFFFD}\x{C0000}-\x{CFFFD}\x{D0000}-\x{DFFFD}\x{E1000}-\x{EFFFD}\x{E000}-\x{F8FF}\x{F0000}-\x{FFFFD}\x{100000}-\x{10FFFD}";

fn query_pattern() -> String {
    let chars = format!(r"[a-z0-9!?*'();:\&=+$/%#\[\]\-_.,\~|@\^{IRI_CHARS}]");
    let ending = format!(r"[a-z0-9_\&=#/\-{IRI_CHARS}]");
    format!(r"\?{chars}*{ending}")
}

/// A balanced parenthesised group in a path, allowing one nested level.
fn parens_pattern(inner: &str) -> String {
    format!(r"\((?:{inner}+|{inner}*\({inner}+\){inner}*)\)")
}

/// What may follow the host: port, path, query. Always matches (possibly empty).
static URL_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    // Any path character: everything but white space, angle brackets, parentheses and `?`.
    let path_char = r"[^\s<>()?]";
    // The stricter character set of twitter-text itself. Mastodon redefines the balanced-parens
    // pattern only after building its ending rule, so the ending rule still uses this one: a
    // path may end in `(abc)` but not in `(日本)`.
    let legacy_path_char =
        format!(r"[a-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_\~\&|@{LATIN_ACCENTS}]");
    // A path may not end in one of these punctuation characters (but may end in `(...)`).
    // Mastodon 4.3 allows `@` here (mastodon/mastodon#31124).
    let path_end = format!(
        r#"(?:[^\s()?!*"'「」<>;:=,.$%\[\]\~\&|]|{})"#,
        parens_pattern(&legacy_path_char)
    );
    let segment = format!(
        r"(?:{path_char}*(?:{parens}{path_char}*)*{path_end}|{path_char}+/)",
        parens = parens_pattern(path_char)
    );
    compile(&format!(
        r"(?i)^(?::[0-9]+)?(?:/{segment}*)?(?:{query})?",
        query = query_pattern()
    ))
});

/// Twitter's short links keep only the slug.
static TCO: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)^https?://t\.co/([a-z0-9]+)"));

/// An XMPP node (user) identifier followed by `@`.
static XMPP_NODE_AT: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i)^(?:[a-z\p{Cyrillic}0-9\p{Pd}._\~]|%[0-9a-f]{2}|[!$()*+,;=])+@")
});

/// What may follow an XMPP host: a resource and a query.
static XMPP_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)^(?:/(?:[a-z\p{{Cyrillic}}0-9\p{{Pd}}._\~]|%[0-9a-f]{{2}}|[!$\&'()*+,;=])+)?(?:{})?",
        query_pattern()
    ))
});

/// A magnet URI's mandatory query.
static MAGNET_QUERY: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"(?i)^{}", query_pattern())));

/// Finds all links: URLs with a scheme first, then `xmpp:`/`magnet:` URIs (the two lists may
/// overlap; the caller resolves overlaps together with hashtags and mentions).
pub(crate) fn find_links(text: &str) -> Vec<Link> {
    if !text.contains(':') {
        return Vec::new();
    }
    let scanner = Scanner::new(text);
    let mut links = scanner.scan(|q| scanner.url_at(q));
    links.extend(scanner.scan(|q| scanner.extended_uri_at(q)));
    links
}

struct Scanner<'a> {
    text: &'a str,
    chars: Vec<char>,
    /// Byte offset of every char index, plus `text.len()` at the end.
    offsets: Vec<usize>,
    /// For every char index, the end of the host name starting there (if one does).
    host_end: Vec<Option<usize>>,
}

/// The outcome of a successful match at a candidate start: where scanning resumes, and the link
/// if the match is one we keep.
type Attempt = Option<(usize, Option<Link>)>;

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        let (offsets, chars): (Vec<usize>, Vec<char>) = text.char_indices().unzip();
        let mut offsets = offsets;
        offsets.push(text.len());
        let host_end = host_table(&chars);
        Self {
            text,
            chars,
            offsets,
            host_end,
        }
    }

    fn byte(&self, i: usize) -> usize {
        self.offsets.get(i).copied().unwrap_or(self.text.len())
    }

    /// The char index of a byte offset that lies on a char boundary.
    fn char_index(&self, byte: usize) -> usize {
        match self.offsets.binary_search(&byte) {
            Ok(i) | Err(i) => i,
        }
    }

    fn rest(&self, i: usize) -> &'a str {
        self.text.get(self.byte(i)..).unwrap_or("")
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(self.byte(from)..self.byte(to)).unwrap_or("")
    }

    fn host_at(&self, i: usize) -> Option<usize> {
        self.host_end.get(i).copied().flatten()
    }

    /// Char index reached by matching an always-matching, anchored pattern at `i`.
    fn after_match(&self, re: &Regex, i: usize) -> usize {
        let len = re.find(self.rest(i)).map_or(0, |m| m.end());
        self.char_index(self.byte(i) + len)
    }

    fn starts_with_ignore_case(&self, i: usize, word: &str) -> bool {
        let mut k = i;
        for w in word.chars() {
            match self.chars.get(k) {
                Some(&c) if eq_ignore_case_folded(c, w) => k += 1,
                _ => return false,
            }
        }
        true
    }

    /// The regex-`scan` loop: try each position; the character there is consumed as the
    /// "preceding character" (the link starts after it), or at the very start the link may begin
    /// right there. After a match, scanning resumes where the match ended.
    fn scan(&self, attempt: impl Fn(usize) -> Attempt) -> Vec<Link> {
        let n = self.chars.len();
        let mut links = Vec::new();
        let mut p = 0;
        while p < n {
            let mut found = None;
            if may_precede_link(self.chars[p]) {
                found = attempt(p + 1);
            }
            if found.is_none() && (p == 0 || self.chars[p - 1] == '\n') {
                found = attempt(p);
            }
            match found {
                Some((end, link)) => {
                    links.extend(link);
                    p = end.max(p + 1);
                }
                None => p += 1,
            }
        }
        links
    }

    fn scheme_len_at(&self, q: usize) -> Option<(usize, bool)> {
        SCHEMES.iter().enumerate().find_map(|(k, scheme)| {
            let len = scheme.len();
            (self.starts_with_ignore_case(q, scheme)
                && self.starts_with_ignore_case(q + len, "://"))
            .then_some((len + 3, k < 2))
        })
    }

    /// A URL (with or without scheme) starting at char index `q`.
    fn url_at(&self, q: usize) -> Attempt {
        let mut scheme = None;
        let mut host = None;
        if let Some((len, web)) = self.scheme_len_at(q) {
            if let Some(end) = self.host_at(q + len) {
                scheme = Some(web);
                host = Some((q + len, end));
            }
        }
        if host.is_none() {
            host = self.host_at(q).map(|end| (q, end));
        }
        let (host_start, host_end) = host?;
        let end = self.after_match(&URL_TAIL, host_end);
        // Without a scheme the text is consumed but not linked.
        let Some(web) = scheme else {
            return Some((end, None));
        };
        let mut url_end = end;
        if web {
            if let Some(caps) = TCO.captures(self.slice(q, end)) {
                let slug_chars = caps.get(1).map_or(0, |m| m.as_str().chars().count());
                if slug_chars > MAX_TCO_SLUG_CHARS {
                    return Some((end, None));
                }
                let whole = caps.get(0).map_or(0, |m| m.end());
                url_end = self.char_index(self.byte(q) + whole);
            }
        }
        if !host_is_valid(url_end - q, self.slice(host_start, host_end)) {
            return Some((end, None));
        }
        let link = Link {
            start: self.byte(q),
            end: self.byte(url_end),
            web,
        };
        Some((end, Some(link)))
    }

    /// An `xmpp:` or `magnet:` URI starting at char index `q`.
    fn extended_uri_at(&self, q: usize) -> Attempt {
        let end = if self.starts_with_ignore_case(q, "xmpp:") {
            self.xmpp_after_scheme(q + 5)?
        } else if self.starts_with_ignore_case(q, "magnet:") {
            let m = MAGNET_QUERY.find(self.rest(q + 7))?;
            self.char_index(self.byte(q + 7) + m.end())
        } else {
            return None;
        };
        let link = Link {
            start: self.byte(q),
            end: self.byte(end),
            web: false,
        };
        Some((end, Some(link)))
    }

    /// `xmpp:` [`//` node `@` host `/`] [node `@`] host [`/` resource] [`?` query]
    fn xmpp_after_scheme(&self, p: usize) -> Option<usize> {
        if self.starts_with_ignore_case(p, "//") {
            if let Some(m) = XMPP_NODE_AT.find(self.rest(p + 2)) {
                let at = self.char_index(self.byte(p + 2) + m.end());
                if let Some(host_end) = self.host_at(at) {
                    if self.chars.get(host_end) == Some(&'/') {
                        if let Some(end) = self.xmpp_address(host_end + 1) {
                            return Some(end);
                        }
                    }
                }
            }
        }
        self.xmpp_address(p)
    }

    fn xmpp_address(&self, p: usize) -> Option<usize> {
        let with_node = XMPP_NODE_AT.find(self.rest(p)).and_then(|m| {
            let at = self.char_index(self.byte(p) + m.end());
            self.host_at(at)
        });
        let host_end = with_node.or_else(|| self.host_at(p))?;
        Some(self.after_match(&XMPP_TAIL, host_end))
    }
}

/// For every char index, the end of the host name (`label.` repeated, then a top-level domain)
/// starting there. Labels are runs of domain characters, `-` and `_`, starting and ending with a
/// domain character; the label right before the TLD may not contain `_`. When several splits
/// work, the longest host wins (the regex's greedy choice).
fn host_table(chars: &[char]) -> Vec<Option<usize>> {
    let n = chars.len();
    let tlds = TldIndex::new(chars);
    let is_label_char = |c: char| is_domain_char(c) || c == '-' || c == '_';
    // For each index inside a label: the index of the `.` closing it, whether the label (from
    // here) contains `_`, and whether its last character is a domain character.
    let mut dot: Vec<Option<usize>> = vec![None; n + 1];
    let mut underscore = vec![false; n + 1];
    let mut ends_well = vec![false; n + 1];
    let mut host_end: Vec<Option<usize>> = vec![None; n + 1];
    for i in (0..n).rev() {
        let c = chars[i];
        if !is_label_char(c) {
            continue;
        }
        match chars.get(i + 1) {
            Some('.') => {
                dot[i] = Some(i + 1);
                underscore[i] = c == '_';
                ends_well[i] = is_domain_char(c);
            }
            Some(&d) if is_label_char(d) => {
                dot[i] = dot[i + 1];
                underscore[i] = c == '_' || underscore[i + 1];
                ends_well[i] = ends_well[i + 1];
            }
            _ => {}
        }
        let Some(d) = dot[i] else { continue };
        if !(is_domain_char(c) && ends_well[i]) {
            continue;
        }
        let next = d + 1;
        // Prefer using this label as a subdomain of a longer host; otherwise it must be the
        // registrable label, directly followed by the top-level domain.
        host_end[i] = host_end.get(next).copied().flatten().or_else(|| {
            if underscore[i] {
                None
            } else {
                tlds.tld_end(chars, next)
            }
        });
    }
    host_end
}

/// The host must convert to ASCII (IDNA), with labels of at most 63 bytes, and the URL must stay
/// within 4096 characters once the host is in its ASCII form.
fn host_is_valid(url_chars: usize, host: &str) -> bool {
    let host_chars = host.chars().count();
    let ascii = match ::url::Host::parse(host) {
        Ok(::url::Host::Domain(ascii)) => ascii,
        Ok(other) => other.to_string(),
        Err(_) => return false,
    };
    if ascii
        .split('.')
        .any(|label| label.is_empty() || label.len() > MAX_LABEL_BYTES)
    {
        return false;
    }
    let growth = ascii.len().saturating_sub(host_chars);
    url_chars + growth <= MAX_URL_CHARS
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The links found in `text`, as strings.
    fn links(text: &str) -> Vec<&str> {
        find_links(text)
            .into_iter()
            .map(|l| &text[l.start..l.end])
            .collect()
    }

    #[test]
    fn patterns_compile() {
        LazyLock::force(&URL_TAIL);
        LazyLock::force(&TCO);
        LazyLock::force(&XMPP_NODE_AT);
        LazyLock::force(&XMPP_TAIL);
        LazyLock::force(&MAGNET_QUERY);
    }

    #[test]
    fn plain_urls() {
        assert_eq!(links("http://google.com"), ["http://google.com"]);
        assert_eq!(
            links("see https://example.com/a/b?c=d#e now"),
            ["https://example.com/a/b?c=d#e"]
        );
        assert_eq!(links("http://example.gay"), ["http://example.gay"]);
        assert_eq!(links("HTTPS://EXAMPLE.COM/X"), ["HTTPS://EXAMPLE.COM/X"]);
        assert_eq!(
            links("https://example.com:8080/x"),
            ["https://example.com:8080/x"]
        );
        assert_eq!(
            links("two https://a.org and http://b.net/"),
            ["https://a.org", "http://b.net/"]
        );
    }

    #[test]
    fn urls_need_a_scheme() {
        assert!(links("example.com").is_empty());
        assert!(links("www.example.com/page").is_empty());
        assert!(links("mail me: bob@example.com").is_empty());
        // A scheme-less URL swallows what follows in its path.
        assert!(links("example.com/https://example.org").is_empty());
    }

    #[test]
    fn urls_need_a_top_level_domain() {
        assert!(links("http://localhost:3000/").is_empty());
        assert!(links("http://127.0.0.1/").is_empty());
        assert!(links("http://example").is_empty());
        assert!(links("http://www\\.google\\.com").is_empty());
    }

    #[test]
    fn preceding_character_rules() {
        assert!(links("xhttps://example.com").is_empty());
        assert!(links("@https://example.com").is_empty());
        assert!(links("#https://example.com").is_empty());
        assert_eq!(links("(https://example.com)"), ["https://example.com"]);
        assert_eq!(links("a:https://example.com"), ["https://example.com"]);
        assert_eq!(links("日本https://example.com"), ["https://example.com"]);
        assert_eq!(links("line\nhttps://example.com"), ["https://example.com"]);
    }

    #[test]
    fn trailing_punctuation() {
        assert_eq!(
            links("http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona. "),
            ["http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona"]
        );
        assert_eq!(links("see https://x.org/a."), ["https://x.org/a"]);
        assert_eq!(links("http://www.google.com!"), ["http://www.google.com"]);
        assert_eq!(links("http://www.google.com'"), ["http://www.google.com"]);
        assert_eq!(links("http://www.google.com>"), ["http://www.google.com"]);
        assert_eq!(links("https://example.com/a, b"), ["https://example.com/a"]);
        assert_eq!(
            links("https://example.com/a?; b"),
            ["https://example.com/a"]
        );
        assert_eq!(links("https://example.com/a:"), ["https://example.com/a"]);
        assert_eq!(links("https://example.com."), ["https://example.com"]);
        assert_eq!(
            links("https://example.com/dir/"),
            ["https://example.com/dir/"]
        );
        assert_eq!(
            links("https://gta.fandom.com/wiki/TW@ Content"),
            ["https://gta.fandom.com/wiki/TW@"]
        );
        assert_eq!(
            links("https://gta.fandom.com/wiki/TW @admin"),
            ["https://gta.fandom.com/wiki/TW"]
        );
        // A parenthesised ending only counts with the older, narrower character set inside.
        assert_eq!(
            links("https://example.org/wiki/X_(日本)"),
            ["https://example.org/wiki/X_"]
        );
    }

    #[test]
    fn quotes_and_brackets_around_urls() {
        assert_eq!(links("(http://google.com/)"), ["http://google.com/"]);
        assert_eq!(links("\"https://example.com/\""), ["https://example.com/"]);
        assert_eq!(links("<https://example.com/>"), ["https://example.com/"]);
        assert_eq!(links("「[https://example.org/」"), ["https://example.org/"]);
        assert_eq!(
            links("https://example.com/\u{3000}abc123"),
            ["https://example.com/"]
        );
    }

    #[test]
    fn balanced_parentheses() {
        assert_eq!(
            links("https://en.wikipedia.org/wiki/Diaspora_(software)"),
            ["https://en.wikipedia.org/wiki/Diaspora_(software)"]
        );
        assert_eq!(
            links("(see https://en.wikipedia.org/wiki/Diaspora_(software))"),
            ["https://en.wikipedia.org/wiki/Diaspora_(software)"]
        );
        assert_eq!(
            links("https://example.com/track/We_Up_(Album_Version_(Edited))/ ok"),
            ["https://example.com/track/We_Up_(Album_Version_(Edited))/"]
        );
        assert_eq!(links("https://example.com/a)b"), ["https://example.com/a"]);
        assert_eq!(links("https://example.com/(a"), ["https://example.com/"]);
    }

    #[test]
    fn query_strings() {
        assert_eq!(
            links("https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&q=autolink"),
            ["https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&q=autolink"]
        );
        assert_eq!(
            links("https://www.ruby-toolbox.com/search?utf8=✓&q=autolink"),
            ["https://www.ruby-toolbox.com/search?utf8=✓&q=autolink"]
        );
        assert_eq!(
            links("https://www.ruby-toolbox.com/search?utf8=✓"),
            ["https://www.ruby-toolbox.com/search?utf8=✓"]
        );
        assert_eq!(
            links("https://example.com/?a=1&b=2."),
            ["https://example.com/?a=1&b=2"]
        );
        assert_eq!(
            links("https://example.com?q=1"),
            ["https://example.com?q=1"]
        );
        assert_eq!(
            links("https://example.com/?q=a(b)"),
            ["https://example.com/?q=a(b"]
        );
    }

    #[test]
    fn non_ascii_urls() {
        assert_eq!(links("https://nic.みんな/"), ["https://nic.みんな/"]);
        assert_eq!(
            links("https://ja.wikipedia.org/wiki/日本"),
            ["https://ja.wikipedia.org/wiki/日本"]
        );
        assert_eq!(
            links("https://ko.wikipedia.org/wiki/대한민국"),
            ["https://ko.wikipedia.org/wiki/대한민국"]
        );
        assert_eq!(
            links("https://baike.baidu.com/item/中华人民共和国"),
            ["https://baike.baidu.com/item/中华人民共和国"]
        );
        assert_eq!(
            links("https://zh.wikipedia.org/wiki/臺灣"),
            ["https://zh.wikipedia.org/wiki/臺灣"]
        );
        assert_eq!(links("https://пример.рф/путь"), ["https://пример.рф/путь"]);
        // A TLD may be followed directly by non-ASCII text, which is then not part of the link.
        assert_eq!(links("https://example.com日本"), ["https://example.com"]);
    }

    #[test]
    fn path_stops_at_markup() {
        assert_eq!(
            links("http://example.com/b<del>b</del>"),
            ["http://example.com/b"]
        );
        assert_eq!(
            links("http://example.com/blahblahblahblah/a<script>alert(\"Hello\")</script>"),
            ["http://example.com/blahblahblahblah/a"]
        );
    }

    #[test]
    fn case_folding_like_ruby() {
        // Ruby's case-insensitive `[a-z]` also matches `ſ` (long s) and `K` (Kelvin sign).
        assert!(links("ſhttps://example.com").is_empty());
        assert_eq!(links("httpſ://example.com"), ["httpſ://example.com"]);
        assert!(links("https://example.co\u{212A}").is_empty());
    }

    #[test]
    fn other_schemes() {
        assert_eq!(links("gemini://example.org/x"), ["gemini://example.org/x"]);
        assert_eq!(links("ipfs://example.org/x"), ["ipfs://example.org/x"]);
        assert!(!find_links("gemini://example.org/x")[0].web);
        assert!(find_links("https://example.org/x")[0].web);
        assert!(links("ftp://example.org/x").is_empty());
    }

    #[test]
    fn tco_links_keep_only_the_slug() {
        assert_eq!(links("https://t.co/abc123?x=1"), ["https://t.co/abc123"]);
        let long = format!("https://t.co/{}", "a".repeat(41));
        assert!(links(&long).is_empty());
    }

    #[test]
    fn invalid_hosts() {
        let label = "a".repeat(64);
        assert!(links(&format!("https://{label}.com")).is_empty());
        assert_eq!(links(&format!("https://{}.com", &label[..63])).len(), 1);
        let huge = format!("https://example.com/{}", "a".repeat(5000));
        assert!(links(&huge).is_empty());
    }

    #[test]
    fn underscores_in_hosts() {
        assert_eq!(
            links("https://my_host.example.com/"),
            ["https://my_host.example.com/"]
        );
        assert!(links("https://my_host.com/").is_empty());
        assert!(links("https://-x.com/").is_empty());
    }

    #[test]
    fn xmpp_and_magnet() {
        assert_eq!(links("xmpp:user@instance.com"), ["xmpp:user@instance.com"]);
        assert_eq!(
            links("please join xmpp:muc@instance.com?join right now"),
            ["xmpp:muc@instance.com?join"]
        );
        assert_eq!(
            links("xmpp:instance.com/resource"),
            ["xmpp:instance.com/resource"]
        );
        assert_eq!(
            links("magnet uri: magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"),
            ["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"]
        );
        assert!(links("plain xmpp: nothing here").is_empty());
        assert!(links("plain magnet: nothing here").is_empty());
    }

    #[test]
    fn byte_offsets_are_correct_after_multibyte_text() {
        let text = "日本語 https://example.com/ü ok";
        let found = find_links(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].start..found[0].end], "https://example.com/ü");
    }

    #[test]
    fn hostile_inputs_do_not_panic_and_stay_fast() {
        let inputs = [
            "a.".repeat(20_000),
            "https://".repeat(5_000),
            "https://a.".repeat(5_000),
            format!("https://example.com/{}", "(".repeat(10_000)),
            format!("https://example.com/{}", "(a".repeat(10_000)),
            format!("https://example.com/?{}", "!".repeat(20_000)),
            "xmpp:".repeat(5_000),
            "xmpp://a@".repeat(5_000),
            ":".repeat(20_000),
            "é.".repeat(10_000),
            "\u{FEFF}:".repeat(10_000),
        ];
        let started = std::time::Instant::now();
        for input in &inputs {
            let _ = find_links(input);
        }
        assert!(started.elapsed().as_secs() < 10, "link scanning too slow");
    }
}
