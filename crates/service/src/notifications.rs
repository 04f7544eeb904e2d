//! Notifications: created in the same transaction as what causes them (a follow, a
//! mention, a favourite, a boost), for local recipients only, never for oneself.

use bonsai_core::model::{Account, Page};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::notifications::{self, Notification};
use bonsai_db::{accounts, statuses};

use crate::error::{DbResultExt, Error, Result};
use crate::oauth::Viewer;
use crate::views::{AccountView, StatusView};
use crate::Services;

/// The kinds Bonsai creates today (Mastodon's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Follow,
    FollowRequest,
    Mention,
    Favourite,
    Reblog,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Follow => "follow",
            Kind::FollowRequest => "follow_request",
            Kind::Mention => "mention",
            Kind::Favourite => "favourite",
            Kind::Reblog => "reblog",
        }
    }
}

#[derive(Debug)]
pub struct NotificationView {
    pub notification: Notification,
    pub account: AccountView,
    pub status: Option<StatusView>,
}

impl Services {
    /// Records a notification for `recipient` (if local and not `from` itself) and returns
    /// it, for the caller to stream once its transaction commits.
    pub(crate) async fn notify(
        &self,
        conn: &mut bonsai_db::Conn,
        recipient: &Account,
        from: i64,
        kind: Kind,
        status_id: Option<i64>,
    ) -> Result<Option<Notification>> {
        if !recipient.is_local()
            || recipient.id == from
            || bonsai_db::blocks::between(&mut *conn, recipient.id, from)
                .await
                .or_internal()?
        {
            return Ok(None);
        }
        if self.notification_filtered(conn, recipient.id, from).await? {
            return Ok(None);
        }
        let n = Notification {
            id: self.next_id(),
            account_id: recipient.id,
            from_account_id: from,
            kind: kind.as_str().to_string(),
            status_id,
            created_at: Timestamp::now(),
        };
        notifications::insert(&mut *conn, &n).await.or_internal()?;
        Ok(Some(n))
    }

    /// Mastodon drops a notification from an account the recipient does not follow when
    /// the recipient blocks its server, or when its server is silenced (limited) here.
    async fn notification_filtered(
        &self,
        conn: &mut bonsai_db::Conn,
        recipient: i64,
        from: i64,
    ) -> Result<bool> {
        let Some(sender) = accounts::find(&mut *conn, from).await.or_internal()? else {
            return Ok(false);
        };
        let Some(domain) = sender.domain.as_deref() else {
            return Ok(false);
        };
        let limited = self.config().silences(domain)
            || bonsai_db::domain_blocks::blocks(&mut *conn, recipient, domain)
                .await
                .or_internal()?;
        if !limited {
            return Ok(false);
        }
        let follows = bonsai_db::follows::find(
            &mut *conn,
            bonsai_db::follows::Kind::Follow,
            recipient,
            from,
        )
        .await
        .or_internal()?
        .is_some();
        Ok(!follows)
    }

    pub async fn notifications(
        &self,
        viewer: &Viewer,
        types: &[String],
        exclude: &[String],
        page: &Page,
    ) -> Result<Vec<NotificationView>> {
        viewer.require("read:notifications")?;
        let me = viewer.account()?.id;
        let list = notifications::list(self.db().reader(), me, types, exclude, page)
            .await
            .or_internal()?;
        self.notification_views(list, me).await
    }

    pub async fn notification(&self, viewer: &Viewer, id: i64) -> Result<NotificationView> {
        viewer.require("read:notifications")?;
        let me = viewer.account()?.id;
        let n = notifications::find(self.db().reader(), me, id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        self.notification_views(vec![n], me)
            .await?
            .pop()
            .ok_or_else(Error::not_found)
    }

    pub async fn dismiss_notification(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require("write:notifications")?;
        let me = viewer.account()?.id;
        if notifications::dismiss(self.db().writer(), me, id)
            .await
            .or_internal()?
        {
            Ok(())
        } else {
            Err(Error::not_found())
        }
    }

    pub async fn clear_notifications(&self, viewer: &Viewer) -> Result<()> {
        viewer.require("write:notifications")?;
        let me = viewer.account()?.id;
        notifications::clear(self.db().writer(), me)
            .await
            .or_internal()
    }

    pub(crate) async fn notification_views(
        &self,
        list: Vec<Notification>,
        me: i64,
    ) -> Result<Vec<NotificationView>> {
        let db = self.db().reader();
        let mut from_ids: Vec<i64> = list.iter().map(|n| n.from_account_id).collect();
        from_ids.sort_unstable();
        from_ids.dedup();
        let from = self
            .account_views(accounts::find_many(db, &from_ids).await.or_internal()?)
            .await?;
        let status_ids: Vec<i64> = list.iter().filter_map(|n| n.status_id).collect();
        let found = statuses::find_many(db, &status_ids).await.or_internal()?;
        let views = self.status_views(found, Some(me)).await?;
        Ok(list
            .into_iter()
            .filter_map(|n| {
                let account = from
                    .iter()
                    .find(|a| a.account.id == n.from_account_id)?
                    .clone();
                let status = match n.status_id {
                    Some(sid) => Some(views.iter().find(|v| v.status.id == sid)?.clone()),
                    None => None,
                };
                Some(NotificationView {
                    notification: n,
                    account,
                    status,
                })
            })
            .collect())
    }
}
