//! Processing a verified activity from the inbox queue. Idempotent by activity id; objects
//! must share the actor's origin; unknown activity types are ignored.

use serde_json::{json, Value};

use bonsai_core::model::{Account, CustomEmoji, Follow, MediaAttachment, Status};
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_db::accounts::{self, Counter};
use bonsai_db::follows::{self, Kind};
use bonsai_db::statuses::{self, StatusCounter};
use bonsai_db::{activities, emojis, favourites, media, tags};
use bonsai_federation::wire::{Activity, ActivityKind, Document, Object, ObjectKind, ObjectRef};

use super::resolve::authority;
use crate::error::{commit, DbResultExt, Error, Result};
use crate::jobs::Outcome;
use crate::notifications::Kind as NotificationKind;
use crate::stream::EventKind;
use crate::Services;

/// The marker a Delete leaves for an object we never saw, so a late Create is ignored.
fn tombstone(uri: &str) -> String {
    format!("tombstone:{uri}")
}

impl Services {
    pub(crate) async fn process_inbox_job(&self, payload: &Value) -> Outcome {
        let Some(actor_id) = payload["actor_id"].as_i64() else {
            return Outcome::Fail {
                error: "no actor".into(),
            };
        };
        let activity = match Document::from_value(payload["activity"].clone()) {
            Ok(Document::Activity(a)) => a,
            _ => {
                return Outcome::Fail {
                    error: "not an activity".into(),
                }
            }
        };
        match self.process(actor_id, &activity).await {
            Ok(()) => Outcome::Done,
            Err(e)
                if matches!(
                    e.kind,
                    bonsai_core::error::ErrorKind::Unavailable
                        | bonsai_core::error::ErrorKind::Internal
                ) =>
            {
                Outcome::Retry {
                    error: e.message,
                    after: None,
                }
            }
            Err(e) => Outcome::Fail { error: e.message },
        }
    }

    async fn process(&self, actor_id: i64, activity: &Activity) -> Result<()> {
        let actor = self.account(actor_id).await?;
        if let Some(id) = activity.id() {
            if authority(id) != actor.domain {
                return Err(Error::forbidden("activity id from another origin"));
            }
            if !activities::mark_processed(self.db().writer(), id, Timestamp::now())
                .await
                .or_internal()?
            {
                return Ok(()); // already handled
            }
        }
        match activity.kind {
            ActivityKind::Follow => self.on_follow(&actor, activity).await,
            ActivityKind::Accept => self.on_accept(&actor, activity).await,
            ActivityKind::Reject => self.on_reject(&actor, activity).await,
            ActivityKind::Undo => self.on_undo(&actor, activity).await,
            ActivityKind::Create => self.on_create(&actor, activity).await,
            ActivityKind::Delete => self.on_delete(&actor, activity).await,
            ActivityKind::Like => self.on_like(&actor, activity, true).await,
            ActivityKind::Announce => self.on_announce(&actor, activity).await,
            ActivityKind::Block => self.on_block(&actor, activity).await,
            ActivityKind::Move => self.on_move(&actor, activity).await,
            ActivityKind::Update => self.on_update(&actor, activity).await,
            ActivityKind::Flag => {
                let objects: Vec<&str> = activity.object.iter().filter_map(ObjectRef::id).collect();
                self.receive_flag(&actor, activity.id(), &objects, activity.content.as_deref())
                    .await
            }
            _ => Ok(()),
        }
    }

    /// The local account an id names, if it is ours.
    async fn local_by_uri(&self, uri: Option<&str>) -> Result<Option<Account>> {
        let Some(uri) = uri else { return Ok(None) };
        Ok(accounts::find_by_uri(self.db().reader(), uri)
            .await
            .or_internal()?
            .filter(Account::is_local))
    }

