//! Content objects: Note, Question, Page, Article, Video, Tombstone and the rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::address::Addressing;
use super::attachment::{Attachment, Media};
use super::collection::CollectionRef;
use super::context::Context;
use super::datetime::parse_datetime;
use super::kind::kind_enum;
use super::lenient;
use super::many::{self, Many};
use super::reference::{best_image, html_href, ImageRef, Link, Ref};
use super::tag::{Emoji, Hashtag, Mention, Tag};

kind_enum! {
    /// The content types this crate models; `Other` covers ChatMessage, Event, Place…
    ObjectKind {
        Note, Question, Page, Article, Video, Audio, Image, Document, Event, Tombstone,
    }
}

/// `source`: Misskey/Lemmy/Akkoma send `{content, mediaType}`, Pleroma a bare string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Source {
    Text(String),
    Object {
        #[serde(default)]
        content: Option<String>,
        #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
        media_type: Option<String>,
    },
}

impl Source {
    pub fn content(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Object { content, .. } => content.as_deref(),
        }
    }

    pub fn media_type(&self) -> Option<&str> {
        match self {
            Self::Text(_) => None,
            Self::Object { media_type, .. } => media_type.as_deref(),
        }
    }
}

/// One choice of a poll: a nameless `Note` whose `replies.totalItems` counts the votes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PollOption {
    #[serde(rename = "type", default = "note_type")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient::option")]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub replies: Option<CollectionRef>,
}

fn note_type() -> String {
    "Note".to_owned()
}

impl PollOption {
    pub fn votes(&self) -> Option<u64> {
        match &self.replies {
            Some(CollectionRef::Collection(c)) => c.total_items,
            _ => None,
        }
    }
}

/// Any content object. One struct for all kinds: servers mix the properties freely (Lemmy's
/// `Page` has `image`, PeerTube's `Video` has `icon` and `duration`, Misskey's `Question` has
/// `_misskey_content`), and the conversion code decides what a kind means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    /// `@context`: present on top-level documents, absent on embedded ones.
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: ObjectKind,

    /// Content warning (Mastodon) or excerpt.
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
    pub summary_map: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Ref>,
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
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub url: Many<Link>,
    /// An array on PeerTube (the account and the channel).
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub attributed_to: Many<Ref>,
    #[serde(flatten)]
    pub addressing: Addressing,
    /// Lemmy's community, FEP-1b12.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact"
    )]
    pub audience: Many<Ref>,
    /// Fedify's compacted output spells it `as:sensitive`.
    #[serde(
        default,
        alias = "as:sensitive",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::bool_option"
    )]
    pub sensitive: Option<bool>,

    /// Title of a Page/Article/Video; for Tombstones and poll options, sometimes the text.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub name_map: Option<BTreeMap<String, String>>,
    /// HTML, normally; see `media_type`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub content: Option<String>,
    /// Language tag -> HTML; may stand in for `content`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub content_map: Option<BTreeMap<String, String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub media_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub source: Option<Source>,
    /// Misskey's MFM source, the forerunner of `source`.
    #[serde(
        rename = "_misskey_content",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub misskey_content: Option<String>,

    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub attachment: Many<Attachment>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub tag: Many<Tag>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub replies: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub likes: Option<CollectionRef>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub shares: Option<CollectionRef>,
    /// The thread (Pleroma, Mitra, Lemmy, FEP-7888); JSON `context`, not `@context`.
    #[serde(
        rename = "context",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub thread: Option<Ref>,
    /// Mastodon's OStatus-era thread id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub conversation: Option<String>,

    /// Thumbnails (PeerTube), sometimes several sizes.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact",
        deserialize_with = "lenient::many"
    )]
    pub icon: Many<ImageRef>,
    /// A Lemmy post's image.
    #[serde(
        default,
        skip_serializing_if = "Many::is_empty",
        serialize_with = "many::compact",
        deserialize_with = "lenient::many"
    )]
    pub image: Many<ImageRef>,
    /// ISO 8601 duration (`PT1145S`) of a Video/Audio.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub duration: Option<String>,

    // Polls (Question).
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub one_of: Many<PollOption>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub any_of: Many<PollOption>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub end_time: Option<String>,
    /// A date (Mastodon) or `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::u64_option"
    )]
    pub voters_count: Option<u64>,

    // Quotes, in the four spellings in use.
    /// FEP-044f / Mastodon 4.4+.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub quote: Option<Ref>,
    /// Fedibird, Akkoma.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub quote_uri: Option<String>,
    /// Misskey's duplicate of `_misskey_quote`, and older software.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "quoteURL",
        deserialize_with = "lenient::option"
    )]
    pub quote_url: Option<String>,
    #[serde(
        rename = "_misskey_quote",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub misskey_quote: Option<String>,

    // Tombstone.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub former_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::option"
    )]
    pub deleted: Option<String>,

    /// FEP-8b32 integrity proof(s), kept raw for verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
    /// Mastodon's LD signature (`RsaSignature2017`), kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Value>,
}

