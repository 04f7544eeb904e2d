//! References between nodes: the same property may hold a bare IRI or an embedded node.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::kind::normalize;
use super::lenient;
use super::many::Many;

/// A reference where only the target's id matters (`actor`, `attributedTo`, `inReplyTo`, `to`,
/// `audience`, `featured`…). Reads a string, or an object with `id` (or `href`), keeping the
/// object's `type` when it has one: PeerTube's `attributedTo` lists a Person and a Group.
/// Written as the bare id, or as `{"type", "id"}` when a type was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ref {
    pub id: String,
    pub kind: Option<String>,
}

impl Ref {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl From<&str> for Ref {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for Ref {
    fn from(id: String) -> Self {
        Self::new(id)
    }
}

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Self::new(id)),
            Value::Object(node) => {
                let id = ["id", "href", "@id"]
                    .iter()
                    .find_map(|k| node.get(*k).and_then(Value::as_str))
                    .ok_or_else(|| D::Error::custom("reference object without `id` or `href`"))?;
                let kind = match node.get("type") {
                    Some(Value::String(s)) => Some(normalize(s).to_owned()),
                    Some(Value::Array(a)) => a
                        .iter()
                        .find_map(Value::as_str)
                        .map(|s| normalize(s).to_owned()),
                    _ => None,
                };
                Ok(Self {
                    id: id.to_owned(),
                    kind,
                })
            }
            _ => Err(D::Error::custom("expected an IRI or an object with `id`")),
        }
    }
}

impl Serialize for Ref {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            None => serializer.serialize_str(&self.id),
            Some(kind) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", kind)?;
                map.serialize_entry("id", &self.id)?;
                map.end()
            }
        }
    }
}

/// An `url`/`href` value: a bare IRI or a `Link` object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Link {
    Url(String),
    Object(LinkObject),
}

impl Link {
    pub fn href(&self) -> Option<&str> {
        match self {
            Self::Url(url) => Some(url),
            Self::Object(link) => link.href.as_deref(),
        }
    }

    pub fn media_type(&self) -> Option<&str> {
        match self {
            Self::Url(_) => None,
            Self::Object(link) => link.media_type.as_deref(),
        }
    }
}

impl From<&str> for Link {
    fn from(url: &str) -> Self {
        Self::Url(url.to_owned())
    }
}

impl From<String> for Link {
    fn from(url: String) -> Self {
        Self::Url(url)
    }
}

/// An ActivityStreams `Link` (PeerTube lists its page and video files this way).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkObject {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub rel: Many<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub width: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub height: Option<u64>,
}

/// The `href` of the link best suited for people: `text/html` when one is marked, else the first.
pub fn html_href(links: &Many<Link>) -> Option<&str> {
    links
        .iter()
        .find(|l| l.media_type() == Some("text/html"))
        .or_else(|| links.first())
        .and_then(Link::href)
}

/// An `icon`/`image` value: an `Image` object or a bare URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ImageRef {
    Url(String),
    Image(Image),
}

impl ImageRef {
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Url(url) => Some(url),
            Self::Image(image) => image.url(),
        }
    }

    fn width(&self) -> u64 {
        match self {
            Self::Url(_) => 0,
            Self::Image(image) => image.width.unwrap_or(0),
        }
    }
}

/// An `Image` object (avatars, headers, emoji, thumbnails).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "super::many::compact"
    )]
    pub url: Many<Link>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub width: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub height: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub blurhash: Option<String>,
}

impl Image {
    /// An `Image` with a URL and, when known, a media type.
    pub fn new(url: impl Into<String>, media_type: Option<String>) -> Self {
        Self {
            kind: Some("Image".to_owned()),
            media_type,
            url: Many::one(Link::Url(url.into())),
            ..Self::default()
        }
    }

    pub fn url(&self) -> Option<&str> {
        self.url.first().and_then(Link::href)
    }
}

/// Of several images (PeerTube sends a thumbnail and a preview), the widest; else the first.
pub fn best_image(images: &Many<ImageRef>) -> Option<&str> {
    images
        .iter()
        .filter(|i| i.url().is_some())
        // `max_by_key` keeps the last of equals; reversed, that is the first.
        .rev()
        .max_by_key(|i| i.width())
        .and_then(ImageRef::url)
}

/// Deserialises `T` from a JSON value, mapping the error into `D`'s.
pub(crate) fn from_value<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    value: Value,
) -> Result<T, D::Error> {
    serde_json::from_value(value).map_err(D::Error::custom)
}
