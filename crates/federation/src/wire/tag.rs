//! `tag` entries: mentions, hashtags and custom emoji; anything else is kept raw.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::kind::{normalize, type_names};
use super::lenient;
use super::reference::{Image, ImageRef};

#[derive(Clone, Debug, PartialEq)]
pub enum Tag {
    Mention(Mention),
    Hashtag(Hashtag),
    Emoji(Emoji),
    /// Lemmy's `CommunityPostTag`, PeerTube's `Infohash`/`Link`, quote `Link`s (FEP-e232)…
    Other(Value),
}

/// `{"type": "Mention", "href": actor IRI, "name": "@user@host"}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Mention {
    #[serde(default, deserialize_with = "lenient::option")]
    pub href: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
}

/// `{"type": "Hashtag", "href": tag page, "name": "#tag"}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Hashtag {
    #[serde(default, deserialize_with = "lenient::option")]
    pub href: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
}

impl Hashtag {
    /// The tag name without its `#`.
    pub fn tag_name(&self) -> Option<&str> {
        self.name.as_deref().map(|n| n.trim_start_matches('#'))
    }
}

/// A custom emoji: `name` is the shortcode, usually with its colons (`:blobcat:`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Emoji {
    #[serde(default, deserialize_with = "lenient::option")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    pub icon: Option<ImageRef>,
    #[serde(default, deserialize_with = "lenient::option")]
    pub updated: Option<String>,
}

impl Emoji {
    /// The shortcode without colons (Akkoma sends it bare, Mastodon with colons).
    pub fn shortcode(&self) -> Option<&str> {
        self.name.as_deref().map(|n| n.trim_matches(':'))
    }

    pub fn icon_url(&self) -> Option<&str> {
        self.icon.as_ref().and_then(ImageRef::url)
    }
}

impl Tag {
    pub fn mention(href: impl Into<String>, name: impl Into<String>) -> Self {
        Self::Mention(Mention {
            href: Some(href.into()),
            name: Some(name.into()),
        })
    }

    pub fn hashtag(href: impl Into<String>, name: impl Into<String>) -> Self {
        Self::Hashtag(Hashtag {
            href: Some(href.into()),
            name: Some(name.into()),
        })
    }

    /// A custom emoji as Mastodon writes it: `name` with colons, an `Image` icon.
    pub fn emoji(
        id: impl Into<String>,
        shortcode: &str,
        icon_url: impl Into<String>,
        media_type: Option<String>,
        updated: Option<String>,
    ) -> Self {
        Self::Emoji(Emoji {
            id: Some(id.into()),
            name: Some(format!(":{}:", shortcode.trim_matches(':'))),
            icon: Some(ImageRef::Image(Image::new(icon_url, media_type))),
            updated,
        })
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value
            .get("type")
            .map(type_names)
            .and_then(|names| names.first().map(|n| normalize(n).to_owned()));
        let parsed = match kind.as_deref() {
            Some("Mention") => serde_json::from_value(value.clone())
                .map(Self::Mention)
                .ok(),
            Some("Hashtag") => serde_json::from_value(value.clone())
                .map(Self::Hashtag)
                .ok(),
            // Mastodon's `toot:Emoji`, compacted as `Emoji`.
            Some("Emoji" | "toot:Emoji") => {
                serde_json::from_value(value.clone()).map(Self::Emoji).ok()
            }
            _ => None,
        };
        Ok(parsed.unwrap_or(Self::Other(value)))
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (kind, href, name) = match self {
            Self::Mention(m) => ("Mention", &m.href, &m.name),
            Self::Hashtag(h) => ("Hashtag", &h.href, &h.name),
            Self::Emoji(e) => {
                let mut map = serializer.serialize_map(None)?;
                if let Some(id) = &e.id {
                    map.serialize_entry("id", id)?;
                }
                map.serialize_entry("type", "Emoji")?;
                if let Some(name) = &e.name {
                    map.serialize_entry("name", name)?;
                }
                if let Some(updated) = &e.updated {
                    map.serialize_entry("updated", updated)?;
                }
                if let Some(icon) = &e.icon {
                    map.serialize_entry("icon", icon)?;
                }
                return map.end();
            }
            Self::Other(value) => return value.serialize(serializer),
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", kind)?;
        if let Some(href) = href {
            map.serialize_entry("href", href)?;
        }
        if let Some(name) = name {
            map.serialize_entry("name", name)?;
        }
        map.end()
    }
}
