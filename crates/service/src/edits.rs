//! Editing statuses (Mastodon 3.5+): the earlier version is kept as history, the new text is
//! rendered as a new post would be, and followers' servers get an `Update`.

use bonsai_core::model::Status;
use bonsai_core::text::status_length;
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_db::statuses::{self, Edit};
use bonsai_db::tags;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::notifications::Kind as NotificationKind;
use crate::oauth::Viewer;
use crate::views::{AccountView, StatusView};
use crate::Services;

pub struct StatusEdit {
    pub text: String,
    pub spoiler_text: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// `None`: the media stay as they are (Mastodon changes them only when `media_ids` is sent).
    pub media_ids: Option<Vec<String>>,
    /// `media_attributes[]`: new alt text / focus of attachments, by id.
    pub media_attributes: Vec<(String, crate::media::MediaUpdate)>,
}

/// One version in `/history`: earlier ones, then the current one last.
pub struct Version {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// Its attachments with the alt text they had (ones since removed for good are left out).
    pub media_attachments: Vec<bonsai_core::model::MediaAttachment>,
    pub created_at: Timestamp,
}

impl Services {
    pub async fn edit_status(&self, viewer: &Viewer, id: i64, e: StatusEdit) -> Result<StatusView> {
        viewer.require("write:statuses")?;
        let account = viewer.account()?.clone();
        let old = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|s| s.account_id == account.id && s.reblog_of_id.is_none())
            .ok_or_else(Error::not_found)?;
        let current_media = bonsai_db::media::of_statuses(self.db().reader(), &[id])
            .await
            .or_internal()?;
        let media_ids: Vec<String> = match &e.media_ids {
            Some(ids) => ids.clone(),
            None => current_media.iter().map(|m| m.id.to_string()).collect(),
        };
        if media_ids.len() > crate::media::MAX_ATTACHMENTS {
            return Err(Error::validation(format!(
                "Cannot attach more than {} files",
                crate::media::MAX_ATTACHMENTS
            )));
        }
        if e.text.trim().is_empty() && media_ids.is_empty() {
            return Err(Error::validation("Validation failed: Text can't be blank"));
        }
        let media_updates: Vec<(i64, crate::media::MediaUpdate)> = e
            .media_attributes
            .iter()
            .filter_map(|(id, u)| bonsai_core::id::parse_id(id.trim()).map(|id| (id, u.clone())))
            .collect();
        let spoiler = e.spoiler_text.unwrap_or_else(|| old.spoiler_text.clone());
        let max = self.config().max_toot_chars;
        if status_length(&e.text) + spoiler.chars().count() > max {
            return Err(Error::validation(format!(
                "Validation failed: Text character limit of {max} exceeded"
            )));
        }
        let rendered = self.render_text(&e.text).await?;
        let now = Timestamp::now();
        let new = Status {
            content: rendered.html,
            text: e.text,
            sensitive: e.sensitive.unwrap_or(old.sensitive) || !spoiler.is_empty(),
            spoiler_text: spoiler,
            language: e
                .language
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty() && l.len() <= 10)
                .or(old.language.clone()),
            edited_at: Some(now),
            ..old.clone()
        };
        let mut tx = self.db().begin().await.or_internal()?;
        let old_media: Vec<(i64, Option<String>)> = current_media
            .iter()
            .map(|m| (m.id, m.description.clone()))
            .collect();
        statuses::edit(&mut tx, self.next_id(), &old, &old_media, &new, now)
            .await
            .or_internal()?;
        // Remote posts' media are not ours to re-link; only a local post's uploads are.
        let media = if current_media.iter().all(|m| m.is_local()) {
            self.attach_media(&mut tx, account.id, id, &media_ids, true, &media_updates)
                .await?
        } else {
            current_media
        };
        statuses::clear_tags(&mut *tx, id).await.or_internal()?;
        let mut tag_rows = Vec::new();
        for name in &rendered.tags {
            let tag = tags::upsert(&mut tx, self.next_id(), name, now)
                .await
                .or_internal()?;
            tags::link(&mut *tx, tag.id, id).await.or_internal()?;
            tag_rows.push(tag);
        }
        let already = statuses::mentions_of(&mut *tx, &[id]).await.or_internal()?;
        let mut notes = Vec::new();
        for m in &rendered.mentions {
            if !already.iter().any(|x| x.account_id == m.id) {
                statuses::insert_mention(&mut *tx, id, m.id)
                    .await
                    .or_internal()?;
                notes.extend(
                    self.notify(&mut tx, m, account.id, NotificationKind::Mention, Some(id))
                        .await?,
                );
            }
        }
        if old.visibility != Visibility::Direct || !rendered.mentions.is_empty() {
            let view = StatusView {
                status: new.clone(),
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
            let parent = match new.in_reply_to_id {
                Some(pid) => statuses::find(&mut *tx, pid)
                    .await
                    .or_internal()?
                    .map(|p| p.uri),
                None => None,
            };
            let mut note = self.note_document(&view, parent.as_deref());
            note.updated = Some(now.to_rfc3339());
            let mut update = bonsai_federation::wire::Activity::wrap(
                bonsai_federation::wire::ActivityKind::Update,
                format!("{}#updates/{}", new.uri, now.millis()),
                note,
            )
            .with_context(bonsai_federation::wire::Context::mastodon());
            update.published = None;
            let update = serde_json::to_value(update).map_err(|_| Error::internal())?;
            let mut extra = Vec::new();
            for m in rendered.mentions.iter().filter(|m| !m.is_local()) {
                extra.push(self.delivery_inbox_of(&mut tx, m.id).await?);
            }
            self.enqueue_to_followers(
                &mut tx,
                account.id,
                &update,
                extra,
                new.visibility != Visibility::Direct,
            )
            .await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_status(&new, crate::stream::EventKind::StatusUpdate)
            .await;
        self.stream_notifications(notes).await;
        self.status_view(new, Some(account.id)).await
    }

    /// Every version of a status the viewer may see, oldest first, the current one last.
    pub async fn status_history(
        &self,
        viewer: Option<&Viewer>,
        id: i64,
    ) -> Result<(StatusView, Vec<Version>)> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let vid = viewer.and_then(Viewer::account_id);
        let s = self.visible_status(vid, id).await?;
        let edits = statuses::edits(self.db().reader(), s.id)
            .await
            .or_internal()?;
        let mut ids: Vec<i64> = edits
            .iter()
            .flat_map(|e| e.media.iter().map(|(id, _)| *id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut known = bonsai_db::media::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?;
        for m in &mut known {
            self.resolve_media_urls(m);
        }
        let mut versions: Vec<Version> = edits
            .into_iter()
            .map(|e: Edit| Version {
                media_attachments: e
                    .media
                    .iter()
                    .filter_map(|(id, description)| {
                        known.iter().find(|m| m.id == *id).map(|m| {
                            bonsai_core::model::MediaAttachment {
                                description: description.clone(),
                                ..m.clone()
                            }
                        })
                    })
                    .collect(),
                content: e.content,
                spoiler_text: e.spoiler_text,
                sensitive: e.sensitive,
                created_at: e.created_at,
            })
            .collect();
        let view = self.status_view(s.clone(), vid).await?;
        versions.push(Version {
            content: s.content.clone(),
            spoiler_text: s.spoiler_text.clone(),
            sensitive: s.sensitive,
            media_attachments: view.media_attachments.clone(),
            created_at: s.edited_at.unwrap_or(s.created_at),
        });
        Ok((view, versions))
    }

    /// What the author typed, for editing (`/source`): own statuses only.
    pub async fn status_source(&self, viewer: &Viewer, id: i64) -> Result<Status> {
        viewer.require("read:statuses")?;
        let me = viewer.account()?.id;
        statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|s| s.account_id == me)
            .ok_or_else(Error::not_found)
    }
}
