//! Any top-level ActivityPub document, and the `object` of an activity.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::activity::Activity;
use super::actor::Actor;
use super::collection::Collection;
use super::kind::{classify, Shape};
use super::object::Object;
use super::reference::from_value;

/// A fetched or received document, sorted by its `type` into one of the four shapes.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    Actor(Box<Actor>),
    Object(Box<Object>),
    Activity(Box<Activity>),
    Collection(Box<Collection>),
}

impl Document {
    pub fn from_slice(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Actor(a) => Some(a.id()),
            Self::Object(o) => o.id(),
            Self::Activity(a) => a.id(),
            Self::Collection(c) => c.id(),
        }
    }

    /// The `type` as a name (`Note`, `Person`, `Create`, `ChatMessage`…).
    pub fn kind_name(&self) -> &str {
        match self {
            Self::Actor(a) => a.kind.as_str(),
            Self::Object(o) => o.kind.as_str(),
            Self::Activity(a) => a.kind.as_str(),
            Self::Collection(c) => c.kind.as_str(),
        }
    }

    pub fn as_actor(&self) -> Option<&Actor> {
        match self {
            Self::Actor(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Self::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_activity(&self) -> Option<&Activity> {
        match self {
            Self::Activity(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_collection(&self) -> Option<&Collection> {
        match self {
            Self::Collection(c) => Some(c),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(node) => match classify(&node) {
                Shape::Actor => {
                    from_value::<D, _>(Value::Object(node)).map(|a| Self::Actor(Box::new(a)))
                }
                Shape::Object => {
                    from_value::<D, _>(Value::Object(node)).map(|o| Self::Object(Box::new(o)))
                }
                Shape::Activity => {
                    from_value::<D, _>(Value::Object(node)).map(|a| Self::Activity(Box::new(a)))
                }
                Shape::Collection => {
                    from_value::<D, _>(Value::Object(node)).map(|c| Self::Collection(Box::new(c)))
                }
            },
            _ => Err(D::Error::custom(
                "an ActivityPub document must be a JSON object",
            )),
        }
    }
}

impl Serialize for Document {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Actor(a) => a.serialize(serializer),
            Self::Object(o) => o.serialize(serializer),
            Self::Activity(a) => a.serialize(serializer),
            Self::Collection(c) => c.serialize(serializer),
        }
    }
}

/// The `object` (or `target`, or collection item) of something: an IRI, or an embedded node.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectRef {
    Link(String),
    Object(Box<Object>),
    Actor(Box<Actor>),
    Activity(Box<Activity>),
    Collection(Box<Collection>),
}

impl ObjectRef {
    /// The IRI, whether linked or embedded (an embedded node may have none).
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Link(id) => Some(id),
            Self::Object(o) => o.id(),
            Self::Actor(a) => Some(a.id()),
            Self::Activity(a) => a.id(),
            Self::Collection(c) => c.id(),
        }
    }

    pub fn is_link(&self) -> bool {
        matches!(self, Self::Link(_))
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Self::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_actor(&self) -> Option<&Actor> {
        match self {
            Self::Actor(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_activity(&self) -> Option<&Activity> {
        match self {
            Self::Activity(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_collection(&self) -> Option<&Collection> {
        match self {
            Self::Collection(c) => Some(c),
            _ => None,
        }
    }
}

impl From<&str> for ObjectRef {
    fn from(id: &str) -> Self {
        Self::Link(id.to_owned())
    }
}

impl From<String> for ObjectRef {
    fn from(id: String) -> Self {
        Self::Link(id)
    }
}

impl From<Object> for ObjectRef {
    fn from(object: Object) -> Self {
        Self::Object(Box::new(object))
    }
}

impl From<Actor> for ObjectRef {
    fn from(actor: Actor) -> Self {
        Self::Actor(Box::new(actor))
    }
}

impl From<Activity> for ObjectRef {
    fn from(activity: Activity) -> Self {
        Self::Activity(Box::new(activity))
    }
}

impl From<Collection> for ObjectRef {
    fn from(collection: Collection) -> Self {
        Self::Collection(Box::new(collection))
    }
}

impl From<Document> for ObjectRef {
    fn from(document: Document) -> Self {
        match document {
            Document::Actor(a) => Self::Actor(a),
            Document::Object(o) => Self::Object(o),
            Document::Activity(a) => Self::Activity(a),
            Document::Collection(c) => Self::Collection(c),
        }
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Self::Link(id)),
            // `{"id": …}` without a type is a link written as an object.
            Value::Object(node) if node.get("type").is_none() => {
                match node.get("id").or_else(|| node.get("href")) {
                    Some(Value::String(id)) => Ok(Self::Link(id.clone())),
                    _ => Err(D::Error::custom("embedded node without `type` or `id`")),
                }
            }
            value => from_value::<D, Document>(value).map(Self::from),
        }
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Link(id) => serializer.serialize_str(id),
            Self::Object(o) => o.serialize(serializer),
            Self::Actor(a) => a.serialize(serializer),
            Self::Activity(a) => a.serialize(serializer),
            Self::Collection(c) => c.serialize(serializer),
        }
    }
}
