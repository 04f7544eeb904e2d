//! Figures about this instance for `/api/v*/instance` and NodeInfo.

use bonsai_core::timestamp::Timestamp;
use bonsai_db::{accounts, statuses, users};

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
        let db = self.db().reader();
        match users::first_admin_account_id(db).await.or_internal()? {
            Some(id) => accounts::find(db, id).await.or_internal(),
            None => Ok(None),
        }
    }
}

/// One week of `/api/v1/instance/activity`.
pub struct WeekActivity {
    /// Start of the week (Monday 00:00 UTC).
    pub week: Timestamp,
    pub statuses: i64,
    pub registrations: i64,
}

const WEEK_MS: i64 = 7 * 86_400_000;
/// The Unix epoch was a Thursday; weeks start on Monday, three days later.
const MONDAY_OFFSET_MS: i64 = 4 * 86_400_000;

impl Services {
    /// The last 12 weeks, newest first, as Mastodon reports them. Logins are not tracked.
    pub async fn instance_activity(&self) -> Result<Vec<WeekActivity>> {
        let db = self.db().reader();
        let now = Timestamp::now().millis();
        let this_week = now - (now - MONDAY_OFFSET_MS).rem_euclid(WEEK_MS);
        let mut out = Vec::with_capacity(12);
        for i in 0..12 {
            let from = Timestamp::from_millis(this_week - i * WEEK_MS);
            let to = Timestamp::from_millis(this_week - (i - 1) * WEEK_MS);
            out.push(WeekActivity {
                week: from,
                statuses: statuses::count_local_between(db, from, to)
                    .await
                    .or_internal()?,
                registrations: accounts::count_local_created_between(db, from, to)
                    .await
                    .or_internal()?,
            });
        }
        Ok(out)
    }
}
