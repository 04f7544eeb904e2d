//! Custom emoji shortcodes (`:blobcat:`) in status text, found as Mastodon finds them: two or
//! more of `[A-Za-z0-9_]` between colons, not glued to a letter, digit or another colon.

/// How many distinct shortcodes one text may name; the rest are ignored.
pub const MAX_SHORTCODES: usize = 64;

fn is_shortcode_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_boundary(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => !c.is_alphanumeric() && c != ':',
    }
}

/// Whether `s` is a valid shortcode (without colons).
pub fn is_valid_shortcode(s: &str) -> bool {
    (2..=100).contains(&s.len()) && s.chars().all(is_shortcode_char)
}

/// The distinct shortcodes `text` names, in order of first appearance (at most
/// [`MAX_SHORTCODES`]). Linear in the length of `text`.
pub fn emoji_shortcodes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != ':' || !is_boundary(prev) {
            prev = Some(c);
            continue;
        }
        // A candidate opening colon at `i`: read the shortcode.
        let start = i + 1;
        let mut end = start;
        while let Some(&(j, d)) = chars.peek() {
            if !is_shortcode_char(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        match chars.peek() {
            Some(&(_, ':')) if end - start >= 2 => {
                let after = text[end + 1..].chars().next();
                if is_boundary(after) {
                    chars.next(); // the closing colon
                    let code = &text[start..end];
                    if code.len() <= 100 && !out.iter().any(|c| c == code) {
                        out.push(code.to_string());
                        if out.len() == MAX_SHORTCODES {
                            break;
                        }
                    }
                    prev = Some(':');
                    continue;
                }
                // `:ab::` — the second colon may open the next shortcode only if bounded,
                // which it is not (it follows a colon), so move on.
                prev = text[..end].chars().next_back();
            }
            _ => {
                prev = text[..end].chars().next_back();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shortcodes_like_mastodon() {
        assert_eq!(emoji_shortcodes(":blobcat: hi"), vec!["blobcat"]);
        assert_eq!(
            emoji_shortcodes("<p>a :blob_cat: and :ok_hand:</p>"),
            vec!["blob_cat", "ok_hand"]
        );
        assert_eq!(emoji_shortcodes(":a: x"), Vec::<String>::new()); // too short
        assert_eq!(emoji_shortcodes("x:blob:"), Vec::<String>::new()); // glued to a letter
        assert_eq!(emoji_shortcodes(":blob:x"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes("::blob::"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes(":blob::cat:"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes(":blob: :blob:"), vec!["blob"]);
        assert_eq!(emoji_shortcodes("12:30:45"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes("(:blob:)"), vec!["blob"]);
        assert_eq!(emoji_shortcodes("é:blob:"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes(":blob:\u{e9}"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes("日本:blob:"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes("。:blob:。"), vec!["blob"]);
        assert_eq!(emoji_shortcodes(""), Vec::<String>::new());
        assert_eq!(emoji_shortcodes(":"), Vec::<String>::new());
        assert_eq!(emoji_shortcodes(":ab"), Vec::<String>::new());
        let many: String = (0..200).map(|i| format!(":e{i}: ")).collect();
        assert_eq!(emoji_shortcodes(&many).len(), MAX_SHORTCODES);
    }

    #[test]
    fn validates_shortcodes() {
        assert!(is_valid_shortcode("blob_cat2"));
        assert!(!is_valid_shortcode("b"));
        assert!(!is_valid_shortcode("blob cat"));
        assert!(!is_valid_shortcode("blob:cat"));
        assert!(!is_valid_shortcode(&"a".repeat(101)));
    }
}
