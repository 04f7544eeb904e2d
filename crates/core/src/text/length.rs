//! How long a status is, the way Mastodon counts it against `max_characters`: every link
//! counts as `characters_reserved_per_url` (23) and a remote mention as its `@user` part, so
//! the remaining-characters counters in apps agree with the server.

use super::extract::{extract_mentions, extract_urls};

/// What one link counts for, as advertised in the instance's configuration.
pub const CHARACTERS_PER_URL: usize = 23;

pub fn status_length(text: &str) -> usize {
    let total = text.chars().count();
    let links = extract_urls(text);
    let urls: usize = links
        .iter()
        .map(|&(s, e)| text.get(s..e).map_or(0, |u| u.chars().count()))
        .sum();
    let url_count = links.len();
    let domains: usize = extract_mentions(text)
        .iter()
        .filter_map(|m| m.domain.as_ref())
        .map(|d| d.chars().count() + 1)
        .sum();
    total - urls - domains + url_count * CHARACTERS_PER_URL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_remote_mentions_count_like_mastodon() {
        assert_eq!(status_length("hello"), 5);
        let long = format!("see https://example.org/{}", "a".repeat(100));
        assert_eq!(status_length(&long), 4 + 23);
        assert_eq!(status_length("hi @bob@example.org"), "hi @bob".len());
        assert_eq!(status_length("héllo"), 5);
    }
}
