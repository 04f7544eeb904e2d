//! Follows, follow requests for locked accounts, and relationship lookups.

use bonsai_core::model::{Follow, Page, Relationship};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::accounts::{self, Counter};
use bonsai_db::follows::{self, Kind};

/// Which list of an account: its followers or those it follows.
pub use bonsai_db::follows::Side;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::notifications::Kind as NotificationKind;
use crate::oauth::Viewer;
use crate::views::AccountView;
use crate::Services;

/// Most ids one `relationships` call answers for.
const MAX_RELATIONSHIPS: usize = 80;

pub struct FollowOptions {
    pub reblogs: Option<bool>,
    pub notify: Option<bool>,
}

/// A page of accounts plus the ids pagination runs over (follow or request ids).
pub struct AccountPage {
    pub accounts: Vec<AccountView>,
    pub cursor_ids: Vec<i64>,
}

impl Services {
    pub async fn follow(
        &self,
        viewer: &Viewer,
        target_id: i64,
        opts: FollowOptions,
    ) -> Result<Relationship> {
        viewer.require("write:follows")?;
        let me = viewer.account()?.clone();
        let target = self.account(target_id).await?;
        self.follow_as(&me, &target, opts).await
    }

    /// `me` (local) follows `target`: a follow at once, or a request for locked and remote
    /// accounts (sent to the remote server as a Follow).
    pub(crate) async fn follow_as(
        &self,
        me_account: &bonsai_core::model::Account,
        target: &bonsai_core::model::Account,
        opts: FollowOptions,
    ) -> Result<Relationship> {
        let me = me_account.id;
        if target.id == me
            || self.blocked_between(me, target.id).await?
            || self.domain_blocks_account(me, target).await?
        {
            return Err(Error::forbidden("This action is not allowed"));
        }
        let db = self.db().reader();
        let existing = follows::find(db, Kind::Follow, me, target.id)
            .await
            .or_internal()?;
        let pending = follows::find(db, Kind::Request, me, target.id)
            .await
            .or_internal()?;
        let current = existing.or(pending);
        let f = Follow {
            id: self.next_id(),
            account_id: me,
            target_account_id: target.id,
            show_reblogs: opts
                .reblogs
                .unwrap_or(current.is_none_or(|c| c.show_reblogs)),
            notify: opts.notify.unwrap_or(current.is_some_and(|c| c.notify)),
            created_at: Timestamp::now(),
        };
        let mut tx = self.db().begin().await.or_internal()?;
        // Already following: only the options change. Locked targets get a request, and so
        // does every remote account until its server accepts.
        let kind = if existing.is_some() || (!target.locked && target.is_local()) {
            Kind::Follow
        } else {
            Kind::Request
        };
        let created = follows::upsert(&mut tx, kind, &f).await.or_internal()?;
        let mut note = None;
        if created && kind == Kind::Request && !target.is_local() {
            let uri = format!("{}#follows/{}", me_account.uri, f.id);
            follows::set_uri(&mut *tx, Kind::Request, me, target.id, &uri)
                .await
                .or_internal()?;
            let activity = serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": uri,
                "type": "Follow",
                "actor": me_account.uri,
                "object": target.uri
            });
            let inbox = self.delivery_inbox_of(&mut tx, target.id).await?;
            self.enqueue_delivery(&mut tx, me, &inbox, &activity)
                .await?;
        }
        if created && target.is_local() {
            let n = if kind == Kind::Follow {
                NotificationKind::Follow
            } else {
                NotificationKind::FollowRequest
            };
            note = self.notify(&mut tx, target, me, n, None).await?;
        }
        if created && kind == Kind::Follow {
            accounts::bump(&mut *tx, me, Counter::Following, 1)
                .await
                .or_internal()?;
            accounts::bump(&mut *tx, target.id, Counter::Followers, 1)
                .await
                .or_internal()?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.stream_notifications(note.into_iter().collect()).await;
        self.relationship_with(me, target.id).await
    }

    /// Ends `from`'s follow of (or pending request to) `to`, keeping the counters right.
    /// True when there was a follow.
    pub(crate) async fn end_follow(
        &self,
        conn: &mut bonsai_db::Conn,
        from: i64,
        to: i64,
    ) -> Result<bool> {
        follows::remove(&mut *conn, Kind::Request, from, to)
            .await
            .or_internal()?;
        let ended = follows::remove(&mut *conn, Kind::Follow, from, to)
            .await
            .or_internal()?
            .is_some();
        if ended {
            accounts::bump(&mut *conn, from, Counter::Following, -1)
                .await
                .or_internal()?;
            accounts::bump(&mut *conn, to, Counter::Followers, -1)
                .await
                .or_internal()?;
        }
        Ok(ended)
    }

    pub async fn unfollow(&self, viewer: &Viewer, target_id: i64) -> Result<Relationship> {
        viewer.require("write:follows")?;
        let me = viewer.account()?.id;
        let target = self.account(target_id).await?;
        let mut tx = self.db().begin().await.or_internal()?;
        if !target.is_local() {
            let uri = match follows::uri_of(&mut *tx, Kind::Follow, me, target.id)
                .await
                .or_internal()?
            {
                Some(u) if !u.is_empty() => Some(u),
                _ => follows::uri_of(&mut *tx, Kind::Request, me, target.id)
                    .await
                    .or_internal()?,
            };
            if let Some(uri) = uri.filter(|u| !u.is_empty()) {
                let me_uri = &viewer.account()?.uri;
                let undo = serde_json::json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{uri}/undo"),
                    "type": "Undo",
                    "actor": me_uri,
                    "object": { "id": uri, "type": "Follow", "actor": me_uri, "object": target.uri }
                });
                let inbox = self.delivery_inbox_of(&mut tx, target.id).await?;
                self.enqueue_delivery(&mut tx, me, &inbox, &undo).await?;
            }
        }
        self.end_follow(&mut tx, me, target.id).await?;
        commit(tx).await?;
        self.job_signal().wake();
        self.relationship_with(me, target.id).await
    }

    /// Accepts a pending request from `requester_id` to the viewer.
    pub async fn authorize_follow_request(
        &self,
        viewer: &Viewer,
        requester_id: i64,
    ) -> Result<Relationship> {
        viewer.require("write:follows")?;
        let me = viewer.account()?.id;
        let mut tx = self.db().begin().await.or_internal()?;
        let follow_uri = follows::uri_of(&mut *tx, Kind::Request, requester_id, me)
            .await
            .or_internal()?
            .unwrap_or_default();
        let request = follows::remove(&mut *tx, Kind::Request, requester_id, me)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        let requester = self.account(requester_id).await?;
        if !requester.is_local() && !follow_uri.is_empty() {
            let accept = self.accept_activity(viewer.account()?, &requester, &follow_uri);
            let inbox = self.delivery_inbox_of(&mut tx, requester.id).await?;
            self.enqueue_delivery(&mut tx, me, &inbox, &accept).await?;
        }
        let follow = Follow {
            id: self.next_id(),
            created_at: Timestamp::now(),
            ..request
        };
        if follows::upsert(&mut tx, Kind::Follow, &follow)
            .await
            .or_internal()?
        {
            accounts::bump(&mut *tx, requester_id, Counter::Following, 1)
                .await
                .or_internal()?;
            accounts::bump(&mut *tx, me, Counter::Followers, 1)
                .await
                .or_internal()?;
        }
        if !follow_uri.is_empty() {
            follows::set_uri(&mut *tx, Kind::Follow, requester_id, me, &follow_uri)
                .await
                .or_internal()?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.relationship_with(me, requester_id).await
    }

    pub async fn reject_follow_request(
        &self,
        viewer: &Viewer,
        requester_id: i64,
    ) -> Result<Relationship> {
        viewer.require("write:follows")?;
        let me = viewer.account()?.id;
        follows::remove(self.db().writer(), Kind::Request, requester_id, me)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        self.relationship_with(me, requester_id).await
    }

    pub async fn follow_requests(&self, viewer: &Viewer, page: &Page) -> Result<AccountPage> {
        viewer.require("read:follows")?;
        let me = viewer.account()?.id;
        let rows = follows::list(self.db().reader(), Kind::Request, Side::Followers, me, page)
            .await
            .or_internal()?;
        self.account_page(rows, |f| f.account_id).await
    }

    /// Who follows account `id` (`Side::Followers`) or whom it follows (`Side::Following`).
    pub async fn follow_list(
        &self,
        viewer: Option<&Viewer>,
        id: i64,
        side: Side,
        page: &Page,
    ) -> Result<AccountPage> {
        if let Some(v) = viewer {
            v.require("read:accounts")?;
        }
        let account = self.account(id).await?;
        let rows = follows::list(self.db().reader(), Kind::Follow, side, account.id, page)
            .await
            .or_internal()?;
        let pick = match side {
            Side::Followers => |f: &Follow| f.account_id,
            Side::Following => |f: &Follow| f.target_account_id,
        };
        self.account_page(rows, pick).await
    }

    async fn account_page(
        &self,
        rows: Vec<Follow>,
        pick: fn(&Follow) -> i64,
    ) -> Result<AccountPage> {
        let ids: Vec<i64> = rows.iter().map(pick).collect();
        let found = accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?;
        let mut listed = Vec::with_capacity(rows.len());
        let mut cursor_ids = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(a) = found.iter().find(|a| a.id == pick(row)) {
                listed.push(a.clone());
                cursor_ids.push(row.id);
            }
        }
        Ok(AccountPage {
            accounts: self.account_views(listed).await?,
            cursor_ids,
        })
    }

    pub async fn relationships(&self, viewer: &Viewer, ids: &[i64]) -> Result<Vec<Relationship>> {
        viewer.require("read:follows")?;
        let me = viewer.account()?.id;
        let mut ids: Vec<i64> = ids.iter().copied().take(MAX_RELATIONSHIPS).collect();
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        // Unknown ids are left out, as Mastodon does.
        let known: Vec<i64> = accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?
            .iter()
            .map(|a| a.id)
            .collect();
        ids.retain(|id| known.contains(id));
        let mut rels = follows::relationships(self.db().reader(), me, &ids)
            .await
            .or_internal()?;
        self.add_blocks(me, &mut rels).await?;
        Ok(rels)
    }

    async fn add_blocks(&self, me: i64, rels: &mut [Relationship]) -> Result<()> {
        let ids: Vec<i64> = rels.iter().map(|r| r.id).collect();
        let (blocking, blocked_by) = bonsai_db::blocks::among(self.db().reader(), me, &ids)
            .await
            .or_internal()?;
        let domain_blocked = bonsai_db::domain_blocks::among(self.db().reader(), me, &ids)
            .await
            .or_internal()?;
        for r in rels.iter_mut() {
            r.blocking = blocking.contains(&r.id);
            r.blocked_by = blocked_by.contains(&r.id);
            r.domain_blocking = domain_blocked.contains(&r.id);
        }
        Ok(())
    }

    /// One relationship, as the follow/block endpoints answer.
    pub(crate) async fn relationship_with(&self, me: i64, other: i64) -> Result<Relationship> {
        let mut rels = follows::relationships(self.db().reader(), me, &[other])
            .await
            .or_internal()?;
        self.add_blocks(me, &mut rels).await?;
        rels.pop().ok_or_else(Error::internal)
    }

    pub async fn pending_request_count(&self, viewer: &Viewer) -> Result<i64> {
        let me = viewer.account()?.id;
        follows::count_requests_to(self.db().reader(), me)
            .await
            .or_internal()
    }
}
