//! Combining links, hashtags and mentions into one non-overlapping list, as Mastodon's
//! `Extractor.extract_entities_with_indices` does: everything is found independently, sorted by
//! start, and an entity that begins inside the previous kept one is dropped.

use super::hashtags::scan_hashtags;
use super::links::find_links;
use super::mentions::{scan_mentions, MentionRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntityKind {
    /// A link; `web` is true for `http`/`https`.
    Link {
        web: bool,
    },
    /// A hashtag; the name as written, without `#`.
    Hashtag(String),
    Mention(MentionRef),
}

/// An entity with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entity {
    pub start: usize,
    pub end: usize,
    pub kind: EntityKind,
}

/// All entities of `text`, sorted, without overlaps.
pub(crate) fn extract_entities(text: &str) -> Vec<Entity> {
    let links = find_links(text);
    let hashtags = scan_hashtags(text);
    let mentions = scan_mentions(text);

    let mut entities: Vec<Entity> =
        Vec::with_capacity(links.len() + hashtags.len() + mentions.len());
    entities.extend(links.into_iter().map(|l| Entity {
        start: l.start,
        end: l.end,
        kind: EntityKind::Link { web: l.web },
    }));
    entities.extend(hashtags.into_iter().map(|h| Entity {
        start: h.start,
        end: h.end,
        kind: EntityKind::Hashtag(h.name),
    }));
    entities.extend(mentions.into_iter().map(|m| Entity {
        start: m.start,
        end: m.end,
        kind: EntityKind::Mention(m),
    }));

    entities.sort_by_key(|e| e.start);
    let mut kept: Vec<Entity> = Vec::with_capacity(entities.len());
    for entity in entities {
        if kept.last().is_some_and(|prev| prev.end > entity.start) {
            continue;
        }
        kept.push(entity);
    }
    kept
}

/// Mentions of `text` in order, as they will be rendered: matching Mastodon's mention pattern and
/// not inside a link. Local mentions have `domain: None`; whether a domain is in fact the local
/// one is for the caller to decide.
pub fn extract_mentions(text: &str) -> Vec<MentionRef> {
    extract_entities(text)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntityKind::Mention(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Byte ranges of the `http`/`https` links in `text`, in order, as they will be rendered.
/// Trailing punctuation is left out (`see https://x.org/a.` gives `https://x.org/a`), balanced
/// parentheses are kept (`…/Diaspora_(software)`), and a URL needs a scheme and a host with a
/// top-level domain.
pub fn extract_urls(text: &str) -> Vec<(usize, usize)> {
    extract_entities(text)
        .into_iter()
        .filter(|e| matches!(e.kind, EntityKind::Link { web: true }))
        .map(|e| (e.start, e.end))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        extract_urls(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn entities_in_order() {
        let text = "@alice see https://example.com/a #tag @bob@example.org";
        let kinds: Vec<&str> = extract_entities(text)
            .iter()
            .map(|e| &text[e.start..e.end])
            .collect();
        assert_eq!(
            kinds,
            [
                "@alice",
                "https://example.com/a",
                "#tag",
                "@bob@example.org"
            ]
        );
    }

    #[test]
    fn mentions_inside_links_are_dropped() {
        // `,@bob` inside a URL path: the pattern alone finds a mention, the link wins.
        let text = "https://example.com/a,@bob";
        assert_eq!(scan_mentions(text).len(), 1);
        assert!(extract_mentions(text).is_empty());
        assert_eq!(urls(text), ["https://example.com/a,@bob"]);
    }

    #[test]
    fn xmpp_uri_wins_over_mentions() {
        let text = "@alice ping xmpp:bob@example.org thanks";
        let mentions = extract_mentions(text);
        assert_eq!(mentions.len(), 1);
        assert_eq!(mentions[0].username, "alice");
        // xmpp links are rendered but are not web URLs.
        assert!(urls(text).is_empty());
    }

    #[test]
    fn extract_urls_returns_web_links_only() {
        let text = "a https://a.org b http://b.org/x. c gemini://c.org d magnet:?xt=urn:x";
        assert_eq!(urls(text), ["https://a.org", "http://b.org/x"]);
    }

    #[test]
    fn emails_are_neither_mentions_nor_links() {
        let text = "write to bob@example.org or @alice@example.org";
        let mentions = extract_mentions(text);
        assert_eq!(mentions.len(), 1);
        assert_eq!(mentions[0].acct(), "alice@example.org");
        assert!(urls(text).is_empty());
    }

    #[test]
    fn empty_and_whitespace_text() {
        assert!(extract_entities("").is_empty());
        assert!(extract_entities("   \n ").is_empty());
        assert!(extract_mentions("").is_empty());
        assert!(extract_urls("").is_empty());
    }
}
