//! `type` values. Servers send a string, occasionally an array of strings, sometimes compacted
//! (`as:Note`) or expanded (`https://www.w3.org/ns/activitystreams#Note`). Each kind enum keeps
//! the names it knows as variants and anything else as `Other`, so a new type never fails a parse.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

const AS_PREFIXES: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
    "as:",
];

/// Strips the ActivityStreams prefixes a `type` may carry.
pub(crate) fn normalize(name: &str) -> &str {
    AS_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

/// The `type` names of a node, in order.
pub(crate) fn type_names(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![normalize(s)],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(normalize)
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads a `type` (string or array) and picks the first name `known` recognises.
pub(crate) fn deserialize_kind<'de, D, K>(
    deserializer: D,
    known: fn(&str) -> Option<K>,
    other: fn(String) -> K,
) -> Result<K, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let names = type_names(&value);
    if let Some(kind) = names.iter().find_map(|n| known(n)) {
        return Ok(kind);
    }
    names
        .first()
        .map(|n| other((*n).to_owned()))
        .ok_or_else(|| D::Error::custom("`type` must be a string or an array of strings"))
}

macro_rules! kind_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)+
            /// A type this enum does not name, kept as sent (without an `as:` prefix).
            Other(String),
        }

        impl $name {
            /// The variant for an ActivityStreams type name, if this enum knows it.
            pub fn from_name(name: &str) -> Option<Self> {
                match $crate::wire::kind::normalize(name) {
                    $(stringify!($variant) => Some(Self::$variant),)+
                    _ => None,
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                    Self::Other(name) => name,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::wire::kind::deserialize_kind(deserializer, Self::from_name, Self::Other)
            }
        }
    };
}

pub(crate) use kind_enum;

/// Which of the four top-level shapes a JSON node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Actor,
    Object,
    Activity,
    Collection,
}

/// Decides the shape of a node from its `type`; for a type nobody here knows, an `actor` next
/// to an `object` or `target` means an activity (Lemmy's `Lock`, say), anything else an object.
pub(crate) fn classify(node: &Map<String, Value>) -> Shape {
    use crate::wire::{ActivityKind, ActorKind, CollectionKind, ObjectKind};

    let names = node.get("type").map(type_names).unwrap_or_default();
    for name in &names {
        if ActorKind::from_name(name).is_some() {
            return Shape::Actor;
        }
        if CollectionKind::from_name(name).is_some() {
            return Shape::Collection;
        }
        if ObjectKind::from_name(name).is_some() {
            return Shape::Object;
        }
        if ActivityKind::from_name(name).is_some() {
            return Shape::Activity;
        }
    }
    let has = |k: &str| node.get(k).is_some_and(|v| !v.is_null());
    if has("actor") && (has("object") || has("target")) {
        Shape::Activity
    } else if has("inbox") && has("outbox") {
        Shape::Actor
    } else {
        Shape::Object
    }
}
