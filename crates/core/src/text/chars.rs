//! Character classes shared by the extractors.
//!
//! These mirror the classes Mastodon's regular expressions (and the twitter-text ones it builds
//! on) use, so that a single character can be tested without running a whole pattern.

use std::sync::LazyLock;

use regex::Regex;

/// Builds one of our constant patterns. The patterns are fixed strings covered by the tests, so a
/// failure here is a programming error, never a consequence of user input.
pub(crate) fn compile(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        Err(err) => panic!("invalid built-in text pattern {pattern:?}: {err}"),
    }
}

/// Ruby's Unicode `[[:word:]]`: alphabetic characters, marks, decimal digits and connector
/// punctuation. Rust's `\w` also admits the join controls ZWNJ/ZWJ, which Ruby's does not.
pub(crate) const WORD_CLASS: &str = r"[\w&&[^\x{200C}\x{200D}]]";

static WORD: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{WORD_CLASS}$")));

/// Letters and combining marks, the characters an internationalised top-level domain consists of.
static LETTER_OR_MARK: LazyLock<Regex> = LazyLock::new(|| compile(r"^[\p{Alphabetic}\p{M}]$"));

fn class_match(re: &Regex, c: char) -> bool {
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

/// `[[:word:]]`: Unicode alphabetic characters, marks, decimal digits, connector punctuation.
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        class_match(&WORD, c)
    }
}

/// `[[:space:]]`: the Unicode `White_Space` property.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Non-ASCII letters and marks (used for internationalised TLDs such as `みんな` or `рф`).
pub(crate) fn is_idn_letter(c: char) -> bool {
    !c.is_ascii() && class_match(&LETTER_OR_MARK, c)
}

/// Bidirectional formatting characters (ALM, LRM, RLM, LRE..RLO, LRI..PDI).
pub(crate) fn is_directional(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Byte-order marks and non-characters that are never part of a link.
pub(crate) fn is_invalid(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

/// The white-space list twitter-text uses for domains (`White_Space` plus U+180E).
fn is_twitter_space(c: char) -> bool {
    matches!(
        c,
        '\u{09}'..='\u{0D}'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{180E}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// A character allowed inside a domain label: anything but ASCII punctuation, controls, spaces,
/// directional marks and the invalid characters. This deliberately admits any non-ASCII letter,
/// digit or symbol, as twitter-text does.
pub(crate) fn is_domain_char(c: char) -> bool {
    !(c.is_ascii_punctuation()
        || c.is_ascii_control()
        || is_twitter_space(c)
        || is_directional(c)
        || is_invalid(c))
}

/// The character right before a link (which the link pattern consumes) must not be an ASCII
/// letter or digit, `@`, `＠`, `$`, `#`, `＃` or an invalid character.
pub(crate) fn may_precede_link(c: char) -> bool {
    !(is_ascii_alnum_folded(c) || matches!(c, '@' | '＠' | '$' | '#' | '＃') || is_invalid(c))
}

/// An ASCII letter or digit under case-insensitive matching, which also admits the two
/// non-ASCII characters that case-fold to ASCII letters: `ſ` (long s) and `K` (Kelvin sign).
pub(crate) fn is_ascii_alnum_folded(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\u{17F}' | '\u{212A}')
}

/// Case-insensitive comparison of `c` against the ASCII character `ascii`, with the same
/// folding as [`is_ascii_alnum_folded`].
pub(crate) fn eq_ignore_case_folded(c: char, ascii: char) -> bool {
    c.eq_ignore_ascii_case(&ascii)
        || (c == '\u{17F}' && ascii.eq_ignore_ascii_case(&'s'))
        || (c == '\u{212A}' && ascii.eq_ignore_ascii_case(&'k'))
}

/// Latin letters with diacritics (and combining diacritics). A mention immediately followed by
/// one of these is not a mention: `@user` in `@useré` is a truncated word, not a username.
pub(crate) fn is_latin_accent(c: char) -> bool {
    matches!(
        c,
        '\u{C0}'..='\u{D6}'
            | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{FF}'
            | '\u{100}'..='\u{24F}'
            | '\u{253}'..='\u{254}'
            | '\u{256}'..='\u{257}'
            | '\u{259}'
            | '\u{25B}'
            | '\u{263}'
            | '\u{268}'
            | '\u{26F}'
            | '\u{272}'
            | '\u{289}'
            | '\u{28B}'
            | '\u{2BB}'
            | '\u{300}'..='\u{36F}'
            | '\u{1E00}'..='\u{1EFF}'
    )
}

/// The last character of `text[..at]`, if any. `at` must be a char boundary.
pub(crate) fn char_before(text: &str, at: usize) -> Option<char> {
    text.get(..at).and_then(|s| s.chars().next_back())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_characters() {
        for c in ['a', 'Z', '0', '_', 'é', 'タ', 'ß', 'я', '٣', '\u{0301}'] {
            assert!(is_word(c), "{c:?} should be a word char");
        }
        assert!(is_word('Ⅻ')); // letter number: alphabetic
        for c in [
            ' ', '-', '.', '@', '#', '/', '=', '·', '🎉', '\u{3000}', '\u{200C}', '\u{200D}', '²',
        ] {
            assert!(!is_word(c), "{c:?} should not be a word char");
        }
    }

    #[test]
    fn domain_characters() {
        for c in ['a', '0', 'é', 'み', '☃', '🍕'] {
            assert!(is_domain_char(c), "{c:?}");
        }
        for c in [
            '.', '-', '_', '/', ':', '@', ' ', '\u{3000}', '\u{A0}', '\u{200E}', '\u{FEFF}',
        ] {
            assert!(!is_domain_char(c), "{c:?}");
        }
    }

    #[test]
    fn link_preceding_characters() {
        for c in [' ', '(', '"', '「', '\n', '/', ':', 'é', '.'] {
            assert!(may_precede_link(c), "{c:?}");
        }
        for c in [
            'a', 'Z', '9', '@', '＠', '$', '#', '＃', '\u{FEFF}', 'ſ', '\u{212A}',
        ] {
            assert!(!may_precede_link(c), "{c:?}");
        }
    }

    #[test]
    fn case_folding_helpers() {
        assert!(eq_ignore_case_folded('S', 's'));
        assert!(eq_ignore_case_folded('ſ', 's'));
        assert!(eq_ignore_case_folded('\u{212A}', 'K'));
        assert!(!eq_ignore_case_folded('ſ', 't'));
        assert!(is_ascii_alnum_folded('ſ'));
        assert!(!is_ascii_alnum_folded('é'));
    }

    #[test]
    fn idn_letters() {
        assert!(is_idn_letter('み'));
        assert!(is_idn_letter('р'));
        assert!(is_idn_letter('\u{094D}')); // Devanagari virama (a mark)
        assert!(!is_idn_letter('a'));
        assert!(!is_idn_letter('🍕'));
        assert!(!is_idn_letter('。'));
    }

    #[test]
    fn char_before_handles_edges() {
        assert_eq!(char_before("abc", 0), None);
        assert_eq!(char_before("aé", 3), Some('é'));
        assert_eq!(char_before("aé", 2), None); // not a boundary: no panic
        assert_eq!(char_before("a", 5), None);
    }
}
