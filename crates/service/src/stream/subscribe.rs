//! A streaming connection: which streams exist, who may open them, and which events one
//! viewer is sent (Mastodon's `streaming/index.js` rules).

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use bonsai_db::{blocks, domain_blocks};

use super::events::{Event, EventKind, Payload};
use super::Registration;
use crate::error::DbResultExt;
use crate::oauth::Viewer;
use crate::Services;

/// Why a stream cannot be opened, with Mastodon's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("Missing access token")]
    MissingToken,
    #[error("Invalid access token")]
    InvalidToken,
    #[error("Access token does not have the required scopes")]
    Scope,
    #[error("Unknown stream type")]
    UnknownStream,
    #[error("Missing tag name parameter")]
    MissingTag,
    #[error("Too many streaming connections")]
    TooManyConnections,
    #[error("Internal server error")]
    Internal,
}

impl StreamError {
    /// The HTTP status Mastodon answers with (400 for request errors, 401 for auth).
    pub fn status(&self) -> u16 {
        match self {
            StreamError::MissingToken | StreamError::InvalidToken | StreamError::Scope => 401,
            StreamError::UnknownStream | StreamError::MissingTag => 400,
            StreamError::TooManyConnections => 503,
            StreamError::Internal => 500,
        }
    }
}

/// One of Mastodon's streams. Hashtags keep the tag as the client wrote it (it is echoed back
/// in each message's `stream`); matching ignores case and a leading `#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    User,
    UserNotification,
    Public { local: Option<bool>, media: bool },
    Hashtag { tag: String, local: bool },
    Direct,
}

/// Longest tag accepted in a subscription (Mastodon's hashtags are far shorter).
const MAX_TAG: usize = 256;

impl Stream {
    /// From Mastodon's stream name (`user`, `public:local`, `hashtag`, …) and `tag`.
    pub fn parse(name: &str, tag: Option<&str>) -> Result<Self, StreamError> {
        let hashtag = |local| {
            let tag = tag.map(str::trim).filter(|t| !t.is_empty());
            match tag {
                Some(t) if t.len() <= MAX_TAG => Ok(Stream::Hashtag {
                    tag: t.to_string(),
                    local,
                }),
                Some(_) => Err(StreamError::UnknownStream),
                None => Err(StreamError::MissingTag),
            }
        };
        let public = |local, media| Ok(Stream::Public { local, media });
        match name {
            "user" => Ok(Stream::User),
            "user:notification" => Ok(Stream::UserNotification),
            "public" => public(None, false),
            "public:media" => public(None, true),
            "public:local" => public(Some(true), false),
            "public:local:media" => public(Some(true), true),
            "public:remote" => public(Some(false), false),
            "public:remote:media" => public(Some(false), true),
            "hashtag" => hashtag(false),
            "hashtag:local" => hashtag(true),
            "direct" => Ok(Stream::Direct),
            _ => Err(StreamError::UnknownStream),
        }
    }

    /// Mastodon's stream name.
    pub fn name(&self) -> &'static str {
        match self {
            Stream::User => "user",
            Stream::UserNotification => "user:notification",
            Stream::Public { local, media } => match (local, media) {
                (None, false) => "public",
                (None, true) => "public:media",
                (Some(true), false) => "public:local",
                (Some(true), true) => "public:local:media",
                (Some(false), false) => "public:remote",
                (Some(false), true) => "public:remote:media",
            },
            Stream::Hashtag { local: false, .. } => "hashtag",
            Stream::Hashtag { local: true, .. } => "hashtag:local",
            Stream::Direct => "direct",
        }
    }

    /// The `stream` array of each message: `["user"]`, `["hashtag", "tag"]`.
    pub fn label(&self) -> Vec<String> {
        let mut v = vec![self.name().to_string()];
        if let Stream::Hashtag { tag, .. } = self {
            v.push(tag.clone());
        }
        v
    }

    /// The same stream (hashtags compared as they match: case and `#` aside).
    pub fn same_as(&self, other: &Stream) -> bool {
        match (self, other) {
            (Stream::Hashtag { tag: a, local: la }, Stream::Hashtag { tag: b, local: lb }) => {
                la == lb && normal_tag(a) == normal_tag(b)
            }
            _ => self == other,
        }
    }

    fn is_public(&self) -> bool {
        matches!(self, Stream::Public { .. } | Stream::Hashtag { .. })
    }
}

/// A tag as hashtags are keyed: lower case, without `#`.
fn normal_tag(tag: &str) -> String {
    tag.trim_start_matches('#').to_lowercase()
}

/// Why a connection's event stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The client fell more than the bus's capacity behind.
    Lagged,
    /// The server is shutting down.
    Shutdown,
}

