//! Favourites.

use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::int;
use bonsai_core::timestamp::Timestamp;

/// True when newly added.
pub async fn add<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    account_id: i64,
    status_id: i64,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO favourites (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, status_id) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(status_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// True when something was removed.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_id: i64,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND status_id = $2")
        .bind(account_id)
        .bind(status_id)
        .execute(e)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Of `status_ids`, those `account_id` has favourited.
pub async fn among<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_ids: &[i64],
) -> Result<Vec<i64>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT status_id FROM favourites WHERE account_id = ");
    q.bind(account_id).push(" AND status_id IN (");
    q.bind_ids(status_ids).push(")");
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| int(r, "status_id"))
        .collect()
}
