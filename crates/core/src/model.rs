//! Domain rows shared by `db` (which loads and stores them) and `service` (which applies the
//! rules). Mastodon JSON is built from these in `api`, nowhere else.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;
use crate::visibility::Visibility;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Role::User),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A profile metadata field ("PropertyValue" in ActivityPub).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    /// `None` for local accounts.
    pub domain: Option<String>,
    pub display_name: String,
    /// Rendered HTML.
    pub note: String,
    /// What the owner typed (local accounts only).
    pub note_source: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub fields: Vec<Field>,
    pub uri: String,
    pub url: String,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The ActivityPub ids of the account's other accounts (`alsoKnownAs`): a move *to* this
    /// account from one of them is accepted.
    pub also_known_as: Vec<String>,
    /// The account this one moved to (`movedTo`), once it has.
    pub moved_to_account_id: Option<i64>,
    /// Uploaded profile pictures (local accounts).
    pub avatar: Option<ProfileImage>,
    pub header: Option<ProfileImage>,
}

/// A profile picture in the media store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileImage {
    pub key: String,
    pub url: String,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }
    /// `user` for local accounts, `user@domain` for remote ones, as Mastodon's `acct`.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(d) => format!("{}@{}", self.username, d),
        }
    }
}

/// A local login attached to an account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub approved: bool,
    pub disabled: bool,
    pub locale: Option<String>,
    pub reason: Option<String>,
    pub default_visibility: Visibility,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub id: i64,
    pub uri: String,
    pub url: String,
    pub account_id: i64,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    /// Rendered HTML.
    pub content: String,
    /// Source text (local statuses), returned on delete for redraft.
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub application_id: Option<i64>,
    pub local: bool,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Mention {
    pub status_id: i64,
    pub account_id: i64,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub id: i64,
    /// Lowercase, the key tags are looked up by.
    pub name: String,
    /// As first written.
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub id: i64,
    pub app_id: i64,
    pub user_id: Option<i64>,
    pub scopes: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub app_id: i64,
    pub user_id: i64,
    pub scopes: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Copy)]
pub struct Follow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub show_reblogs: bool,
    pub notify: bool,
    pub created_at: Timestamp,
}

/// What one account is to another, as Mastodon's Relationship entity needs it.
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub id: i64,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub followed_by: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    /// The other account is on a server the viewer blocks.
    pub domain_blocking: bool,
}

/// `max_id`/`since_id`/`min_id`/`limit` as every Mastodon list takes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    /// With `min_id` Mastodon returns the items just above it (oldest first internally, then
    /// reversed); otherwise the newest below `max_id`.
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }
}

/// Where a remote actor receives activities and which key signs for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteEndpoints {
    pub inbox_url: String,
    pub shared_inbox_url: String,
    pub followers_url: String,
    pub key_id: String,
}

impl RemoteEndpoints {
    /// One delivery per server: the shared inbox when there is one.
    pub fn delivery_inbox(&self) -> &str {
        if self.shared_inbox_url.is_empty() {
            &self.inbox_url
        } else {
            &self.shared_inbox_url
        }
    }
}

/// A custom emoji as statuses and profiles show it. `domain` is `None` for this server's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub domain: Option<String>,
    /// The ActivityPub id of the `Emoji` object, when its server gave one.
    pub uri: String,
    pub image_url: String,
    pub visible_in_picker: bool,
}

/// What kind of media an attachment is, as Mastodon's `MediaAttachment#type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Image,
    Gifv,
    Video,
    Audio,
    Unknown,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Gifv => "gifv",
            MediaType::Video => "video",
            MediaType::Audio => "audio",
            MediaType::Unknown => "unknown",
        }
    }

    /// From a MIME type as Mastodon classifies it: `image/*`, `video/*`, `audio/*`, else unknown.
    pub fn from_mime(mime: &str) -> Self {
        let essence = mime.split(';').next().unwrap_or("").trim();
        let major = essence.split('/').next().unwrap_or("");
        match major.to_ascii_lowercase().as_str() {
            "image" => MediaType::Image,
            "video" => MediaType::Video,
            "audio" => MediaType::Audio,
            _ => MediaType::Unknown,
        }
    }
}

impl std::str::FromStr for MediaType {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "image" => Ok(MediaType::Image),
            "gifv" => Ok(MediaType::Gifv),
            "video" => Ok(MediaType::Video),
            "audio" => Ok(MediaType::Audio),
            "unknown" => Ok(MediaType::Unknown),
            _ => Err(()),
        }
    }
}

/// Pixel size of one version of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSize {
    pub width: u32,
    pub height: u32,
}

/// Focal point for cropping, each coordinate in -1.0..=1.0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MediaFocus {
    pub x: f64,
    pub y: f64,
}

/// What is known about a file (Mastodon's `file_meta`): for remote media what the other server
/// said, for local uploads what processing measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<MediaSize>,
    /// The preview ("small") version's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub small: Option<MediaSize>,
    /// Seconds, for video and audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// As ffprobe reports it, e.g. `"25/1"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<String>,
    /// Bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<MediaFocus>,
}

/// Where a local upload is in its processing (Mastodon's `processing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processing {
    /// Stored and ready (every remote attachment is).
    Complete,
    /// Waiting for the media job.
    Queued,
    /// The media job gave up on it.
    Failed,
}

impl Processing {
    pub fn as_str(self) -> &'static str {
        match self {
            Processing::Complete => "complete",
            Processing::Queued => "queued",
            Processing::Failed => "failed",
        }
    }
}

impl std::str::FromStr for Processing {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "complete" => Ok(Processing::Complete),
            "queued" => Ok(Processing::Queued),
            "failed" => Ok(Processing::Failed),
            _ => Err(()),
        }
    }
}

/// The files of a local upload in the media store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalFile {
    /// Store key of the processed original (`None` until processed).
    pub key: Option<String>,
    /// Store key of the preview image.
    pub thumbnail_key: Option<String>,
    /// Bytes of the processed original.
    pub size: Option<i64>,
    /// The raw upload waiting for the media job (removed once processed).
    pub upload_path: Option<String>,
    /// Public URLs of `key` and `thumbnail_key`, filled in from the store when loaded (they
    /// are not stored: the store decides them).
    pub url: Option<String>,
    pub preview_url: Option<String>,
}

/// A media attachment: a remote post's (`remote_url` is the other server's file, nothing is
/// cached here) or a local upload (`file`).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaAttachment {
    pub id: i64,
    pub status_id: Option<i64>,
    pub account_id: i64,
    pub kind: MediaType,
    /// The MIME type the other server gave.
    pub content_type: Option<String>,
    pub remote_url: String,
    /// A preview image the other server gave (`icon`).
    pub thumbnail_remote_url: Option<String>,
    /// Alt text.
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub meta: MediaMeta,
    /// Local uploads only.
    pub file: Option<LocalFile>,
    pub processing: Processing,
    pub created_at: Timestamp,
}

impl MediaAttachment {
    pub fn is_local(&self) -> bool {
        self.file.is_some()
    }
}
