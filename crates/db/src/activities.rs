//! Activity ids already processed: inbox handling is idempotent by activity id.

use sqlx::{Any, Executor};

use crate::error::Result;
use bonsai_core::timestamp::Timestamp;

/// Records `uri`; false when it was already there (a redelivery).
pub async fn mark_processed<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO processed_activities (uri, created_at) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING",
    )
    .bind(uri.to_string())
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn is_processed<'e, E: Executor<'e, Database = Any>>(e: E, uri: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_activities WHERE uri = $1")
        .bind(uri.to_string())
        .fetch_one(e)
        .await?;
    Ok(n > 0)
}
