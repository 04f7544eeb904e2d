//! Boosts (reblogs) and favourites.

use bonsai_core::model::Status;
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_db::accounts::{self, Counter};
use bonsai_db::favourites;
use bonsai_db::statuses::{self, StatusCounter};

use crate::error::{commit, DbResultExt, Error, Result};
use crate::notifications::Kind as NotificationKind;
use crate::oauth::Viewer;
use crate::stream::EventKind;
use crate::views::StatusView;
use crate::Services;

impl Services {
    /// Boosts a status; boosting twice returns the first boost. Answers with the boost,
    /// whose `reblog` is the original.
    pub async fn reblog(
        &self,
        viewer: &Viewer,
        id: i64,
        visibility: Option<Visibility>,
    ) -> Result<StatusView> {
        viewer.require("write:statuses")?;
        let me = viewer.account()?.clone();
        let mut original = self.visible_status(Some(me.id), id).await?;
        if let Some(inner) = original.reblog_of_id {
            original = self.visible_status(Some(me.id), inner).await?;
        }
        // Mastodon: private posts only by their author, direct posts never.
        let allowed = match original.visibility {
            Visibility::Public | Visibility::Unlisted => true,
            Visibility::Private => original.account_id == me.id,
            Visibility::Direct => false,
        };
        if !allowed {
            return Err(Error::forbidden("This action is not allowed"));
        }
        let db = self.db().reader();
        if let Some(existing) = statuses::find_reblog(db, me.id, original.id)
            .await
            .or_internal()?
        {
            return self.status_view(existing, Some(me.id)).await;
        }
        let visibility = match original.visibility {
            Visibility::Private => Visibility::Private,
            _ => match visibility {
                Some(v @ (Visibility::Public | Visibility::Unlisted | Visibility::Private)) => v,
                _ => Visibility::Public,
            },
        };
        let now = Timestamp::now();
        let rid = self.next_id();
        let base = self.config().base_url();
        let boost = Status {
            id: rid,
            uri: format!("{base}/users/{}/statuses/{rid}/activity", me.username),
            url: format!("{base}/users/{}/statuses/{rid}/activity", me.username),
            account_id: me.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(original.id),
            content: String::new(),
            text: String::new(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility,
            language: None,
            application_id: Some(viewer.token.app_id),
            local: true,
            replies_count: 0,
            reblogs_count: 0,
            favourites_count: 0,
            created_at: now,
            edited_at: None,
        };
        let mut tx = self.db().begin().await.or_internal()?;
        statuses::insert(&mut *tx, &boost).await.or_internal()?;
        statuses::bump(&mut *tx, original.id, StatusCounter::Reblogs, 1)
            .await
            .or_internal()?;
        accounts::bump(&mut *tx, me.id, Counter::Statuses, 1)
            .await
            .or_internal()?;
        let author = self.account(original.account_id).await?;
        let note = self
            .notify(
                &mut tx,
                &author,
                me.id,
                NotificationKind::Reblog,
                Some(original.id),
            )
            .await?;
        if visibility != Visibility::Private {
            let announce = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": boost.uri,
                "type": "Announce",
                "actor": me.uri,
                "published": now.to_rfc3339(),
                "to": [bonsai_federation::wire::PUBLIC],
                "cc": [author.uri, format!("{}/followers", me.uri)],
                "object": original.uri
            });
            self.federate_interaction(&mut tx, me.id, &author, &announce, true)
                .await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_status(&boost, EventKind::Update).await;
        self.stream_notifications(note.into_iter().collect()).await;
        self.status_view(boost, Some(me.id)).await
    }