/// One open streaming connection of one signed-in viewer.
pub struct Connection {
    services: Services,
    reg: Registration,
    account: i64,
    /// The token may read notifications (`read` or `read:notifications`): only then does
    /// the `user` stream carry them, as in Mastodon.
    notifications: bool,
    scopes: bonsai_core::scope::Scopes,
}

impl Services {
    /// Opens a streaming connection for `viewer`, within the connection cap.
    pub fn open_stream(&self, viewer: &Viewer) -> Result<Connection, StreamError> {
        // Mastodon streams only to users' tokens (its token query joins `users`).
        let account = viewer.account_id().ok_or(StreamError::InvalidToken)?;
        let reg = self.streams().open(account)?;
        Ok(Connection {
            services: self.clone(),
            reg,
            account,
            notifications: viewer.scopes.grants("read:notifications"),
            scopes: viewer.scopes.clone(),
        })
    }
}

impl Connection {
    /// May this connection's token subscribe to `stream`? Public streams need only a valid
    /// token; the others `read`, or `read:statuses` (`read:notifications` for
    /// `user:notification`).
    pub fn authorize(&self, stream: &Stream) -> Result<(), StreamError> {
        let needed = match stream {
            s if s.is_public() => return Ok(()),
            Stream::UserNotification => "read:notifications",
            _ => "read:statuses",
        };
        if self.scopes.grants(needed) {
            Ok(())
        } else {
            Err(StreamError::Scope)
        }
    }

    /// The next event on the bus, or why the stream ended.
    pub async fn recv(&mut self) -> Result<Arc<Event>, Ended> {
        let reg = &mut self.reg;
        if *reg.shutdown.borrow() {
            return Err(Ended::Shutdown);
        }
        tokio::select! {
            r = reg.rx.recv() => match r {
                Ok(ev) => Ok(ev),
                Err(RecvError::Lagged(_)) => Err(Ended::Lagged),
                Err(RecvError::Closed) => Err(Ended::Shutdown),
            },
            _ = reg.shutdown.changed() => Err(Ended::Shutdown),
        }
    }

    /// Of `streams`, the indexes of those `event` goes to on this connection. Status events
    /// are checked against the viewer's blocks and domain blocks (in one or two queries,
    /// once per event), never shown when the check fails.
    pub async fn matching<S>(&self, event: &Event, streams: &[S]) -> Vec<usize>
    where
        S: AsRef<Stream>,
    {
        let hits: Vec<usize> = streams
            .iter()
            .enumerate()
            .filter(|(_, s)| self.reaches(event, s.as_ref()))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            return hits;
        }
        match self.allowed(event).await {
            Ok(true) => hits,
            Ok(false) => Vec::new(),
            Err(_) => Vec::new(),
        }
    }

    fn reaches(&self, event: &Event, stream: &Stream) -> bool {
        let a = &event.audience;
        let for_me = a.users.binary_search(&self.account).is_ok();
        match (stream, event.kind) {
            (Stream::User, EventKind::Notification) => for_me && self.notifications,
            (Stream::User, _) => for_me,
            (Stream::UserNotification, EventKind::Notification) => for_me,
            (Stream::UserNotification, _) => false,
            (_, EventKind::Notification) => false,
            (Stream::Public { local, media }, _) => {
                a.public && local.is_none_or(|l| l == a.local) && (!media || a.media)
            }
            (Stream::Hashtag { tag, local }, _) => {
                (!local || a.local) && a.tags.contains(&normal_tag(tag))
            }
            // Conversations are not kept yet, so the direct stream carries nothing.
            (Stream::Direct, _) => false,
        }
    }

    /// Per-viewer filtering of status events: nothing from an account the viewer blocks or
    /// that blocks them (author, boosted author, mentions), nor from a server they block.
    async fn allowed(&self, event: &Event) -> crate::Result<bool> {
        if !matches!(&event.payload, Payload::Status(_)) {
            return Ok(true);
        }
        let a = &event.audience;
        if a.checked.binary_search(&self.account).is_ok() {
            return Ok(a.excluded.binary_search(&self.account).is_err());
        }
        let others: Vec<i64> = a
            .involved
            .iter()
            .copied()
            .filter(|&id| id != self.account)
            .collect();
        let db = self.services.db().reader();
        let (blocking, blocked_by) = blocks::among(db, self.account, &others)
            .await
            .or_internal()?;
        if !blocking.is_empty() || !blocked_by.is_empty() {
            return Ok(false);
        }
        let authors: Vec<i64> = a
            .authors
            .iter()
            .copied()
            .filter(|&id| id != self.account)
            .collect();
        Ok(domain_blocks::among(db, self.account, &authors)
            .await
            .or_internal()?
            .is_empty())
    }
}

impl AsRef<Stream> for Stream {
    fn as_ref(&self) -> &Stream {
        self
    }
}
