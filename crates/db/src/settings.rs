//! Instance-wide values stored in the database (`settings` table), by key.

use sqlx::{Any, Executor};

use crate::error::Result;
use bonsai_core::timestamp::Timestamp;

pub async fn get<'e, E: Executor<'e, Database = Any>>(e: E, key: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key.to_string())
            .fetch_optional(e)
            .await?,
    )
}

/// Stores `value` unless `key` already has one; returns whether it was stored. Two
/// processes racing to create a value both read back the same winner.
pub async fn insert_if_absent<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key: &str,
    value: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key.to_string())
    .bind(value.to_string())
    .bind(Timestamp::now().millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() == 1)
}
