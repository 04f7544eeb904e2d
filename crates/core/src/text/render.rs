//! Plain text to HTML, producing the same markup as Mastodon's `TextFormatter#to_s` for a local
//! status.

use super::escape::push_escaped;
use super::extract::{extract_entities, EntityKind};
use super::mentions::MentionRef;

/// How a mention resolved to an account is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMention {
    /// The account's profile URL (the link target).
    pub url: String,
    /// What follows the `@`: the bare username for local accounts (and, as Mastodon does, for
    /// remote ones unless another mentioned account has the same username), otherwise
    /// `user@domain`.
    pub display_username: String,
}

/// Rendering settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatOptions<'a> {
    /// The instance's base URL, e.g. `https://example.com`, without a trailing slash. Hashtag
    /// links point to `{base_url}/tags/{name}`.
    pub base_url: &'a str,
}

/// How many characters of a link (after `https://`/`http://`, `www.` and `xmpp:`) are shown.
const VISIBLE_LINK_CHARS: usize = 30;

/// Renders `text` as Mastodon's `TextFormatter` does for a local status:
///
/// * white-space-only (or empty) text renders as the empty string;
/// * `\r\n` and lone `\r` count as `\n`; runs of two or more newlines separate `<p>` paragraphs,
///   single newlines inside a paragraph become `<br />`, newlines at the very start or end of the
///   text are dropped; the output contains no newline characters;
/// * other white space is preserved as is;
/// * links: `<a href="…" target="_blank" rel="nofollow noopener" translate="no">` with the scheme
///   (and `www.`) in an invisible span, the next 30 characters visible (class `ellipsis` when
///   more follows), and the rest invisible;
/// * hashtags: `<a href="{base_url}/tags/{name}" class="mention hashtag" rel="tag">#<span>{name}</span></a>`
///   (name as written, percent-encoded in the URL);
/// * mentions the resolver knows: `<span class="h-card" translate="no"><a href="{url}"
///   class="u-url mention">@<span>{display_username}</span></a></span>`; unknown ones stay text;
/// * everything else is HTML-escaped.
pub fn render_plain_text(
    text: &str,
    opts: &FormatOptions,
    resolve: &dyn Fn(&MentionRef) -> Option<ResolvedMention>,
) -> String {
    if text.chars().all(char::is_whitespace) {
        return String::new();
    }
    let mut html = String::with_capacity(text.len() * 2);
    let mut last = 0;
    for entity in extract_entities(text) {
        // Entity bounds come from char-boundary matches on `text`; `get` keeps this panic-free
        // regardless.
        let (Some(before), Some(raw)) = (
            text.get(last..entity.start),
            text.get(entity.start..entity.end),
        ) else {
            continue;
        };
        push_escaped(&mut html, before);
        match &entity.kind {
            EntityKind::Link { .. } => push_link(&mut html, raw),
            EntityKind::Hashtag(name) => push_hashtag(&mut html, opts.base_url, name),
            EntityKind::Mention(mention) => match resolve(mention) {
                Some(resolved) => push_mention(&mut html, &resolved),
                None => push_escaped(&mut html, raw),
            },
        }
        last = entity.end;
    }
    push_escaped(&mut html, text.get(last..).unwrap_or(""));
    simple_format(&html)
}