    /// Removes the viewer's boost; answers with the original.
    pub async fn unreblog(&self, viewer: &Viewer, id: i64) -> Result<StatusView> {
        viewer.require("write:statuses")?;
        let me = viewer.account()?.id;
        let original = self.visible_status(Some(me), id).await?;
        if let Some(boost) = statuses::find_reblog(self.db().reader(), me, original.id)
            .await
            .or_internal()?
        {
            let audience = self.stream_audience(&boost).await;
            let mut tx = self.db().begin().await.or_internal()?;
            if statuses::delete(&mut *tx, boost.id).await.or_internal()? {
                statuses::bump(&mut *tx, original.id, StatusCounter::Reblogs, -1)
                    .await
                    .or_internal()?;
                accounts::bump(&mut *tx, me, Counter::Statuses, -1)
                    .await
                    .or_internal()?;
                let me_account = viewer.account()?;
                let author = self.account(original.account_id).await?;
                let undo = serde_json::json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{}#undo", boost.uri),
                    "type": "Undo",
                    "actor": me_account.uri,
                    "to": [bonsai_federation::wire::PUBLIC],
                    "object": { "id": boost.uri, "type": "Announce", "actor": me_account.uri, "object": original.uri }
                });
                self.federate_interaction(&mut tx, me, &author, &undo, true)
                    .await?;
            }
            commit(tx).await?;
            self.job_signal().wake();
            self.stream_deleted(boost.id, audience);
        }
        self.fresh_view(original.id, me).await
    }

    pub async fn favourite(&self, viewer: &Viewer, id: i64, on: bool) -> Result<StatusView> {
        viewer.require("write:favourites")?;
        let me = viewer.account()?.id;
        let mut status = self.visible_status(Some(me), id).await?;
        if let Some(inner) = status.reblog_of_id {
            status = self.visible_status(Some(me), inner).await?;
        }
        let mut tx = self.db().begin().await.or_internal()?;
        let mut note = None;
        let changed = if on {
            favourites::add(&mut *tx, self.next_id(), me, status.id, Timestamp::now())
                .await
                .or_internal()?
        } else {
            favourites::remove(&mut *tx, me, status.id)
                .await
                .or_internal()?
        };
        if changed {
            statuses::bump(
                &mut *tx,
                status.id,
                StatusCounter::Favourites,
                if on { 1 } else { -1 },
            )
            .await
            .or_internal()?;
            let author = self.account(status.account_id).await?;
            if on {
                note = self
                    .notify(
                        &mut tx,
                        &author,
                        me,
                        NotificationKind::Favourite,
                        Some(status.id),
                    )
                    .await?;
            }
            if !author.is_local() {
                // A deterministic id lets the Undo name the Like without storing it.
                let me_uri = &viewer.account()?.uri;
                let like_id = format!("{me_uri}#likes/{}", status.id);
                let like = serde_json::json!({
                    "id": like_id, "type": "Like", "actor": me_uri, "object": status.uri
                });
                let activity = if on {
                    let mut l = like;
                    l["@context"] = serde_json::json!("https://www.w3.org/ns/activitystreams");
                    l
                } else {
                    serde_json::json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{like_id}/undo"),
                        "type": "Undo",
                        "actor": me_uri,
                        "object": like
                    })
                };
                self.federate_interaction(&mut tx, me, &author, &activity, false)
                    .await?;
            }
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_notifications(note.into_iter().collect()).await;
        self.fresh_view(status.id, me).await
    }

    /// Sends an interaction to the status author's server (when remote) and, for boosts,
    /// to the booster's followers.
    async fn federate_interaction(
        &self,
        tx: &mut bonsai_db::Tx,
        sender: i64,
        author: &bonsai_core::model::Account,
        activity: &serde_json::Value,
        to_followers: bool,
    ) -> Result<()> {
        let mut extra = Vec::new();
        if !author.is_local() {
            extra.push(self.delivery_inbox_of(tx, author.id).await?);
        }
        self.enqueue_to_followers(tx, sender, activity, extra, to_followers)
            .await
    }

    /// Reloads a status after a change so its counters are current.
    async fn fresh_view(&self, id: i64, viewer: i64) -> Result<StatusView> {
        let s = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        self.status_view(s, Some(viewer)).await
    }
}
