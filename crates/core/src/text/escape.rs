//! HTML escaping with the same five replacements as Rails' `ERB::Util.html_escape`.

/// Escapes `&`, `<`, `>`, `"` and `'` (the latter as `&#39;`), exactly as Mastodon/Rails do.
/// Every other character, including newlines and non-ASCII text, is passed through unchanged.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push_escaped(&mut out, s);
    out
}

/// Appends the escaped form of `s` to `out`, avoiding an intermediate allocation.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // `i` is the index of an ASCII byte, hence always a char boundary.
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("plain text\n"), "plain text\n");
        assert_eq!(escape_html("日本語 ✓ 🎉"), "日本語 ✓ 🎉");
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
    }

    #[test]
    fn escapes_next_to_multibyte_characters() {
        assert_eq!(escape_html("é<é>é"), "é&lt;é&gt;é");
        assert_eq!(escape_html("<"), "&lt;");
        assert_eq!(escape_html("''"), "&#39;&#39;");
    }
}
