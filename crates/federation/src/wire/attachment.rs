//! `attachment` entries: media on posts, profile fields (`PropertyValue`) on actors, links.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::kind::{normalize, type_names};
use super::lenient;
use super::many::{self, Many};
use super::reference::{ImageRef, Link, LinkObject};

#[derive(Clone, Debug, PartialEq)]
pub enum Attachment {
    /// A profile field: `{"type": "PropertyValue", "name", "value"}` (schema.org).
    PropertyValue(PropertyValue),
    /// `Document`, `Image`, `Video` or `Audio`.
    Media(Media),
    /// A `Link` (Lemmy's post URL, Mastodon's preview card).
    Link(LinkObject),
    /// Mastodon's old `IdentityProof`, and whatever else turns up.
    Other(Value),
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PropertyValue {
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
    /// HTML.
    #[serde(default, deserialize_with = "lenient::option")]
    pub value: Option<String>,
}

/// A media attachment. `url` is a string (Mastodon), a Link, or several Links (PeerTube).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub media_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub url: Many<Link>,
    /// Alt text.
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
    /// GoToSocial repeats the alt text here.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub summary: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub blurhash: Option<String>,
    /// `[x, y]`, each in -1.0..=1.0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub focal_point: Option<Vec<f64>>,
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
    pub icon: Option<ImageRef>,
}

impl Media {
    /// A Mastodon-shaped `Document`; `name` is the alt text (written even when `null`, as Mastodon does).
    pub fn document(
        url: impl Into<String>,
        media_type: impl Into<String>,
        name: Option<String>,
    ) -> Self {
        Self {
            kind: "Document".to_owned(),
            media_type: Some(media_type.into()),
            url: Many::one(Link::Url(url.into())),
            name,
            summary: None,
            blurhash: None,
            focal_point: None,
            width: None,
            height: None,
            icon: None,
        }
    }

    pub fn url(&self) -> Option<&str> {
        self.url.first().and_then(Link::href)
    }
}

impl Attachment {
    pub fn property_value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::PropertyValue(PropertyValue {
            name: Some(name.into()),
            value: Some(value.into()),
        })
    }
}

impl<'de> Deserialize<'de> for Attachment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let kind = value
            .get("type")
            .map(type_names)
            .and_then(|names| names.first().map(|n| normalize(n).to_owned()));
        let parsed = match kind.as_deref() {
            Some("PropertyValue" | "schema:PropertyValue") => serde_json::from_value(value.clone())
                .map(Self::PropertyValue)
                .ok(),
            Some("Document" | "Image" | "Video" | "Audio") => {
                serde_json::from_value(value.clone()).map(Self::Media).ok()
            }
            Some("Link") => serde_json::from_value(value.clone()).map(Self::Link).ok(),
            _ => None,
        };
        Ok(parsed.unwrap_or(Self::Other(value)))
    }
}

impl Serialize for Attachment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::PropertyValue(field) => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("type", "PropertyValue")?;
                map.serialize_entry("name", &field.name)?;
                map.serialize_entry("value", &field.value)?;
                map.end()
            }
            Self::Media(media) => media.serialize(serializer),
            Self::Link(link) => link.serialize(serializer),
            Self::Other(value) => value.serialize(serializer),
        }
    }
}
