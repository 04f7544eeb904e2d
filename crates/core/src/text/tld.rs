//! Where a host name's top-level domain ends.
//!
//! Mastodon (through twitter-text) accepts a host only if it ends in a top-level domain from a
//! fixed list, followed by something that cannot continue a host name: the end of the text or any
//! character other than an ASCII letter, digit, `@`, `+` or `-`. We do not carry that list; we
//! accept any final label of 2 to 63 letters (ASCII, or non-ASCII letters and marks for IDN TLDs
//! such as `みんな`), and `xn--` punycode labels, with the same boundary rule. The effect: hosts
//! with no top-level domain (`localhost`, IP addresses) are not linked, like Mastodon; hosts whose
//! last label is alphabetic but not a real TLD are linked, unlike Mastodon.

use super::chars::{is_ascii_alnum_folded, is_idn_letter};

/// Longest run we accept as a top-level domain (a DNS label).
const MAX_TLD_CHARS: usize = 63;
const MIN_TLD_CHARS: usize = 2;

/// Per-position run lengths over the text's characters, so that every TLD probe is O(1).
pub(crate) struct TldIndex {
    /// End (exclusive) of the run of ASCII letters starting at each index.
    ascii_alpha_end: Vec<usize>,
    /// End (exclusive) of the run of ASCII letters and digits starting at each index.
    ascii_alnum_end: Vec<usize>,
    /// End (exclusive) of the run of non-ASCII letters and marks starting at each index.
    idn_end: Vec<usize>,
}

impl TldIndex {
    pub(crate) fn new(chars: &[char]) -> Self {
        let n = chars.len();
        let mut ascii_alpha_end = vec![n; n + 1];
        let mut ascii_alnum_end = vec![n; n + 1];
        let mut idn_end = vec![n; n + 1];
        for (i, &c) in chars.iter().enumerate().rev() {
            ascii_alpha_end[i] = if c.is_ascii_alphabetic() {
                ascii_alpha_end[i + 1]
            } else {
                i
            };
            ascii_alnum_end[i] = if c.is_ascii_alphanumeric() {
                ascii_alnum_end[i + 1]
            } else {
                i
            };
            idn_end[i] = if is_idn_letter(c) { idn_end[i + 1] } else { i };
        }
        Self {
            ascii_alpha_end,
            ascii_alnum_end,
            idn_end,
        }
    }

    /// If a top-level domain starts at char index `p`, the index where it ends.
    pub(crate) fn tld_end(&self, chars: &[char], p: usize) -> Option<usize> {
        let c = *chars.get(p)?;
        let run_end = if c.is_ascii_alphabetic() {
            self.ascii_alpha_end.get(p).copied()
        } else if is_idn_letter(c) {
            self.idn_end.get(p).copied()
        } else {
            None
        };
        if let Some(end) = run_end {
            let len = end - p;
            if (MIN_TLD_CHARS..=MAX_TLD_CHARS).contains(&len) && boundary_ok(chars, end) {
                return Some(end);
            }
        }
        // Punycode (`xn--` followed by letters and digits) needs no boundary.
        let is_punycode_start = chars.get(p..p + 4).is_some_and(|s| {
            s[0].eq_ignore_ascii_case(&'x')
                && s[1].eq_ignore_ascii_case(&'n')
                && s[2] == '-'
                && s[3] == '-'
        });
        if is_punycode_start && chars.get(p + 4).is_some_and(char::is_ascii_alphanumeric) {
            return self.ascii_alnum_end.get(p + 4).copied();
        }
        None
    }
}

/// A top-level domain may not be directly followed by an ASCII letter, digit, `@`, `+` or `-`.
fn boundary_ok(chars: &[char], end: usize) -> bool {
    match chars.get(end) {
        None => true,
        Some(&c) => !(is_ascii_alnum_folded(c) || matches!(c, '@' | '+' | '-')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tld(s: &str, p: usize) -> Option<usize> {
        let chars: Vec<char> = s.chars().collect();
        TldIndex::new(&chars).tld_end(&chars, p)
    }

    #[test]
    fn ascii_tlds() {
        assert_eq!(tld("com", 0), Some(3));
        assert_eq!(tld("com/x", 0), Some(3));
        assert_eq!(tld("com.", 0), Some(3));
        assert_eq!(tld("gay", 0), Some(3));
        assert_eq!(tld("com日本", 0), Some(3));
        assert_eq!(tld("c", 0), None);
        assert_eq!(tld("com2", 0), None);
        assert_eq!(tld("com-x", 0), None);
        assert_eq!(tld("com@x", 0), None);
        assert_eq!(tld("com+x", 0), None);
        assert_eq!(tld("1", 0), None);
        assert_eq!(tld("", 0), None);
        assert_eq!(tld("com", 7), None);
    }

    #[test]
    fn idn_and_punycode_tlds() {
        assert_eq!(tld("みんな/", 0), Some(3));
        assert_eq!(tld("рф", 0), Some(2));
        assert_eq!(tld("中国a", 0), None);
        assert_eq!(tld("xn--p1ai", 0), Some(8));
        assert_eq!(tld("XN--P1AI-", 0), Some(8));
        assert_eq!(tld("xn--", 0), None);
    }

    #[test]
    fn overlong_labels_are_not_tlds() {
        let long = "a".repeat(64);
        assert_eq!(tld(&long, 0), None);
        assert_eq!(tld(&long[..63], 0), Some(63));
    }
}
