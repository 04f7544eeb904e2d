//! `@context`: one IRI, or an array of IRIs and term-definition objects.

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::many::Many;

pub const ACTIVITYSTREAMS: &str = "https://www.w3.org/ns/activitystreams";
pub const SECURITY_V1: &str = "https://w3id.org/security/v1";

/// One entry of `@context`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextEntry {
    Iri(String),
    Terms(Map<String, Value>),
    /// Anything else (WriteFreely has been seen sending `null`s and empty strings).
    Other(Value),
}

/// The `@context` of a document. Parsing keeps it as sent; nothing here expands JSON-LD, since
/// the fediverse agrees on compacted term names in practice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context(pub Vec<ContextEntry>);

impl Context {
    /// Just the ActivityStreams context (what Mastodon puts on Follow, Accept, Undo…).
    pub fn activitystreams() -> Self {
        Self(vec![ContextEntry::Iri(ACTIVITYSTREAMS.to_owned())])
    }

    /// The context Bonsai puts on everything it serves or sends: ActivityStreams, security/v1
    /// for `publicKey`, and the extension terms Mastodon defines for the properties we write.
    /// Mastodon varies the term list per document; one superset is equally valid JSON-LD and
    /// keeps every document readable by JSON-LD processors (which Mastodon itself runs on
    /// incoming documents with LD signatures).
    pub fn mastodon() -> Self {
        let terms = json!({
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "toot": "http://joinmastodon.org/ns#",
            "Emoji": "toot:Emoji",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "featuredTags": { "@id": "toot:featuredTags", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "suspended": "toot:suspended",
            "votersCount": "toot:votersCount",
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        });
        let terms = match terms {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self(vec![
            ContextEntry::Iri(ACTIVITYSTREAMS.to_owned()),
            ContextEntry::Iri(SECURITY_V1.to_owned()),
            ContextEntry::Terms(terms),
        ])
    }

    /// The IRIs listed (not the term definitions).
    pub fn iris(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|e| match e {
            ContextEntry::Iri(iri) => Some(iri.as_str()),
            _ => None,
        })
    }

    pub fn contains_iri(&self, iri: &str) -> bool {
        self.iris().any(|i| i == iri)
    }

    /// The definition of a term in any of the inline term objects.
    pub fn term(&self, name: &str) -> Option<&Value> {
        self.0.iter().find_map(|e| match e {
            ContextEntry::Terms(terms) => terms.get(name),
            _ => None,
        })
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Many::<ContextEntry>::deserialize(deserializer).map(|m| Self(m.into_vec()))
    }
}

impl Serialize for Context {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            entries => {
                let mut seq = serializer.serialize_seq(Some(entries.len()))?;
                for entry in entries {
                    seq.serialize_element(entry)?;
                }
                seq.end()
            }
        }
    }
}
