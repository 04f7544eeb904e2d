//! Publishing, called by the use-cases (local and inbox alike) after their transaction has
//! committed. Each first asks whether anyone is connected and does nothing otherwise; a
//! failure here is logged, never returned, since the write it reports has already happened.

use bonsai_core::model::Status;
use bonsai_core::visibility::{can_view, ViewerRelation, Visibility};
use bonsai_db::notifications::Notification;
use bonsai_db::{blocks, domain_blocks, follows};

use super::events::{Audience, Event, EventKind, Payload};
use super::StreamBus;
use crate::error::{DbResultExt, Result};
use crate::views::StatusView;
use crate::Services;

impl Services {
    pub fn streams(&self) -> &std::sync::Arc<StreamBus> {
        &self.inner.streams
    }

    /// A new status (`update`) or an edited one (`status.update`), boosts included.
    pub(crate) async fn stream_status(&self, status: &Status, kind: EventKind) {
        if !self.streams().active() {
            return;
        }
        let published = async {
            let view = self.status_view(status.clone(), None).await?;
            let audience = self.audience(&view).await?;
            self.streams()
                .publish(Event::new(kind, Payload::Status(Box::new(view)), audience));
            Result::Ok(())
        };
        let published: Result<()> = published.await;
        if let Err(e) = published {
            tracing::warn!(status = status.id, error = %e.message, "status not streamed");
        }
    }

    /// Who will need to hear that `status` is gone: worked out before it is deleted, sent
    /// with [`Self::stream_deleted`] after the deletion commits. `None` when nobody listens.
    pub(crate) async fn stream_audience(&self, status: &Status) -> Option<Audience> {
        if !self.streams().active() {
            return None;
        }
        let audience = async {
            let view = self.status_view(status.clone(), None).await?;
            self.audience(&view).await
        };
        match audience.await {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::warn!(status = status.id, error = %e.message, "delete not streamed");
                None
            }
        }
    }

    /// `delete` (the id) to everyone who could have seen the status.
    pub(crate) fn stream_deleted(&self, id: i64, audience: Option<Audience>) {
        if let Some(audience) = audience {
            self.streams().publish(Event::new(
                EventKind::Delete,
                Payload::Deleted(id),
                audience,
            ));
        }
    }

    /// `notification` to each recipient's `user` and `user:notification` streams, rendered
    /// for that recipient — only for recipients who are connected.
    pub(crate) async fn stream_notifications(&self, list: Vec<Notification>) {
        for n in list {
            if !self.streams().is_connected(n.account_id) {
                continue;
            }
            let recipient = n.account_id;
            let id = n.id;
            match self.notification_views(vec![n], recipient).await {
                Ok(mut views) => {
                    let Some(view) = views.pop() else { continue };
                    self.streams().publish(Event::new(
                        EventKind::Notification,
                        Payload::Notification(Box::new(view)),
                        Audience {
                            users: vec![recipient],
                            ..Audience::default()
                        },
                    ));
                }
                Err(e) => {
                    tracing::warn!(notification = id, error = %e.message, "notification not streamed")
                }
            }
        }
    }

    /// Where a status goes. Home (`user`) streams: its author if local, and the connected
    /// local followers whose home timeline shows it (the visibility rule the home timeline
    /// uses). Public streams follow Mastodon's fan-out: public, not a boost, not from a
    /// silenced server; the public timelines leave out replies to others, hashtags keep them.
    async fn audience(&self, view: &StatusView) -> Result<Audience> {
        let s = &view.status;
        let author = &view.account.account;
        // What a boost shows is the boosted post: its mentions, tags and media.
        let shown = view.reblog.as_deref().unwrap_or(view);
        let mentioned: Vec<i64> = shown.mentions.iter().map(|a| a.id).collect();

        let connected = self.streams().connected_accounts();
        let mut users = Vec::new();
        if !connected.is_empty() {
            if author.is_local() && connected.binary_search(&author.id).is_ok() {
                users.push(author.id);
            }
            let followers = follows::followers_among(self.db().reader(), author.id, &connected)
                .await
                .or_internal()?;
            for f in followers {
                let relation = ViewerRelation {
                    is_author: false,
                    follows_author: true,
                    is_mentioned: mentioned.contains(&f),
                };
                if can_view(s.visibility, Some(relation)) {
                    users.push(f);
                }
            }
            users.sort_unstable();
            users.dedup();
        }

        // Per-viewer filtering, done once here for everyone connected now.
        let mut involved = vec![author.id];
        let mut authors = vec![author.id];
        let mut domains: Vec<String> = author.domain.iter().cloned().collect();
        if let Some(r) = &view.reblog {
            involved.push(r.account.account.id);
            authors.push(r.account.account.id);
            domains.extend(r.account.account.domain.iter().cloned());
        }
        involved.extend(mentioned.iter().copied());
        let mut excluded = Vec::new();
        if !connected.is_empty() {
            let db = self.db().reader();
            excluded = blocks::any_with(db, &connected, &involved)
                .await
                .or_internal()?;
            excluded.extend(
                domain_blocks::blocking_any(db, &connected, &domains)
                    .await
                    .or_internal()?,
            );
            excluded.sort_unstable();
            excluded.dedup();
        }

        let silenced = author
            .domain
            .as_deref()
            .is_some_and(|d| self.config().silences(d));
        let broadcast = s.visibility == Visibility::Public && s.reblog_of_id.is_none() && !silenced;
        let own_thread = s.in_reply_to_id.is_none() || s.in_reply_to_account_id == Some(author.id);
        Ok(Audience {
            users,
            public: broadcast && own_thread,
            local: s.local,
            media: !shown.media_attachments.is_empty(),
            tags: if broadcast {
                shown.tags.iter().map(|t| t.name.to_lowercase()).collect()
            } else {
                Vec::new()
            },
            involved,
            authors,
            checked: connected,
            excluded,
        })
    }
}
