//! Figures about this instance for `/api/v*/instance` and NodeInfo.

use bonsai_core::timestamp::Timestamp;
use bonsai_db::{accounts, statuses};

use crate::error::{DbResultExt, Result};
use crate::Services;

pub struct InstanceStats {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
}

impl Services {
    pub async fn instance_stats(&self) -> Result<InstanceStats> {
        let db = self.db().reader();
        let now = Timestamp::now();
        Ok(InstanceStats {
            user_count: accounts::count_local(db).await.or_internal()?,
            status_count: statuses::count_local(db).await.or_internal()?,
            domain_count: 0,
            active_month: accounts::count_local_active_since(db, now.plus_secs(-30 * 86400))
                .await
                .or_internal()?,
            active_halfyear: accounts::count_local_active_since(db, now.plus_secs(-180 * 86400))
                .await
                .or_internal()?,
        })
    }

    /// The first admin, who Mastodon shows as the instance's contact account.
    pub async fn contact_account(&self) -> Result<Option<bonsai_core::model::Account>> {
        for (account, user) in self.list_local_accounts().await? {
            if user.is_some_and(|u| u.role == bonsai_core::model::Role::Admin) {
                return Ok(Some(account));
            }
        }
        Ok(None)
    }
}