fn push_link(out: &mut String, url: &str) {
    let prefix = display_prefix(url);
    let rest = &url[prefix.len()..];
    let rest_chars = rest.chars().count();
    // Mastodon hides everything after 30 characters, unless only one more would be hidden.
    let (shown, hidden, class) = if rest_chars > VISIBLE_LINK_CHARS + 1 {
        let cut = rest
            .char_indices()
            .nth(VISIBLE_LINK_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        (&rest[..cut], &rest[cut..], "ellipsis")
    } else {
        (rest, "", "")
    };
    out.push_str("<a href=\"");
    push_escaped(out, url);
    out.push_str("\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">");
    push_escaped(out, prefix);
    out.push_str("</span><span class=\"");
    out.push_str(class);
    out.push_str("\">");
    push_escaped(out, shown);
    out.push_str("</span><span class=\"invisible\">");
    push_escaped(out, hidden);
    out.push_str("</span></a>");
}

/// The part of a link Mastodon hides: `https://` or `http://` (plus `www.`), or `xmpp:`.
/// Case-sensitive, as in Mastodon.
fn display_prefix(url: &str) -> &str {
    for scheme in ["https://", "http://"] {
        if let Some(after) = url.strip_prefix(scheme) {
            let len = if after.starts_with("www.") {
                scheme.len() + "www.".len()
            } else {
                scheme.len()
            };
            return &url[..len];
        }
    }
    if url.starts_with("xmpp:") {
        return &url[.."xmpp:".len()];
    }
    ""
}

fn push_hashtag(out: &mut String, base_url: &str, name: &str) {
    out.push_str("<a href=\"");
    let mut href = String::with_capacity(base_url.len() + 6 + name.len() * 3);
    href.push_str(base_url);
    href.push_str("/tags/");
    push_path_segment(&mut href, name);
    push_escaped(out, &href);
    out.push_str("\" class=\"mention hashtag\" rel=\"tag\">#<span>");
    push_escaped(out, name);
    out.push_str("</span></a>");
}

/// Percent-encodes a URL path segment as Rails' router does: unreserved characters,
/// sub-delimiters, `:` and `@` stay, every other byte becomes `%XX` (upper-case hex).
fn push_path_segment(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in segment.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

fn push_mention(out: &mut String, mention: &ResolvedMention) {
    out.push_str("<span class=\"h-card\" translate=\"no\"><a href=\"");
    push_escaped(out, &mention.url);
    out.push_str("\" class=\"u-url mention\">@<span>");
    push_escaped(out, &mention.display_username);
    out.push_str("</span></a></span>");
}

/// Rails' `simple_format` followed by removing every newline, as Mastodon does.
fn simple_format(html: &str) -> String {
    let normalized = normalize_newlines(html);
    let mut paragraphs: Vec<&str> = Vec::new();
    let mut rest = normalized.as_str();
    while let Some(at) = rest.find("\n\n") {
        paragraphs.push(&rest[..at]);
        rest = rest[at..].trim_start_matches('\n');
    }
    paragraphs.push(rest);
    // Like Ruby's `split`, drop empty trailing pieces (an empty leading one stays).
    while paragraphs.last().is_some_and(|p| p.is_empty()) {
        paragraphs.pop();
    }
    if paragraphs.is_empty() {
        return "<p></p>".to_owned();
    }
    let mut out = String::with_capacity(normalized.len() + paragraphs.len() * 7 + 32);
    for paragraph in paragraphs {
        out.push_str("<p>");
        // Paragraphs hold only single newlines. One between two characters becomes `<br />`;
        // one at the paragraph's start or end (only possible at the text's edges) disappears.
        let last_index = paragraph.len().saturating_sub(1);
        let mut from = 0;
        for (i, _) in paragraph.match_indices('\n') {
            out.push_str(&paragraph[from..i]);
            if i > 0 && i < last_index {
                out.push_str("<br />");
            }
            from = i + 1;
        }
        out.push_str(&paragraph[from..]);
        out.push_str("</p>");
    }
    out
}

/// `\r\n` and lone `\r` become `\n`.
fn normalize_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            out.push('\n');
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const BASE: &str = "https://cb6e6126.ngrok.io";

    fn opts() -> FormatOptions<'static> {
        FormatOptions { base_url: BASE }
    }

    /// Resolves `@alice` (local) and `@bob@example.org` (remote); nobody else.
    fn resolver(m: &MentionRef) -> Option<ResolvedMention> {
        match (
            m.username.to_lowercase().as_str(),
            m.domain.as_deref().map(str::to_lowercase).as_deref(),
        ) {
            ("alice", None) => Some(ResolvedMention {
                url: format!("{BASE}/@alice"),
                display_username: "alice".to_owned(),
            }),
            ("bob", Some("example.org")) => Some(ResolvedMention {
                url: "https://example.org/@bob".to_owned(),
                display_username: "bob".to_owned(),
            }),
            _ => None,
        }
    }

    fn render(text: &str) -> String {
        render_plain_text(text, &opts(), &resolver)
    }

    fn nobody(_: &MentionRef) -> Option<ResolvedMention> {
        None
    }

    fn link(href: &str, prefix: &str, shown: &str, class: &str, hidden: &str) -> String {
        format!(
            "<a href=\"{href}\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">{prefix}</span><span class=\"{class}\">{shown}</span><span class=\"invisible\">{hidden}</span></a>"
        )
    }

    // ---- Cases from Mastodon's own TextFormatter spec ----

    #[test]
    fn spec_paragraphizes_plain_text() {
        assert_eq!(render("text"), "<p>text</p>");
    }

    #[test]
    fn spec_removes_line_feeds() {
        let html = render("line\nfeed");
        assert!(!html.contains('\n'));
        assert_eq!(html, "<p>line<br />feed</p>");
    }

    #[test]
    fn spec_linkable_mention() {
        assert!(render("@alice").contains(&format!(
            "<a href=\"{BASE}/@alice\" class=\"u-url mention\">@<span>alice</span></a></span>"
        )));
        assert_eq!(
            render("@alice"),
            format!("<p><span class=\"h-card\" translate=\"no\"><a href=\"{BASE}/@alice\" class=\"u-url mention\">@<span>alice</span></a></span></p>")
        );
    }

    #[test]
    fn spec_unlinkable_mention() {
        assert_eq!(
            render_plain_text("@alice", &opts(), &nobody),
            "<p>@alice</p>"
        );
    }

    #[test]
    fn spec_stand_alone_urls() {
        let cases = [
            "https://hackernoon.com/the-power-to-build-communities-a-response-to-mark-zuckerberg-3f2cac9148a4",
            "http://google.com",
            "http://example.gay",
            "https://nic.みんな/",
        ];
        for url in cases {
            assert!(render(url).contains(&format!("href=\"{url}\"")), "{url}");
        }
        assert!(render("https://nic.みんな/").contains("<span class=\"\">nic.みんな/</span>"));
        assert_eq!(
            render("http://google.com"),
            format!(
                "<p>{}</p>",
                link("http://google.com", "http://", "google.com", "", "")
            )
        );
    }

    #[test]
    fn spec_url_edges() {
        let cases = [
            (
                "http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona. ",
                "http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona",
            ),
            ("(http://google.com/)", "http://google.com/"),
            ("http://www.google.com!", "http://www.google.com"),
            ("http://www.google.com'", "http://www.google.com"),
            ("http://www.google.com>", "http://www.google.com"),
            (
                "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&q=autolink",
                "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&amp;q=autolink",
            ),
            (
                "https://www.ruby-toolbox.com/search?utf8=✓&q=autolink",
                "https://www.ruby-toolbox.com/search?utf8=✓&amp;q=autolink",
            ),
            ("https://www.ruby-toolbox.com/search?utf8=✓", "https://www.ruby-toolbox.com/search?utf8=✓"),
            (
                "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&utf81=✓&q=autolink",
                "https://www.ruby-toolbox.com/search?utf8=%E2%9C%93&amp;utf81=✓&amp;q=autolink",
            ),
            ("https://en.wikipedia.org/wiki/Diaspora_(software)", "https://en.wikipedia.org/wiki/Diaspora_(software)"),
            ("\"https://example.com/\"", "https://example.com/"),
            ("<https://example.com/>", "https://example.com/"),
            ("https://ja.wikipedia.org/wiki/日本", "https://ja.wikipedia.org/wiki/日本"),
            ("https://ko.wikipedia.org/wiki/대한민국", "https://ko.wikipedia.org/wiki/대한민국"),
            ("https://example.com/\u{3000}abc123", "https://example.com/"),
            ("「[https://example.org/」", "https://example.org/"),
            ("https://baike.baidu.com/item/中华人民共和国", "https://baike.baidu.com/item/中华人民共和国"),
            ("https://zh.wikipedia.org/wiki/臺灣", "https://zh.wikipedia.org/wiki/臺灣"),
            ("https://gta.fandom.com/wiki/TW@ Content", "https://gta.fandom.com/wiki/TW@"),
        ];
        for (text, href) in cases {
            assert!(
                render(text).contains(&format!("href=\"{href}\"")),
                "{text} -> {}",
                render(text)
            );
        }
    }

    #[test]
    fn spec_xss_in_urls() {
        let html = render("http://example.com/b<del>b</del>");
        assert!(html.contains("\"http://example.com/b\""));
        assert!(html.contains("&lt;del&gt;b&lt;/del&gt;"));

        let html = render("http://example.com/blahblahblahblah/a<script>alert(\"Hello\")</script>");
        assert!(html.contains("\"http://example.com/blahblahblahblah/a\""));
        assert!(html.contains("&lt;script&gt;alert(&quot;Hello&quot;)&lt;/script&gt;"));
    }

    #[test]
    fn spec_escapes_html() {
        assert_eq!(
            render("<script>alert(\"Hello\")</script>"),
            "<p>&lt;script&gt;alert(&quot;Hello&quot;)&lt;/script&gt;</p>"
        );
        assert_eq!(
            render(r#"<img src="javascript:alert('XSS');">"#),
            "<p>&lt;img src=&quot;javascript:alert(&#39;XSS&#39;);&quot;&gt;</p>"
        );
    }

    #[test]
    fn spec_invalid_url_is_raw_text() {
        assert_eq!(
            render("http://www\\.google\\.com"),
            "<p>http://www\\.google\\.com</p>"
        );
    }

    #[test]
    fn spec_lengthy_url_is_truncated() {
        let html = render("lorem https://prepitaph.org/wip/web-dovespair/ ipsum");
        assert!(html.contains("<span class=\"invisible\">https://</span>"));
        assert!(html.contains("<span class=\"ellipsis\">prepitaph.org/wip/web-dovespai</span>"));
        assert!(html.contains("<span class=\"invisible\">r/</span>"));
    }

    #[test]
    fn spec_short_url_is_not_truncated() {
        let html = render("lorem https://prepitaph.org/wip/web-devspair/ ipsum");
        assert!(html.contains("<span class=\"invisible\">https://</span>"));
        assert!(html.contains("<span class=\"\">prepitaph.org/wip/web-devspair/</span>"));
        assert!(html.contains("<span class=\"invisible\"></span>"));
    }

    #[test]
    fn spec_hashtags() {
        assert!(render("#hashtag").contains(
            "/tags/hashtag\" class=\"mention hashtag\" rel=\"tag\">#<span>hashtag</span></a>"
        ));
        assert!(render("#hashtagタグ").contains(
            "/tags/hashtag%E3%82%BF%E3%82%B0\" class=\"mention hashtag\" rel=\"tag\">#<span>hashtagタグ</span></a>"
        ));
    }

    #[test]
    fn spec_xmpp_and_magnet() {
        assert!(render("xmpp:user@instance.com").contains("href=\"xmpp:user@instance.com\""));
        assert!(render("please join xmpp:muc@instance.com?join right now")
            .contains("href=\"xmpp:muc@instance.com?join\""));
        assert!(render(
            "wikipedia gives this example of a magnet uri: magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
        )
        .contains("href=\"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a\""));
    }

    // ---- Our own cases ----

    #[test]
    fn empty_and_blank_text() {
        assert_eq!(render(""), "");
        assert_eq!(render("   "), "");
        assert_eq!(render("\n\n\r\n"), "");
        assert_eq!(render("\u{3000}\u{A0}\t"), "");
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(render("a\n\nb"), "<p>a</p><p>b</p>");
        assert_eq!(render("a\n\n\n\nb"), "<p>a</p><p>b</p>");
        assert_eq!(render("a\nb\nc"), "<p>a<br />b<br />c</p>");
        assert_eq!(render("a\nb\n\nc\nd"), "<p>a<br />b</p><p>c<br />d</p>");
        assert_eq!(render("a\r\nb\r\n\r\nc"), "<p>a<br />b</p><p>c</p>");
        assert_eq!(render("a\rb"), "<p>a<br />b</p>");
        assert_eq!(render("a\r\r\nb"), "<p>a</p><p>b</p>");
        assert_eq!(render("x\n\n"), "<p>x</p>");
        assert_eq!(render("\nx\n"), "<p>x</p>");
        // Ruby's split keeps a leading empty paragraph.
        assert_eq!(render("\n\nx"), "<p></p><p>x</p>");
        assert_eq!(render("a\n \nb"), "<p>a<br /> <br />b</p>");
    }

    #[test]
    fn other_whitespace_is_kept() {
        assert_eq!(render("  a  b  "), "<p>  a  b  </p>");
        assert_eq!(render("a\tb"), "<p>a\tb</p>");
        assert_eq!(render("  \n\nx"), "<p>  </p><p>x</p>");
    }

    #[test]
    fn full_status() {
        let text = "Hello @alice and @bob@example.org!\n\nRead https://example.com/a?b=c&d=e. #Rust #日本語";
        let expected = format!(
            "<p>Hello <span class=\"h-card\" translate=\"no\"><a href=\"{BASE}/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> and <span class=\"h-card\" translate=\"no\"><a href=\"https://example.org/@bob\" class=\"u-url mention\">@<span>bob</span></a></span>!</p><p>Read {}. <a href=\"{BASE}/tags/Rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> <a href=\"{BASE}/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E\" class=\"mention hashtag\" rel=\"tag\">#<span>日本語</span></a></p>",
            link("https://example.com/a?b=c&amp;d=e", "https://", "example.com/a?b=c&amp;d=e", "", "")
        );
        assert_eq!(render(text), expected);
    }

    #[test]
    fn unresolved_remote_mention_stays_text() {
        assert_eq!(
            render("hi @carol@example.net"),
            "<p>hi @carol@example.net</p>"
        );
        assert_eq!(render("@x<y"), "<p>@x&lt;y</p>");
    }

    #[test]
    fn resolver_sees_mention_as_written() {
        let seen = std::cell::RefCell::new(Vec::new());
        let record = |m: &MentionRef| {
            seen.borrow_mut().push(m.clone());
            None
        };
        render_plain_text("@Bob@Example.org hi", &opts(), &record);
        let seen = seen.into_inner();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].username, "Bob");
        assert_eq!(seen[0].domain.as_deref(), Some("Example.org"));
        assert_eq!((seen[0].start, seen[0].end), (0, 16));
    }

    #[test]
    fn remote_display_with_domain() {
        let resolve = |_: &MentionRef| {
            Some(ResolvedMention {
                url: "https://example.org/@bob?a=1&b=\"2\"".to_owned(),
                display_username: "bob@example.org".to_owned(),
            })
        };
        assert_eq!(
            render_plain_text("@bob@example.org", &opts(), &resolve),
            "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://example.org/@bob?a=1&amp;b=&quot;2&quot;\" class=\"u-url mention\">@<span>bob@example.org</span></a></span></p>"
        );
    }

    #[test]
    fn emails_are_plain_text() {
        assert_eq!(
            render("mail bob@example.org"),
            "<p>mail bob@example.org</p>"
        );
    }

    #[test]
    fn link_display_rules() {
        // `www.` is hidden along with the scheme.
        assert_eq!(
            render("https://www.example.com/x"),
            format!(
                "<p>{}</p>",
                link(
                    "https://www.example.com/x",
                    "https://www.",
                    "example.com/x",
                    "",
                    ""
                )
            )
        );
        // Upper-case schemes are not hidden (Mastodon's prefix match is case-sensitive).
        assert_eq!(
            render("HTTPS://example.com"),
            format!(
                "<p>{}</p>",
                link("HTTPS://example.com", "", "HTTPS://example.com", "", "")
            )
        );
        // Exactly 30 and 31 characters are shown whole; 32 are cut to 30.
        let thirty = format!("https://{}", "a".repeat(26) + ".com");
        assert!(render(&thirty).contains(&format!(
            "<span class=\"\">{}</span><span class=\"invisible\"></span>",
            &thirty[8..]
        )));
        let url32 = format!("https://example.com/{}", "b".repeat(20));
        assert!(render(&url32).contains(&format!(
            "<span class=\"ellipsis\">example.com/{}</span><span class=\"invisible\">bb</span>",
            "b".repeat(18)
        )));
        let url31 = format!("https://example.com/{}", "b".repeat(19));
        assert!(render(&url31).contains(&format!(
            "<span class=\"\">{}</span><span class=\"invisible\"></span>",
            &url31[8..]
        )));
        // Counted in characters, not bytes.
        let wide = format!("https://example.com/{}", "日".repeat(25));
        let html = render(&wide);
        assert!(html.contains(&format!(
            "<span class=\"ellipsis\">example.com/{}</span>",
            "日".repeat(18)
        )));
        assert!(html.contains(&format!(
            "<span class=\"invisible\">{}</span>",
            "日".repeat(7)
        )));
        // Other schemes show everything after the first 30 characters as hidden.
        assert_eq!(
            render("xmpp:user@instance.com"),
            format!(
                "<p>{}</p>",
                link(
                    "xmpp:user@instance.com",
                    "xmpp:",
                    "user@instance.com",
                    "",
                    ""
                )
            )
        );
        assert_eq!(
            render("gemini://example.org/"),
            format!(
                "<p>{}</p>",
                link("gemini://example.org/", "", "gemini://example.org/", "", "")
            )
        );
    }

    #[test]
    fn quotes_in_urls_are_escaped() {
        let html = render("https://example.com/it's?x='y'&z");
        assert!(html.starts_with("<p><a href=\"https://example.com/it&#39;s?x=&#39;y&#39;&amp;z\""));
    }

    #[test]
    fn hashtag_href_keeps_case_and_encodes() {
        assert!(render("#CamelCase").contains(&format!("href=\"{BASE}/tags/CamelCase\"")));
        assert!(render("#l·l").contains(&format!("href=\"{BASE}/tags/l%C2%B7l\"")));
        assert!(render("＃fullwidth").contains(">#<span>fullwidth</span></a>"));
        let base = FormatOptions {
            base_url: "https://ex.com/a&b",
        };
        assert!(render_plain_text("#x", &base, &nobody)
            .contains("href=\"https://ex.com/a&amp;b/tags/x\""));
    }

    #[test]
    fn hashtag_before_url() {
        let html = render("#examplehttps://example.com");
        assert!(html.starts_with(&format!("<p><a href=\"{BASE}/tags/example\"")));
        // The URL itself is preceded by a letter, so it is not linked.
        assert!(html.ends_with("</a>https://example.com</p>"));
    }

    #[test]
    fn url_with_hash_fragment_is_one_link() {
        let html = render("see https://example.com/#section and #tag");
        assert!(html.contains("href=\"https://example.com/#section\""));
        assert!(html.contains("/tags/tag\""));
        assert!(!html.contains("/tags/section"));
    }

    #[test]
    fn mention_inside_url_is_not_linked() {
        let html = render("https://example.com/@alice");
        assert!(!html.contains("u-url mention"));
        assert!(html.contains("href=\"https://example.com/@alice\""));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let inputs = [
            "\r".repeat(1000),
            "\n\r".repeat(1000),
            "@".repeat(10_000),
            "#".repeat(10_000),
            "https://a.b/".repeat(1000),
            "é@x.y#z:".repeat(2000),
            "\u{0}\u{FFFF}\u{FEFF}\u{200E}:/@#".repeat(1000),
        ];
        for input in &inputs {
            let _ = render(input);
        }
    }

    #[test]
    fn output_never_contains_raw_markup_from_input() {
        let text = "<b>@alice</b> #<i>x</i> https://e.com/<x> \"'&";
        let html = render(text);
        assert!(!html.contains("<b>"));
        assert!(!html.contains("<i>"));
        assert!(!html.contains("<x>"));
        assert!(html.contains("&quot;&#39;&amp;"));
    }
}
