//! Local objects that were deleted: their ids keep answering `410 Gone`, as a Tombstone.

use sqlx::{Any, Executor};

use crate::error::Result;
use bonsai_core::timestamp::Timestamp;

/// Remembers that `uri` (a local object of `account_id`) was deleted.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
    account_id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tombstones (uri, account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (uri) DO NOTHING",
    )
    .bind(uri.to_string())
    .bind(account_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Whether `uri` was deleted here.
pub async fn exists<'e, E: Executor<'e, Database = Any>>(e: E, uri: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tombstones WHERE uri = $1")
        .bind(uri.to_string())
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}
