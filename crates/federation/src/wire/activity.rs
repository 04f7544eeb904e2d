//! Activities. The `object` is an IRI or an embedded node of any shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::address::Addressing;
use super::context::Context;
use super::datetime::parse_datetime;
use super::document::ObjectRef;
use super::kind::kind_enum;
use super::lenient;
use super::many::{self, Many};
use super::object::Object;
use super::reference::Ref;
use super::tag::{Emoji, Tag};

kind_enum! {
    ActivityKind {
        Create, Update, Delete, Follow, Accept, Reject, TentativeAccept, TentativeReject, Undo,
        Announce, Like, Dislike, EmojiReact, Block, Flag, Move, Add, Remove, Invite, Join, Leave,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Required by ActivityPub for server-to-server delivery, but absent on some embedded and
    /// transient activities; the inbox decides what to do without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// Usually one IRI; Kroeg embeds the actor, a few servers send an array.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub actor: Many<Ref>,
    /// Usually one; Mastodon's `Flag` lists the account and the reported posts.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub object: Many<ObjectRef>,
    /// `Move`'s new account, Lemmy's `Add` collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ObjectRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub instrument: Option<ObjectRef>,
    #[serde(flatten)]
    pub addressing: Addressing,
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub audience: Many<Ref>,
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
    /// The emoji of an `EmojiReact` (or Misskey's `Like`), a report's comment in a `Flag`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub content: Option<String>,
    /// Lemmy puts a report's reason here.
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
    pub name: Option<String>,
    /// When a `Block` (Lemmy ban) expires.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub end_time: Option<String>,
    /// The thread (Pleroma repeats its object's `context`).
    #[serde(
        rename = "context",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub thread: Option<Ref>,
    /// Misskey's reaction on a `Like`.
    #[serde(
        rename = "_misskey_reaction",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub misskey_reaction: Option<String>,
    /// The custom emoji of a reaction.
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub tag: Many<Tag>,
    /// FEP-8b32 integrity proof, kept raw for verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
    /// Mastodon's LD signature (`RsaSignature2017`), kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Value>,
}

impl Activity {
    /// An activity by `actor` about `object`.
    pub fn new(
        kind: ActivityKind,
        id: impl Into<String>,
        actor: impl Into<String>,
        object: impl Into<ObjectRef>,
    ) -> Self {
        Self {
            context: None,
            id: Some(id.into()),
            kind,
            actor: Many::one(Ref::new(actor)),
            object: Many::one(object.into()),
            target: None,
            origin: None,
            instrument: None,
            addressing: Addressing::default(),
            audience: Many::new(),
            published: None,
            updated: None,
            content: None,
            summary: None,
            name: None,
            end_time: None,
            thread: None,
            misskey_reaction: None,
            tag: Many::new(),
            proof: None,
            signature: None,
        }
    }

    /// A `Create` or `Update` of a post as Mastodon sends it: the actor is the author, and the
    /// activity carries the post's addressing and publication date.
    pub fn wrap(kind: ActivityKind, id: impl Into<String>, object: Object) -> Self {
        let actor = object
            .attributed_to()
            .map(str::to_owned)
            .unwrap_or_default();
        let addressing = Addressing {
            bto: Many::new(),
            bcc: Many::new(),
            ..object.addressing.clone()
        };
        let published = object.published.clone();
        Self {
            addressing,
            published,
            ..Self::new(kind, id, actor, object)
        }
    }

    pub fn with_context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    pub fn with_addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = addressing;
        self
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn actor_id(&self) -> Option<&str> {
        self.actor.first().map(Ref::as_str)
    }

    /// The (first) object.
    pub fn object(&self) -> Option<&ObjectRef> {
        self.object.first()
    }

    /// The id of the (first) object, embedded or not.
    pub fn object_id(&self) -> Option<&str> {
        self.object().and_then(ObjectRef::id)
    }

    pub fn target_id(&self) -> Option<&str> {
        self.target.as_ref().and_then(ObjectRef::id)
    }

    pub fn is_public(&self) -> bool {
        self.addressing.is_public()
    }

    pub fn published_at(&self) -> Option<OffsetDateTime> {
        self.published.as_deref().and_then(parse_datetime)
    }

    /// The emoji of a reaction: Pleroma/Akkoma `EmojiReact`, or a Misskey `Like` carrying
    /// `_misskey_reaction` (newer Misskey also copies it into `content`). A plain Like has none.
    pub fn reaction(&self) -> Option<&str> {
        match self.kind {
            ActivityKind::EmojiReact => {
                self.content.as_deref().or(self.misskey_reaction.as_deref())
            }
            ActivityKind::Like => self.misskey_reaction.as_deref().or(self.content.as_deref()),
            _ => None,
        }
    }

    /// The custom emoji a reaction names, when it is one.
    pub fn reaction_emoji(&self) -> Option<&Emoji> {
        let reaction = self.reaction()?.trim_matches(':');
        self.tag.iter().find_map(|t| match t {
            Tag::Emoji(e) if e.shortcode() == Some(reaction) => Some(e),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::PUBLIC;

    #[test]
    fn wrap_copies_author_addressing_and_date() {
        let note = Object {
            published: Some("2024-05-01T12:00:00Z".into()),
            addressing: Addressing {
                to: Many::one(Ref::new(PUBLIC)),
                bcc: Many::one(Ref::new("https://x.test/secret")),
                ..Addressing::default()
            },
            ..Object::note("https://b.test/n/1", "https://b.test/u/a")
        };
        let create = Activity::wrap(ActivityKind::Create, "https://b.test/n/1/activity", note);
        assert_eq!(create.actor_id(), Some("https://b.test/u/a"));
        assert!(create.is_public());
        assert!(create.addressing.bcc.is_empty());
        assert_eq!(create.published.as_deref(), Some("2024-05-01T12:00:00Z"));
        assert_eq!(create.object_id(), Some("https://b.test/n/1"));
    }
}