impl Object {
    /// An empty object of a kind; fill the fields with struct-update syntax.
    pub fn new(kind: ObjectKind) -> Self {
        Self {
            context: None,
            id: None,
            kind,
            summary: None,
            summary_map: None,
            in_reply_to: None,
            published: None,
            updated: None,
            url: Many::new(),
            attributed_to: Many::new(),
            addressing: Addressing::default(),
            audience: Many::new(),
            sensitive: None,
            name: None,
            name_map: None,
            content: None,
            content_map: None,
            media_type: None,
            source: None,
            misskey_content: None,
            attachment: Many::new(),
            tag: Many::new(),
            replies: None,
            likes: None,
            shares: None,
            thread: None,
            conversation: None,
            icon: Many::new(),
            image: Many::new(),
            duration: None,
            one_of: Many::new(),
            any_of: Many::new(),
            end_time: None,
            closed: None,
            voters_count: None,
            quote: None,
            quote_uri: None,
            quote_url: None,
            misskey_quote: None,
            former_type: None,
            deleted: None,
            proof: None,
            signature: None,
        }
    }

    /// A Note with its id and author.
    pub fn note(id: impl Into<String>, attributed_to: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            attributed_to: Many::one(Ref::new(attributed_to)),
            ..Self::new(ObjectKind::Note)
        }
    }

    /// What Mastodon sends in a Delete: `{"id", "type": "Tombstone", "atomUri"}` — without atomUri.
    pub fn tombstone(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::new(ObjectKind::Tombstone)
        }
    }

    pub fn with_context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The HTML content: `content`, else the first `contentMap` entry.
    pub fn content(&self) -> Option<&str> {
        self.content.as_deref().or_else(|| {
            self.content_map
                .as_ref()?
                .values()
                .next()
                .map(String::as_str)
        })
    }

    /// The language of the content, from the first `contentMap` key (`und` is no language).
    pub fn language(&self) -> Option<&str> {
        self.content_map
            .as_ref()?
            .keys()
            .map(String::as_str)
            .find(|l| *l != "und")
    }

    /// The author's source text (Misskey MFM, Markdown…): `source.content`, else `_misskey_content`.
    pub fn source_text(&self) -> Option<&str> {
        self.source
            .as_ref()
            .and_then(Source::content)
            .or(self.misskey_content.as_deref())
    }

    /// The author. For several (PeerTube: account and channel) the Person wins over the Group.
    pub fn attributed_to(&self) -> Option<&str> {
        self.attributed_to
            .iter()
            .find(|r| r.kind.as_deref() == Some("Person"))
            .or_else(|| self.attributed_to.first())
            .map(Ref::as_str)
    }

    pub fn in_reply_to(&self) -> Option<&str> {
        self.in_reply_to.as_ref().map(Ref::as_str)
    }

    /// The quoted post, whichever property carries it.
    pub fn quote(&self) -> Option<&str> {
        self.quote
            .as_ref()
            .map(Ref::as_str)
            .or(self.quote_uri.as_deref())
            .or(self.misskey_quote.as_deref())
            .or(self.quote_url.as_deref())
    }

    /// The page for people: the `text/html` link when several are listed.
    pub fn url(&self) -> Option<&str> {
        html_href(&self.url)
    }

    pub fn is_public(&self) -> bool {
        self.addressing.is_public()
    }

    pub fn published_at(&self) -> Option<OffsetDateTime> {
        self.published.as_deref().and_then(parse_datetime)
    }

    pub fn updated_at(&self) -> Option<OffsetDateTime> {
        self.updated.as_deref().and_then(parse_datetime)
    }

    pub fn mentions(&self) -> impl Iterator<Item = &Mention> {
        self.tag.iter().filter_map(|t| match t {
            Tag::Mention(m) => Some(m),
            _ => None,
        })
    }

    pub fn hashtags(&self) -> impl Iterator<Item = &Hashtag> {
        self.tag.iter().filter_map(|t| match t {
            Tag::Hashtag(h) => Some(h),
            _ => None,
        })
    }

    pub fn emojis(&self) -> impl Iterator<Item = &Emoji> {
        self.tag.iter().filter_map(|t| match t {
            Tag::Emoji(e) => Some(e),
            _ => None,
        })
    }

    pub fn media(&self) -> impl Iterator<Item = &Media> {
        self.attachment.iter().filter_map(|a| match a {
            Attachment::Media(m) => Some(m),
            _ => None,
        })
    }

    /// The poll's choices and whether several may be picked (`anyOf`).
    pub fn poll_options(&self) -> Option<(&[PollOption], bool)> {
        if !self.any_of.is_empty() {
            Some((&self.any_of, true))
        } else if !self.one_of.is_empty() {
            Some((&self.one_of, false))
        } else {
            None
        }
    }

    /// The best thumbnail or image.
    pub fn image_url(&self) -> Option<&str> {
        best_image(&self.icon).or_else(|| best_image(&self.image))
    }
}