    async fn on_follow(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(target) = self.local_by_uri(activity.object_id()).await? else {
            return Ok(());
        };
        if self.blocked_between(actor.id, target.id).await? {
            return Ok(());
        }
        if self.domain_blocks_account(target.id, actor).await? {
            // As Mastodon: a follower from a server the user blocks is rejected at once.
            let reject =
                self.reject_follow_activity(&target, actor, activity.id().unwrap_or_default());
            let mut tx = self.db().begin().await.or_internal()?;
            let inbox = self.delivery_inbox_of(&mut tx, actor.id).await?;
            self.enqueue_delivery(&mut tx, target.id, &inbox, &reject)
                .await?;
            commit(tx).await?;
            self.job_signal().wake();
            return Ok(());
        }
        let follow = Follow {
            id: self.next_id(),
            account_id: actor.id,
            target_account_id: target.id,
            show_reblogs: true,
            notify: false,
            created_at: Timestamp::now(),
        };
        let uri = activity.id().unwrap_or_default();
        let already = follows::find(self.db().reader(), Kind::Follow, actor.id, target.id)
            .await
            .or_internal()?
            .is_some();
        let mut tx = self.db().begin().await.or_internal()?;
        let mut note = None;
        // As Mastodon: followers from a silenced server always need approval.
        let silenced = actor
            .domain
            .as_deref()
            .is_some_and(|d| self.config().silences(d));
        if (target.locked || silenced) && !already {
            if follows::upsert(&mut tx, Kind::Request, &follow)
                .await
                .or_internal()?
            {
                note = self
                    .notify(
                        &mut tx,
                        &target,
                        actor.id,
                        NotificationKind::FollowRequest,
                        None,
                    )
                    .await?;
            }
            follows::set_uri(&mut *tx, Kind::Request, actor.id, target.id, uri)
                .await
                .or_internal()?;
        } else {
            if follows::upsert(&mut tx, Kind::Follow, &follow)
                .await
                .or_internal()?
            {
                note = self
                    .notify(&mut tx, &target, actor.id, NotificationKind::Follow, None)
                    .await?;
                accounts::bump(&mut *tx, actor.id, Counter::Following, 1)
                    .await
                    .or_internal()?;
                accounts::bump(&mut *tx, target.id, Counter::Followers, 1)
                    .await
                    .or_internal()?;
            }
            follows::set_uri(&mut *tx, Kind::Follow, actor.id, target.id, uri)
                .await
                .or_internal()?;
            let accept = self.accept_activity(&target, actor, uri);
            let inbox = self.delivery_inbox_of(&mut tx, actor.id).await?;
            self.enqueue_delivery(&mut tx, target.id, &inbox, &accept)
                .await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_notifications(note.into_iter().collect()).await;
        Ok(())
    }

    /// `Accept` of `follower`'s Follow (id `follow_uri`) by local `target`.
    pub(crate) fn accept_activity(
        &self,
        target: &Account,
        follower: &Account,
        follow_uri: &str,
    ) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#accepts/follows/{}", target.uri, self.next_id()),
            "type": "Accept",
            "actor": target.uri,
            "object": {
                "id": follow_uri,
                "type": "Follow",
                "actor": follower.uri,
                "object": target.uri
            }
        })
    }

    /// Our Follow of `actor` was accepted: the request becomes a follow.
    async fn on_accept(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(local) = self.follow_object_local(activity).await? else {
            return Ok(());
        };
        let mut tx = self.db().begin().await.or_internal()?;
        // Read the Follow's id before the request row goes.
        let uri = follows::uri_of(&mut *tx, Kind::Request, local.id, actor.id)
            .await
            .or_internal()?;
        if let Some(req) = follows::remove(&mut *tx, Kind::Request, local.id, actor.id)
            .await
            .or_internal()?
        {
            let f = Follow {
                id: self.next_id(),
                created_at: Timestamp::now(),
                ..req
            };
            if follows::upsert(&mut tx, Kind::Follow, &f)
                .await
                .or_internal()?
            {
                accounts::bump(&mut *tx, local.id, Counter::Following, 1)
                    .await
                    .or_internal()?;
                accounts::bump(&mut *tx, actor.id, Counter::Followers, 1)
                    .await
                    .or_internal()?;
            }
            if let Some(uri) = uri {
                follows::set_uri(&mut *tx, Kind::Follow, local.id, actor.id, &uri)
                    .await
                    .or_internal()?;
            }
        }
        commit(tx).await
    }

    /// The local follower named by an Accept/Reject's Follow object (embedded or ours by id).
    async fn follow_object_local(&self, activity: &Activity) -> Result<Option<Account>> {
        match activity.object() {
            Some(ObjectRef::Activity(follow)) => self.local_by_uri(follow.actor_id()).await,
            Some(ObjectRef::Link(id)) => {
                // Our Follow ids are `{actor}#follows/{n}`.
                let actor = id.split('#').next();
                self.local_by_uri(actor).await
            }
            _ => Ok(None),
        }
    }

    async fn on_reject(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(local) = self.follow_object_local(activity).await? else {
            return Ok(());
        };
        let mut tx = self.db().begin().await.or_internal()?;
        self.end_follow(&mut tx, local.id, actor.id).await?;
        commit(tx).await
    }

    async fn on_undo(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(ObjectRef::Activity(inner)) = activity.object() else {
            return Ok(());
        };
        if inner.actor_id() != Some(actor.uri.as_str()) {
            return Err(Error::forbidden("undoing someone else's activity"));
        }
        match inner.kind {
            ActivityKind::Follow => {
                let Some(target) = self.local_by_uri(inner.object_id()).await? else {
                    return Ok(());
                };
                let mut tx = self.db().begin().await.or_internal()?;
                self.end_follow(&mut tx, actor.id, target.id).await?;
                commit(tx).await
            }
            ActivityKind::Like => self.on_like(actor, inner, false).await,
            ActivityKind::Block => {
                if let Some(target) = self.local_by_uri(inner.object_id()).await? {
                    bonsai_db::blocks::remove(self.db().writer(), actor.id, target.id)
                        .await
                        .or_internal()?;
                }
                Ok(())
            }
            ActivityKind::Announce => {
                let Some(id) = inner.id() else { return Ok(()) };
                let Some(boost) = statuses::find_by_uri(self.db().reader(), id)
                    .await
                    .or_internal()?
                    .filter(|s| s.account_id == actor.id && s.reblog_of_id.is_some())
                else {
                    return Ok(());
                };
                let audience = self.stream_audience(&boost).await;
                let mut tx = self.db().begin().await.or_internal()?;
                if statuses::delete(&mut *tx, boost.id).await.or_internal()? {
                    if let Some(original) = boost.reblog_of_id {
                        statuses::bump(&mut *tx, original, StatusCounter::Reblogs, -1)
                            .await
                            .or_internal()?;
                    }
                }
                commit(tx).await?;
                self.stream_deleted(boost.id, audience);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn on_like(&self, actor: &Account, activity: &Activity, on: bool) -> Result<()> {
        let Some(uri) = activity.object_id() else {
            return Ok(());
        };
        let Some(status) = statuses::find_by_uri(self.db().reader(), uri)
            .await
            .or_internal()?
        else {
            return Ok(());
        };
        let mut tx = self.db().begin().await.or_internal()?;
        let mut note = None;
        let changed = if on {
            favourites::add(
                &mut *tx,
                self.next_id(),
                actor.id,
                status.id,
                Timestamp::now(),
            )
            .await
            .or_internal()?
        } else {
            favourites::remove(&mut *tx, actor.id, status.id)
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
            if on {
                let author = self.account(status.account_id).await?;
                note = self
                    .notify(
                        &mut tx,
                        &author,
                        actor.id,
                        NotificationKind::Favourite,
                        Some(status.id),
                    )
                    .await?;
            }
        }
        commit(tx).await?;
        self.stream_notifications(note.into_iter().collect()).await;
        Ok(())
    }

    /// An account moved: if the new account confirms it (`alsoKnownAs` names the old one),
    /// our local followers of the old account follow the new one instead.
    async fn on_move(&self, actor: &Account, activity: &Activity) -> Result<()> {
        if activity.object_id() != Some(actor.uri.as_str()) {
            return Err(Error::forbidden("an account can only move itself"));
        }
        let Some(target_uri) = activity.target_id() else {
            return Ok(());
        };
        let new_account = if let Some(local) = self.local_by_uri(Some(target_uri)).await? {
            // Moving to one of our accounts: its aliases are ours to read.
            if !local.also_known_as.contains(&actor.uri) {
                return Err(Error::forbidden(
                    "the new account does not confirm the move",
                ));
            }
            local
        } else {
            let doc = self.fetch_document(target_uri).await?;
            let Some(new_actor) = doc.as_actor().filter(|a| a.id() == target_uri) else {
                return Err(Error::forbidden("the move target is not an actor"));
            };
            if !new_actor.also_known_as().any(|aka| aka == actor.uri) {
                return Err(Error::forbidden(
                    "the new account does not confirm the move",
                ));
            }
            self.store_remote_actor(new_actor).await?
        };
        // As Mastodon: the old account now points at the new one (`moved` in the API).
        accounts::set_moved_to(
            self.db().writer(),
            actor.id,
            new_account.id,
            Timestamp::now(),
        )
        .await
        .or_internal()?;
        self.move_local_followers(actor, &new_account).await?;
        Ok(())
    }

    /// A remote account blocks one of ours: follows end both ways, and they stop seeing
    /// each other.
    async fn on_block(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(target) = self.local_by_uri(activity.object_id()).await? else {
            return Ok(());
        };
        let mut tx = self.db().begin().await.or_internal()?;
        bonsai_db::blocks::add(
            &mut *tx,
            self.next_id(),
            actor.id,
            target.id,
            activity.id().unwrap_or_default(),
            Timestamp::now(),
        )
        .await
        .or_internal()?;
        self.sever(&mut tx, actor, &target).await?;
        commit(tx).await
    }

    /// A boost of a status we know (boosts of unknown posts would need a fetch; skipped).
    async fn on_announce(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let (Some(id), Some(object)) = (activity.id(), activity.object_id()) else {
            return Ok(());
        };
        let db = self.db().reader();
        let Some(original) = statuses::find_by_uri(db, object).await.or_internal()? else {
            return Ok(());
        };
        if statuses::find_by_uri(db, id).await.or_internal()?.is_some()
            || !matches!(
                original.visibility,
                Visibility::Public | Visibility::Unlisted
            )
        {
            return Ok(());
        }
        let boost = Status {
            id: self.next_id(),
            uri: id.to_string(),
            url: id.to_string(),
            account_id: actor.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(original.id),
            content: String::new(),
            text: String::new(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility: if activity.is_public() {
                Visibility::Public
            } else {
                Visibility::Unlisted
            },
            language: None,
            application_id: None,
            local: false,
            replies_count: 0,
            reblogs_count: 0,
            favourites_count: 0,
            created_at: Timestamp::now(),
            edited_at: None,
        };
        let mut tx = self.db().begin().await.or_internal()?;
        statuses::insert(&mut *tx, &boost).await.or_internal()?;
        statuses::bump(&mut *tx, original.id, StatusCounter::Reblogs, 1)
            .await
            .or_internal()?;
        let author = self.account(original.account_id).await?;
        let note = self
            .notify(
                &mut tx,
                &author,
                actor.id,
                NotificationKind::Reblog,
                Some(original.id),
            )
            .await?;
        commit(tx).await?;
        self.stream_status(&boost, EventKind::Update).await;
        self.stream_notifications(note.into_iter().collect()).await;
        Ok(())
    }

    async fn on_delete(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(uri) = activity.object_id() else {
            return Ok(());
        };
        if uri == actor.uri {
            // The account itself is gone: so is everything we kept of it.
            let mut tx = self.db().begin().await.or_internal()?;
            bonsai_db::accounts::delete_remote(&mut tx, actor.id)
                .await
                .or_internal()?;
            return commit(tx).await;
        }
        if authority(uri) != actor.domain {
            return Err(Error::forbidden("deleting another server's object"));
        }
        let Some(status) = statuses::find_by_uri(self.db().reader(), uri)
            .await
            .or_internal()?
        else {
            // A Delete that overtakes its Create wins: remember the object as gone.
            activities::mark_processed(self.db().writer(), &tombstone(uri), Timestamp::now())
                .await
                .or_internal()?;
            return Ok(());
        };
        if status.account_id != actor.id {
            return Err(Error::forbidden("deleting someone else's status"));
        }
        let audience = self.stream_audience(&status).await;
        let mut tx = self.db().begin().await.or_internal()?;
        if statuses::delete(&mut *tx, status.id).await.or_internal()? {
            accounts::bump(&mut *tx, actor.id, Counter::Statuses, -1)
                .await
                .or_internal()?;
            if let Some(pid) = status.in_reply_to_id {
                statuses::bump(&mut *tx, pid, StatusCounter::Replies, -1)
                    .await
                    .or_internal()?;
            }
        }
        commit(tx).await?;
        self.stream_deleted(status.id, audience);
        Ok(())
    }

    async fn on_update(&self, actor: &Account, activity: &Activity) -> Result<()> {
        match activity.object() {
            Some(ObjectRef::Actor(a)) if a.id() == actor.uri => {
                self.store_remote_actor(a).await?;
            }
            Some(ObjectRef::Object(note)) => {
                // An edit: only the author's own, known post; the old text becomes history.
                let Some(uri) = note.id() else { return Ok(()) };
                let Some(old) = statuses::find_by_uri(self.db().reader(), uri)
                    .await
                    .or_internal()?
                    .filter(|s| s.account_id == actor.id)
                else {
                    return Ok(());
                };
                let now = Timestamp::now();
                let fresh = crate::convert::remote_note(note, uri, actor, "", old.id, now);
                let new = Status {
                    content: fresh.status.content,
                    spoiler_text: fresh.status.spoiler_text,
                    sensitive: note.sensitive.unwrap_or(old.sensitive),
                    edited_at: Some(now),
                    ..old.clone()
                };
                let mut tx = self.db().begin().await.or_internal()?;
                let old_media: Vec<(i64, Option<String>)> =
                    bonsai_db::media::of_statuses(&mut *tx, &[old.id])
                        .await
                        .or_internal()?
                        .into_iter()
                        .map(|m| (m.id, m.description))
                        .collect();
                statuses::edit(&mut tx, self.next_id(), &old, &old_media, &new, now)
                    .await
                    .or_internal()?;
                self.store_remote_emojis(&mut tx, &fresh.emojis, now)
                    .await?;
                // As Mastodon: the edit's attachments become the post's.
                self.store_remote_media(&mut tx, actor, old.id, &fresh.media, now)
                    .await?;
                commit(tx).await?;
                self.stream_status(&new, EventKind::StatusUpdate).await;
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_create(&self, actor: &Account, activity: &Activity) -> Result<()> {
        let Some(ObjectRef::Object(note)) = activity.object() else {
            return Ok(());
        };
        if !matches!(
            note.kind,
            ObjectKind::Note | ObjectKind::Article | ObjectKind::Page | ObjectKind::Question
        ) {
            return Ok(());
        }
        let Some(uri) = note.id() else { return Ok(()) };
        // A post from another server (forwarded or embedded) is believed only from its origin.
        if authority(uri) != actor.domain {
            self.resolve_status(uri).await?;
            return Ok(());
        }
        // Only the author may create their post.
        if note.attributed_to() != Some(actor.uri.as_str()) {
            return Err(Error::forbidden("object not by the actor"));
        }
        if activities::is_processed(self.db().reader(), &tombstone(uri))
            .await
            .or_internal()?
        {
            return Ok(());
        }
        if statuses::find_by_uri(self.db().reader(), uri)
            .await
            .or_internal()?
            .is_some()
        {
            return Ok(());
        }
        self.store_remote_note(actor, note, uri).await.map(|_| ())
    }

    /// Keeps the custom emoji a remote object carries, unless media from its server is
    /// rejected (emoji are media: Mastodon skips them too).
    pub(crate) async fn store_remote_emojis(
        &self,
        conn: &mut bonsai_db::Conn,
        list: &[CustomEmoji],
        now: Timestamp,
    ) -> Result<()> {
        for e in list {
            if e.domain
                .as_deref()
                .is_some_and(|d| self.config().rejects_media_from(d))
            {
                continue;
            }
            emojis::upsert_remote(&mut *conn, self.next_id(), e, now)
                .await
                .or_internal()?;
        }
        Ok(())
    }

    /// Makes `list` the attachments of remote status `status_id` (an edit replaces the set),
    /// unless media from its author's server is rejected: then it has none, as in Mastodon.
    pub(crate) async fn store_remote_media(
        &self,
        conn: &mut bonsai_db::Conn,
        author: &Account,
        status_id: i64,
        list: &[MediaAttachment],
        now: Timestamp,
    ) -> Result<()> {
        let rejected = author
            .domain
            .as_deref()
            .is_some_and(|d| self.config().rejects_media_from(d));
        let list: Vec<MediaAttachment> = if rejected {
            Vec::new()
        } else {
            list.iter()
                .map(|m| MediaAttachment {
                    id: self.next_id(),
                    status_id: Some(status_id),
                    account_id: author.id,
                    ..m.clone()
                })
                .collect()
        };
        media::replace(conn, status_id, &list, now)
            .await
            .or_internal()?;
        Ok(())
    }

    pub(crate) async fn store_remote_note(
        &self,
        actor: &Account,
        note: &Object,
        uri: &str,
    ) -> Result<Status> {
        let db = self.db().reader();
        let ep = accounts::endpoints(db, actor.id)
            .await
            .or_internal()?
            .unwrap_or_default();
        let now = Timestamp::now();
        let converted =
            crate::convert::remote_note(note, uri, actor, &ep.followers_url, self.next_id(), now);
        let parent = match converted.in_reply_to.as_deref() {
            Some(p) => statuses::find_by_uri(db, p).await.or_internal()?,
            None => None,
        };
        let status = Status {
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            ..converted.status
        };
        let id = status.id;
        let mut mentioned = Vec::new();
        for href in &converted.mentions {
            if let Some(local) = self.local_by_uri(Some(href)).await? {
                mentioned.push(local);
            }
        }
        let mut tx = self.db().begin().await.or_internal()?;
        statuses::insert(&mut *tx, &status).await.or_internal()?;
        let mut notes = Vec::new();
        for m in mentioned {
            statuses::insert_mention(&mut *tx, id, m.id)
                .await
                .or_internal()?;
            notes.extend(
                self.notify(&mut tx, &m, actor.id, NotificationKind::Mention, Some(id))
                    .await?,
            );
        }
        for name in &converted.hashtags {
            let tag = tags::upsert(&mut tx, self.next_id(), name, now)
                .await
                .or_internal()?;
            tags::link(&mut *tx, tag.id, id).await.or_internal()?;
        }
        self.store_remote_emojis(&mut tx, &converted.emojis, now)
            .await?;
        self.store_remote_media(&mut tx, actor, id, &converted.media, now)
            .await?;
        accounts::bump(&mut *tx, actor.id, Counter::Statuses, 1)
            .await
            .or_internal()?;
        if let Some(p) = &parent {
            statuses::bump(&mut *tx, p.id, StatusCounter::Replies, 1)
                .await
                .or_internal()?;
        }
        commit(tx).await?;
        self.stream_status(&status, EventKind::Update).await;
        self.stream_notifications(notes).await;
        Ok(status)
    }
}
