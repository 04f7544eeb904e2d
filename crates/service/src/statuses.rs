//! Posting, reading, deleting statuses and their threads.

use bonsai_core::model::Status;
use bonsai_core::text::status_length;
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::{can_view, ViewerRelation, Visibility};
use bonsai_db::accounts::{self, Counter};
use bonsai_db::statuses::StatusCounter;
use bonsai_db::{follows, statuses, tags};

use crate::error::{commit, db_failure, DbResultExt, Error, Result};
use crate::notifications::Kind as NotificationKind;
use crate::oauth::Viewer;
use crate::stream::EventKind;
use crate::views::{AccountView, StatusView};
use crate::Services;

/// How far up a thread `context` walks.
const MAX_ANCESTORS: usize = 40;
const MAX_IDEMPOTENCY_KEY: usize = 256;
const MAX_SPOILER_CHARS: usize = 500;
/// Mastodon's limit on pinned posts per account.
const MAX_PINS: i64 = 5;

pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    pub visibility: Option<Visibility>,
    pub in_reply_to_id: Option<i64>,
    pub language: Option<String>,
    pub idempotency_key: Option<String>,
    pub media_ids: Vec<String>,
}

impl Services {
    pub async fn post_status(&self, viewer: &Viewer, new: NewStatus) -> Result<StatusView> {
        viewer.require("write:statuses")?;
        let account = viewer.account()?.clone();
        let user = viewer.user.clone().ok_or_else(Error::internal)?;
        let db = self.db().reader();

        let key = new.idempotency_key.filter(|k| !k.is_empty());
        if let Some(k) = &key {
            if k.len() > MAX_IDEMPOTENCY_KEY {
                return Err(Error::validation("Idempotency-Key is too long"));
            }
            if let Some(id) = statuses::find_idempotent(db, account.id, k)
                .await
                .or_internal()?
            {
                if let Some(s) = statuses::find(db, id).await.or_internal()? {
                    return self.status_view(s, Some(account.id)).await;
                }
            }
        }
        if new.media_ids.len() > crate::media::MAX_ATTACHMENTS {
            return Err(Error::validation(format!(
                "Cannot attach more than {} files",
                crate::media::MAX_ATTACHMENTS
            )));
        }
        // A post may be only media (Mastodon: text is required without media).
        if new.text.trim().is_empty() && new.media_ids.is_empty() {
            return Err(Error::validation("Validation failed: Text can't be blank"));
        }
        let max = self.config().max_toot_chars;
        if status_length(&new.text) + new.spoiler_text.chars().count() > max {
            return Err(Error::validation(format!(
                "Validation failed: Text character limit of {max} exceeded"
            )));
        }
        if new.spoiler_text.chars().count() > MAX_SPOILER_CHARS {
            return Err(Error::validation(
                "Validation failed: Spoiler text is too long",
            ));
        }
        let language = new
            .language
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty());
        if let Some(l) = &language {
            if l.len() > 10 || !l.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                return Err(Error::validation(
                    "Validation failed: Language is not a valid ISO 639 code",
                ));
            }
        }

        let parent = match new.in_reply_to_id {
            None => None,
            Some(pid) => {
                let p = statuses::find(db, pid).await.or_internal()?;
                match p {
                    Some(p)
                        if self.can_see(Some(account.id), &p).await?
                            && p.reblog_of_id.is_none() =>
                    {
                        Some(p)
                    }
                    _ => {
                        return Err(Error::not_found_with(
                            "The post you are trying to reply to does not appear to exist.",
                        ))
                    }
                }
            }
        };

        let rendered = self.render_text(&new.text).await?;
        let visibility = new.visibility.unwrap_or(user.default_visibility);
        let now = Timestamp::now();
        let id = self.next_id();
        let base = self.config().base_url();
        let status = Status {
            id,
            uri: format!("{base}/users/{}/statuses/{id}", account.username),
            url: format!("{base}/@{}/{id}", account.username),
            account_id: account.id,
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            reblog_of_id: None,
            content: rendered.html,
            text: new.text,
            spoiler_text: new.spoiler_text,
            sensitive: new.sensitive.unwrap_or(user.default_sensitive),
            visibility,
            language: language.or(user.default_language.clone()),
            application_id: Some(viewer.token.app_id),
            local: true,
            replies_count: 0,
            reblogs_count: 0,
            favourites_count: 0,
            created_at: now,
            edited_at: None,
        };
        // A content warning makes a post sensitive, as in Mastodon.
        let status = Status {
            sensitive: status.sensitive || !status.spoiler_text.is_empty(),
            ..status
        };

        let mut tx = self.db().begin().await.or_internal()?;
        statuses::insert(&mut *tx, &status).await.or_internal()?;
        let mut notes = Vec::new();
        let media = self
            .attach_media(&mut tx, account.id, id, &new.media_ids, false, &[])
            .await?;
        for m in &rendered.mentions {
            statuses::insert_mention(&mut *tx, id, m.id)
                .await
                .or_internal()?;
            notes.extend(
                self.notify(&mut tx, m, account.id, NotificationKind::Mention, Some(id))
                    .await?,
            );
        }
        let mut tag_rows = Vec::with_capacity(rendered.tags.len());
        for name in &rendered.tags {
            let tag = tags::upsert(&mut tx, self.next_id(), name, now)
                .await
                .or_internal()?;
            tags::link(&mut *tx, tag.id, id).await.or_internal()?;
            tag_rows.push(tag);
        }
        accounts::bump(&mut *tx, account.id, Counter::Statuses, 1)
            .await
            .or_internal()?;
        accounts::touch_last_status(&mut *tx, account.id, now)
            .await
            .or_internal()?;
        if let Some(p) = &parent {
            statuses::bump(&mut *tx, p.id, StatusCounter::Replies, 1)
                .await
                .or_internal()?;
        }
        if let Some(k) = &key {
            if let Err(e) = statuses::insert_idempotent(&mut *tx, account.id, k, id, now).await {
                if !e.is_unique_violation() {
                    return Err(db_failure(e));
                }
                // The same request, sent twice at once, won the race: answer with its status
                // and roll this one back.
                drop(tx);
                let winner = statuses::find_idempotent(self.db().reader(), account.id, k)
                    .await
                    .or_internal()?;
                let s = match winner {
                    Some(wid) => statuses::find(self.db().reader(), wid)
                        .await
                        .or_internal()?,
                    None => None,
                };
                return match s {
                    Some(s) => self.status_view(s, Some(account.id)).await,
                    None => Err(Error::internal()),
                };
            }
        }
        // Remote followers' servers and mentioned remote accounts get the post.
        let view = StatusView {
            status: status.clone(),
            account: AccountView::bare(account.clone()),
            mentions: rendered.mentions.clone(),
            tags: tag_rows,
            reblog: None,
            application: None,
            pinned: None,
            favourited: false,
            reblogged: false,
            emojis: Vec::new(),
            media_attachments: media,
        };
        let create = serde_json::to_value(
            self.create_activity(&view, parent.as_ref().map(|p| p.uri.as_str()))
                .with_context(bonsai_federation::wire::Context::mastodon()),
        )
        .map_err(|_| Error::internal())?;
        let mut extra = Vec::new();
        for m in rendered.mentions.iter().filter(|m| !m.is_local()) {
            extra.push(self.delivery_inbox_of(&mut tx, m.id).await?);
        }
        self.enqueue_to_followers(
            &mut tx,
            account.id,
            &create,
            extra,
            visibility != Visibility::Direct,
        )
        .await?;
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_status(&status, EventKind::Update).await;
        self.stream_notifications(notes).await;
        self.status_view(status, Some(account.id)).await
    }

    /// Is `status` visible to `viewer` (None = anonymous)?
    pub(crate) async fn can_see(&self, viewer: Option<i64>, status: &Status) -> Result<bool> {
        if matches!(status.visibility, Visibility::Public | Visibility::Unlisted) {
            return Ok(true);
        }
        let Some(v) = viewer else { return Ok(false) };
        let db = self.db().reader();
        let relation = ViewerRelation {
            is_author: v == status.account_id,
            follows_author: status.visibility == Visibility::Private
                && follows::find(db, follows::Kind::Follow, v, status.account_id)
                    .await
                    .or_internal()?
                    .is_some(),
            is_mentioned: statuses::is_mentioned(db, status.id, v)
                .await
                .or_internal()?,
        };
        Ok(can_view(status.visibility, Some(relation)))
    }

    /// A status the viewer may see, else "not found" (never "forbidden": existence is private).
    pub(crate) async fn visible_status(&self, viewer: Option<i64>, id: i64) -> Result<Status> {
        let s = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        if self.can_see(viewer, &s).await? {
            Ok(s)
        } else {
            Err(Error::not_found())
        }
    }

    pub async fn get_status(&self, viewer: Option<&Viewer>, id: i64) -> Result<StatusView> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let vid = viewer.and_then(Viewer::account_id);
        let s = self.visible_status(vid, id).await?;
        self.status_view(s, vid).await
    }

    /// Deletes the viewer's own status and returns it (with `text`, for redraft). Its uploads
    /// are detached and kept for a redraft (Mastodon's `dependent: :nullify`; the unattached
    /// sweep removes them if unused), or removed with `delete_media`.
    pub async fn delete_status(
        &self,
        viewer: &Viewer,
        id: i64,
        delete_media: bool,
    ) -> Result<StatusView> {
        viewer.require("write:statuses")?;
        let account = viewer.account()?;
        let s = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|s| s.account_id == account.id)
            .ok_or_else(Error::not_found)?;
        let view = self.status_view(s.clone(), Some(account.id)).await?;
        let audience = self.stream_audience(&s).await;
        let mut tx = self.db().begin().await.or_internal()?;
        if s.local && s.reblog_of_id.is_none() {
            let delete = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}#delete", s.uri),
                "type": "Delete",
                "actor": account.uri,
                "to": [bonsai_federation::wire::PUBLIC],
                "object": { "id": s.uri, "type": "Tombstone" }
            });
            let mut extra = Vec::new();
            for m in view.mentions.iter().filter(|m| !m.is_local()) {
                extra.push(self.delivery_inbox_of(&mut tx, m.id).await?);
            }
            self.enqueue_to_followers(&mut tx, account.id, &delete, extra, true)
                .await?;
        }
        let local_media: Vec<_> = view
            .media_attachments
            .iter()
            .filter(|m| m.is_local())
            .collect();
        if delete_media && !local_media.is_empty() {
            // The rows go with the post (cascade); their files by a job, once committed.
            let keys: Vec<String> = local_media
                .iter()
                .filter_map(|m| m.file.as_ref())
                .flat_map(|f| [f.key.clone(), f.thumbnail_key.clone()])
                .flatten()
                .collect();
            self.enqueue(
                &mut tx,
                crate::jobs::Queue::Media,
                None,
                &serde_json::json!({ "delete": keys }),
            )
            .await?;
        } else if !local_media.is_empty() {
            bonsai_db::media::detach_all(&mut *tx, s.id, Timestamp::now())
                .await
                .or_internal()?;
        }
        if statuses::delete(&mut *tx, s.id).await.or_internal()? {
            if s.local {
                // Its id answers 410 Gone from now on.
                bonsai_db::tombstones::insert(&mut *tx, &s.uri, account.id, Timestamp::now())
                    .await
                    .or_internal()?;
            }
            accounts::bump(&mut *tx, account.id, Counter::Statuses, -1)
                .await
                .or_internal()?;
            if let Some(pid) = s.in_reply_to_id {
                statuses::bump(&mut *tx, pid, StatusCounter::Replies, -1)
                    .await
                    .or_internal()?;
            }
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_deleted(s.id, audience);
        Ok(view)
    }

    /// Pins (or unpins) one of the viewer's own public or unlisted statuses.
    pub async fn pin_status(&self, viewer: &Viewer, id: i64, pin: bool) -> Result<StatusView> {
        viewer.require("write:accounts")?;
        let account = viewer.account()?;
        let s = self.visible_status(Some(account.id), id).await?;
        // Unpinning something that isn't pinned (or isn't yours) changes nothing, as in Mastodon.
        if pin && s.account_id != account.id {
            return Err(Error::validation("Validation failed: Status must be yours"));
        }
        if pin {
            if matches!(s.visibility, Visibility::Private | Visibility::Direct) {
                return Err(Error::validation("Validation failed: Status is not public"));
            }
            let mut tx = self.db().begin().await.or_internal()?;
            if statuses::count_pins(&mut *tx, account.id)
                .await
                .or_internal()?
                >= MAX_PINS
            {
                return Err(Error::validation(
                    "Validation failed: You have already pinned the maximum number of posts",
                ));
            }
            statuses::pin(&mut *tx, account.id, s.id, Timestamp::now())
                .await
                .or_internal()?;
            commit(tx).await?;
        } else {
            statuses::unpin(self.db().writer(), account.id, s.id)
                .await
                .or_internal()?;
        }
        self.status_view(s, Some(account.id)).await
    }

    /// Ancestors (oldest first) and descendants (in reply order) the viewer may see.
    pub async fn context(
        &self,
        viewer: Option<&Viewer>,
        id: i64,
    ) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let vid = viewer.and_then(Viewer::account_id);
        let status = self.visible_status(vid, id).await?;
        let db = self.db().reader();

        let mut ancestors = Vec::new();
        let mut next = status.in_reply_to_id;
        while let Some(pid) = next {
            if ancestors.len() >= MAX_ANCESTORS {
                break;
            }
            let Some(p) = statuses::find(db, pid).await.or_internal()? else {
                break;
            };
            next = p.in_reply_to_id;
            if self.can_see(vid, &p).await? {
                ancestors.push(p);
            }
        }
        ancestors.reverse();

        let mut descendants = Vec::new();
        for d in statuses::descendants(db, status.id).await.or_internal()? {
            if self.can_see(vid, &d).await? {
                descendants.push(d);
            }
        }
        Ok((
            self.status_views(ancestors, vid).await?,
            self.status_views(descendants, vid).await?,
        ))
    }
}
