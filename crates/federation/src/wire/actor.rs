//! Actors: Person, Service, Group, Application, Organization.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::attachment::{Attachment, PropertyValue};
use super::context::Context;
use super::datetime::parse_datetime;
use super::kind::kind_enum;
use super::lenient;
use super::many::{self, Many};
use super::object::Source;
use super::reference::{best_image, from_value, html_href, ImageRef, Link, Ref};
use super::tag::{Emoji, Tag};

kind_enum! {
    ActorKind { Person, Service, Group, Application, Organization }
}

/// A `publicKey` entry. Mastodon sends one object; some servers an array, or a bare key id.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
}

impl PublicKey {
    pub fn new(
        id: impl Into<String>,
        owner: impl Into<String>,
        public_key_pem: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            owner: Some(owner.into()),
            public_key_pem: Some(public_key_pem.into()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyObject {
    id: String,
    #[serde(default, deserialize_with = "lenient::option")]
    owner: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    public_key_pem: Option<String>,
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Self {
                id,
                ..Self::default()
            }),
            value => from_value::<D, PublicKeyObject>(value).map(|k| Self {
                id: k.id,
                owner: k.owner,
                public_key_pem: k.public_key_pem,
            }),
        }
    }
}

/// A FEP-521a verification method in `assertionMethod` (Mitra, Fedify-based servers).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Multikey {
    pub id: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_multibase: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MultikeyObject {
    id: String,
    #[serde(rename = "type", default, deserialize_with = "lenient::option")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    controller: Option<String>,
    #[serde(default, deserialize_with = "lenient::option")]
    public_key_multibase: Option<String>,
}

impl<'de> Deserialize<'de> for Multikey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(id) => Ok(Self {
                id,
                ..Self::default()
            }),
            value => from_value::<D, MultikeyObject>(value).map(|k| Self {
                id: k.id,
                kind: k.kind,
                controller: k.controller,
                public_key_multibase: k.public_key_multibase,
            }),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub shared_inbox: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ActorKind,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub following: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub followers: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub inbox: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub outbox: Option<String>,
    /// Pinned posts (Mastodon `toot:featured`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub featured: Option<Ref>,
    /// Featured hashtags (Mastodon `toot:featuredTags`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub featured_tags: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub preferred_username: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub name: Option<String>,
    /// HTML bio.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub summary: Option<String>,
    /// Misskey's MFM bio.
    #[serde(
        rename = "_misskey_summary",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub misskey_summary: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub source: Option<Source>,
    /// A Lemmy community's sidebar (HTML); `summary` is its short description.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub content: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub media_type: Option<String>,
    /// A Lemmy community marked NSFW.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub sensitive: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub url: Many<Link>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub manually_approves_followers: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub discoverable: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub indexable: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub memorial: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub suspended: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub published: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub updated: Option<String>,
    /// Written as one object when there is one key, as Mastodon does.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub public_key: Many<PublicKey>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        deserialize_with = "lenient::many"
    )]
    pub assertion_method: Many<Multikey>,
    /// Custom emoji used in the name or bio, and featured hashtags.
    #[serde(default)]
    pub tag: Many<Tag>,
    /// Profile fields (`PropertyValue`).
    #[serde(default)]
    pub attachment: Many<Attachment>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub endpoints: Option<Endpoints>,
    /// Misskey repeats `endpoints.sharedInbox` at the top level.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub shared_inbox: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact",
        deserialize_with = "lenient::many"
    )]
    pub icon: Many<ImageRef>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact",
        deserialize_with = "lenient::many"
    )]
    pub image: Many<ImageRef>,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        deserialize_with = "lenient::many"
    )]
    pub also_known_as: Many<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub moved_to: Option<Ref>,
    /// A Lemmy community's moderators collection, a PeerTube channel's owner.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        deserialize_with = "lenient::many"
    )]
    pub attributed_to: Many<Ref>,
    /// FEP-8b32 integrity proof, kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

impl Actor {
    /// An actor with only its id and kind; fill the rest with struct-update syntax.
    pub fn new(kind: ActorKind, id: impl Into<String>) -> Self {
        Self {
            context: None,
            id: id.into(),
            kind,
            following: None,
            followers: None,
            inbox: None,
            outbox: None,
            featured: None,
            featured_tags: None,
            preferred_username: None,
            name: None,
            summary: None,
            misskey_summary: None,
            source: None,
            content: None,
            media_type: None,
            sensitive: None,
            url: Many::new(),
            manually_approves_followers: None,
            discoverable: None,
            indexable: None,
            memorial: None,
            suspended: None,
            published: None,
            updated: None,
            public_key: Many::new(),
            assertion_method: Many::new(),
            tag: Many::new(),
            attachment: Many::new(),
            endpoints: None,
            shared_inbox: None,
            icon: Many::new(),
            image: Many::new(),
            also_known_as: Many::new(),
            moved_to: None,
            attributed_to: Many::new(),
            proof: None,
        }
    }

    pub fn with_context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The PEM of the actor's (first) RSA key.
    pub fn public_key_pem(&self) -> Option<&str> {
        self.public_key
            .iter()
            .find_map(|k| k.public_key_pem.as_deref())
    }

    /// The key with this id, among `publicKey` entries.
    pub fn public_key(&self, key_id: &str) -> Option<&PublicKey> {
        self.public_key.iter().find(|k| k.id == key_id)
    }

    /// The Multikey with this id, among `assertionMethod` entries.
    pub fn multikey(&self, key_id: &str) -> Option<&Multikey> {
        self.assertion_method.iter().find(|k| k.id == key_id)
    }

    pub fn shared_inbox(&self) -> Option<&str> {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_deref())
            .or(self.shared_inbox.as_deref())
    }

    pub fn followers(&self) -> Option<&str> {
        self.followers.as_ref().map(Ref::as_str)
    }

    pub fn following(&self) -> Option<&str> {
        self.following.as_ref().map(Ref::as_str)
    }

    pub fn featured(&self) -> Option<&str> {
        self.featured.as_ref().map(Ref::as_str)
    }

    pub fn featured_tags(&self) -> Option<&str> {
        self.featured_tags.as_ref().map(Ref::as_str)
    }

    pub fn moved_to(&self) -> Option<&str> {
        self.moved_to.as_ref().map(Ref::as_str)
    }

    pub fn also_known_as(&self) -> impl Iterator<Item = &str> {
        self.also_known_as.iter().map(Ref::as_str)
    }

    pub fn avatar_url(&self) -> Option<&str> {
        best_image(&self.icon)
    }

    pub fn header_url(&self) -> Option<&str> {
        best_image(&self.image)
    }

    pub fn url(&self) -> Option<&str> {
        html_href(&self.url)
    }

    /// Bots: Mastodon marks them `Service`, instance actors are `Application`.
    pub fn is_bot(&self) -> bool {
        matches!(self.kind, ActorKind::Service | ActorKind::Application)
    }

    /// Profile fields as `(name, HTML value)`.
    pub fn fields(&self) -> impl Iterator<Item = &PropertyValue> {
        self.attachment.iter().filter_map(|a| match a {
            Attachment::PropertyValue(p) => Some(p),
            _ => None,
        })
    }

    pub fn emojis(&self) -> impl Iterator<Item = &Emoji> {
        self.tag.iter().filter_map(|t| match t {
            Tag::Emoji(e) => Some(e),
            _ => None,
        })
    }

    pub fn published_at(&self) -> Option<OffsetDateTime> {
        self.published.as_deref().and_then(parse_datetime)
    }
}
