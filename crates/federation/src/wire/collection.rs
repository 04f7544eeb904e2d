//! Collections and their pages: outboxes, followers, featured posts, replies.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::context::Context;
use super::document::ObjectRef;
use super::kind::kind_enum;
use super::lenient;
use super::many::Many;
use super::reference::{from_value, Ref};

kind_enum! {
    CollectionKind { Collection, OrderedCollection, CollectionPage, OrderedCollectionPage }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Absent on embedded pages and on poll-option vote counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: CollectionKind,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub total_items: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub first: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub last: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub next: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub prev: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub part_of: Option<Ref>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub ordered_items: Many<ObjectRef>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub items: Many<ObjectRef>,
}

impl Collection {
    pub fn new(kind: CollectionKind) -> Self {
        Self {
            context: None,
            id: None,
            kind,
            total_items: None,
            first: None,
            last: None,
            next: None,
            prev: None,
            part_of: None,
            ordered_items: Many::new(),
            items: Many::new(),
        }
    }

    /// An `OrderedCollection` that points at its first page, as Mastodon serves outboxes and
    /// follower lists.
    pub fn ordered(id: impl Into<String>, total_items: u64, first_page: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            total_items: Some(total_items),
            first: Some(CollectionRef::Link(first_page.into())),
            ..Self::new(CollectionKind::OrderedCollection)
        }
    }

    /// One page of an ordered collection.
    pub fn ordered_page(
        id: impl Into<String>,
        part_of: impl Into<String>,
        items: Vec<ObjectRef>,
    ) -> Self {
        Self {
            id: Some(id.into()),
            part_of: Some(Ref::new(part_of)),
            ordered_items: items.into(),
            ..Self::new(CollectionKind::OrderedCollectionPage)
        }
    }

    pub fn with_context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The members on this document: `orderedItems`, else `items`.
    pub fn items(&self) -> &[ObjectRef] {
        if self.ordered_items.is_empty() {
            &self.items
        } else {
            &self.ordered_items
        }
    }

    /// Items on this document or, when the first page is embedded, on that page.
    pub fn first_items(&self) -> &[ObjectRef] {
        match (&self.first, self.items()) {
            (Some(CollectionRef::Collection(page)), []) => page.items(),
            (_, items) => items,
        }
    }

    pub fn next_page(&self) -> Option<&str> {
        self.next.as_ref().and_then(CollectionRef::id)
    }
}

/// A collection or page given by IRI or embedded (`replies`, `first`, `next`).
#[derive(Clone, Debug, PartialEq)]
pub enum CollectionRef {
    Link(String),
    Collection(Box<Collection>),
}

impl CollectionRef {
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Link(id) => Some(id),
            Self::Collection(c) => c.id(),
        }
    }
}

impl<'de> Deserialize<'de> for CollectionRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Self::Link(id)),
            // `{"id": …}` alone is a link written as an object.
            Value::Object(node) if node.get("type").is_none() => match node.get("id") {
                Some(Value::String(id)) => Ok(Self::Link(id.clone())),
                _ => Err(serde::de::Error::custom(
                    "collection without `type` or `id`",
                )),
            },
            value => from_value::<D, Collection>(value).map(|c| Self::Collection(Box::new(c))),
        }
    }
}

impl Serialize for CollectionRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Link(id) => serializer.serialize_str(id),
            Self::Collection(c) => c.serialize(serializer),
        }
    }
}
