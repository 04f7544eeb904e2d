//! Blocking accounts: a block ends follows both ways, hides each side's posts from the
//! other, stops follows and notifications between them, and tells the other server.

use serde_json::json;

use bonsai_core::model::{Account, Page, Relationship};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::accounts;
use bonsai_db::blocks;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::oauth::Viewer;
use crate::relationships::AccountPage;
use crate::Services;

impl Services {
    pub async fn block(&self, viewer: &Viewer, target_id: i64) -> Result<Relationship> {
        viewer.require("write:blocks")?;
        let me = viewer.account()?.clone();
        let target = self.account(target_id).await?;
        if target.id == me.id {
            return Err(Error::forbidden("This action is not allowed"));
        }
        let id = self.next_id();
        let uri = format!("{}#blocks/{id}", me.uri);
        let mut tx = self.db().begin().await.or_internal()?;
        let created = blocks::add(&mut *tx, id, me.id, target.id, &uri, Timestamp::now())
            .await
            .or_internal()?;
        self.sever(&mut tx, &me, &target).await?;
        if created && !target.is_local() {
            let activity = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": uri, "type": "Block", "actor": me.uri, "object": target.uri
            });
            let inbox = self.delivery_inbox_of(&mut tx, target.id).await?;
            self.enqueue_delivery(&mut tx, me.id, &inbox, &activity)
                .await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.relationship_with(me.id, target.id).await
    }

    pub async fn unblock(&self, viewer: &Viewer, target_id: i64) -> Result<Relationship> {
        viewer.require("write:blocks")?;
        let me = viewer.account()?.clone();
        let target = self.account(target_id).await?;
        let mut tx = self.db().begin().await.or_internal()?;
        if let Some(uri) = blocks::remove(&mut *tx, me.id, target.id)
            .await
            .or_internal()?
        {
            if !target.is_local() && !uri.is_empty() {
                let activity = json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{uri}/undo"), "type": "Undo", "actor": me.uri,
                    "object": { "id": uri, "type": "Block", "actor": me.uri, "object": target.uri }
                });
                let inbox = self.delivery_inbox_of(&mut tx, target.id).await?;
                self.enqueue_delivery(&mut tx, me.id, &inbox, &activity)
                    .await?;
            }
        }
        commit(tx).await?;
        self.job_signal().wake();
        self.relationship_with(me.id, target.id).await
    }

    pub async fn blocked_accounts(&self, viewer: &Viewer, page: &Page) -> Result<AccountPage> {
        viewer.require("read:blocks")?;
        let me = viewer.account()?.id;
        let rows = blocks::list(self.db().reader(), me, page)
            .await
            .or_internal()?;
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let found = accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?;
        let mut listed = Vec::with_capacity(rows.len());
        let mut cursor_ids = Vec::with_capacity(rows.len());
        for (block_id, account_id) in rows {
            if let Some(a) = found.iter().find(|a| a.id == account_id) {
                listed.push(a.clone());
                cursor_ids.push(block_id);
            }
        }
        Ok(AccountPage {
            accounts: self.account_views(listed).await?,
            cursor_ids,
        })
    }

    /// Ends follows and pending requests in both directions between `a` and `b`.
    pub(crate) async fn sever(
        &self,
        tx: &mut bonsai_db::Tx,
        a: &Account,
        b: &Account,
    ) -> Result<()> {
        self.end_follow(tx, a.id, b.id).await?;
        self.end_follow(tx, b.id, a.id).await?;
        Ok(())
    }

    /// Does either account block the other?
    pub(crate) async fn blocked_between(&self, a: i64, b: i64) -> Result<bool> {
        blocks::between(self.db().reader(), a, b)
            .await
            .or_internal()
    }
}
