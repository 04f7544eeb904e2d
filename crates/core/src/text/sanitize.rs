//! Sanitising HTML that arrives from other servers, with Mastodon's allow-list
//! (`Sanitize::Config::MASTODON_STRICT`): text formatting, lists, quotes, code, links with
//! safe schemes, and only the classes Mastodon keeps (microformats, mentions, hashtags, link
//! shortening). Everything else is dropped; links get `rel="nofollow noopener"`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::Builder;

fn builder() -> &'static Builder<'static> {
    static B: OnceLock<Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "span",
            "a",
            "del",
            "s",
            "pre",
            "blockquote",
            "code",
            "b",
            "strong",
            "u",
            "i",
            "em",
            "ul",
            "ol",
            "li",
            "ruby",
            "rt",
            "rp",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
        ]
        .into_iter()
        .collect();
        let mut attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
        attrs.insert("a", ["href", "class", "translate"].into_iter().collect());
        attrs.insert("span", ["class", "translate"].into_iter().collect());
        attrs.insert("ol", ["start", "reversed"].into_iter().collect());
        attrs.insert("li", ["value"].into_iter().collect());
        let schemes: HashSet<&str> = [
            "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet",
            "gemini",
        ]
        .into_iter()
        .collect();
        let mut b = Builder::default();
        b.tags(tags)
            .tag_attributes(attrs)
            .generic_attributes(HashSet::new())
            .url_schemes(schemes)
            .link_rel(Some("nofollow noopener"))
            .attribute_filter(|_element, attribute, value| match attribute {
                "class" => {
                    let kept: Vec<&str> = value
                        .split_whitespace()
                        .filter(|c| allowed_class(c))
                        .collect();
                    (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
                }
                "translate" => (value == "no").then_some(Cow::Borrowed(value)),
                _ => Some(Cow::Borrowed(value)),
            });
        b
    })
}

fn allowed_class(c: &str) -> bool {
    ["h-", "p-", "u-", "dt-", "e-"]
        .iter()
        .any(|p| c.starts_with(p))
        || matches!(c, "mention" | "hashtag" | "ellipsis" | "invisible")
}

/// Safe HTML for a remote post or bio.
pub fn sanitize_remote_html(html: &str) -> String {
    builder().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mastodon_markup_and_drops_the_rest() {
        let kept = r#"<p>Hi <span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span></p>"#;
        let out = sanitize_remote_html(kept);
        assert!(out.contains(r#"class="h-card""#));
        assert!(out.contains(r#"class="u-url mention""#));
        assert!(out.contains(r#"rel="nofollow noopener""#));
        let evil = r#"<p onclick="x()">a<script>alert(1)</script><img src=x onerror=y><a href="javascript:alert(1)">j</a><span class="evil mention" style="color:red">m</span><iframe src="https://x"></iframe></p>"#;
        let out = sanitize_remote_html(evil);
        for bad in [
            "script",
            "onclick",
            "onerror",
            "<img",
            "javascript:",
            "evil",
            "style",
            "iframe",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains(r#"<span class="mention">m</span>"#), "{out}");
        assert!(
            sanitize_remote_html("<ul><li>x</li></ul><blockquote>q</blockquote>")
                .contains("<li>x</li>")
        );
    }
}
