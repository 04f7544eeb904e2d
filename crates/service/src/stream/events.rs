//! What travels on the bus: one event, who it is for, and its payload rendered once.

use std::sync::OnceLock;

use crate::notifications::NotificationView;
use crate::views::StatusView;

/// Mastodon's event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Update,
    StatusUpdate,
    Delete,
    Notification,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Update => "update",
            EventKind::StatusUpdate => "status.update",
            EventKind::Delete => "delete",
            EventKind::Notification => "notification",
        }
    }
}

#[derive(Debug)]
pub enum Payload {
    /// Rendered as the viewer-independent (anonymous) Status entity, as Mastodon does.
    Status(Box<StatusView>),
    /// The deleted status's id.
    Deleted(i64),
    /// Rendered for its one recipient.
    Notification(Box<NotificationView>),
}

/// Who an event goes to, worked out once when it is published.
#[derive(Debug, Clone, Default)]
pub(crate) struct Audience {
    /// Local accounts whose `user` stream gets it, sorted.
    pub users: Vec<i64>,
    /// On `public` and on `public:local` or `public:remote`.
    pub public: bool,
    /// Written on this server (`:local` streams) rather than elsewhere (`:remote`).
    pub local: bool,
    /// It carries media (`…:media` streams).
    pub media: bool,
    /// The hashtag streams (lower-case names) it goes to; empty when not broadcast.
    pub tags: Vec<String>,
    /// Whose blocks keep it from a viewer: the author, a boosted post's author, mentions.
    pub involved: Vec<i64>,
    /// Whose server's domain block keeps it from a viewer: the author and a boosted
    /// post's author.
    pub authors: Vec<i64>,
    /// The connected accounts whose blocks were checked when it was published (sorted),
    /// and those of them it must not reach: one batched check per event instead of one
    /// per connection. Connections opened later check for themselves.
    pub checked: Vec<i64>,
    pub excluded: Vec<i64>,
}

#[derive(Debug)]
pub struct Event {
    pub kind: EventKind,
    pub payload: Payload,
    pub(crate) audience: Audience,
    rendered: OnceLock<String>,
}

impl Event {
    pub(crate) fn new(kind: EventKind, payload: Payload, audience: Audience) -> Self {
        Self {
            kind,
            payload,
            audience,
            rendered: OnceLock::new(),
        }
    }

    /// A `delete` for the public streams only: what a status nobody follows leaves behind.
    /// Public so tests (and tools) can put load on the bus without writing statuses.
    pub fn public_delete(id: i64, local: bool) -> Self {
        Self::new(
            EventKind::Delete,
            Payload::Deleted(id),
            Audience {
                public: true,
                local,
                ..Audience::default()
            },
        )
    }

    /// The payload string, rendered by `render` the first time any connection asks and
    /// shared by all after that.
    pub fn rendered(&self, render: impl FnOnce(&Payload) -> String) -> &str {
        self.rendered.get_or_init(|| render(&self.payload))
    }
}
