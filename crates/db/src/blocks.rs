//! Account blocks.

use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::int;
use bonsai_core::model::Page;
use bonsai_core::timestamp::Timestamp;

/// True when newly blocked.
pub async fn add<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    account_id: i64,
    target_account_id: i64,
    uri: &str,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, target_account_id) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(target_account_id)
    .bind(uri.to_string())
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a block; returns its ActivityPub id when there was one.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    target_account_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING uri",
    )
    .bind(account_id)
    .bind(target_account_id)
    .fetch_optional(e)
    .await?)
}

/// Does either account block the other?
pub async fn between<'e, E: Executor<'e, Database = Any>>(e: E, a: i64, b: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM blocks WHERE (account_id = $1 AND target_account_id = $2) \
         OR (account_id = $2 AND target_account_id = $1)",
    )
    .bind(a)
    .bind(b)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// Of `ids`, those `viewer` blocks (`.0`) and those that block `viewer` (`.1`).
pub async fn among<'e, E>(e: E, viewer: i64, ids: &[i64]) -> Result<(Vec<i64>, Vec<i64>)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut q = Sql::new("SELECT target_account_id AS id FROM blocks WHERE account_id = ");
    q.bind(viewer).push(" AND target_account_id IN (");
    q.bind_ids(ids).push(")");
    let blocking = q
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| int(r, "id"))
        .collect::<Result<_>>()?;
    let mut q = Sql::new("SELECT account_id AS id FROM blocks WHERE target_account_id = ");
    q.bind(viewer).push(" AND account_id IN (");
    q.bind_ids(ids).push(")");
    let blocked_by = q
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| int(r, "id"))
        .collect::<Result<_>>()?;
    Ok((blocking, blocked_by))
}

/// A page of (block id, blocked account id), newest first.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    page: &Page,
) -> Result<Vec<(i64, i64)>> {
    let mut q = Sql::new("SELECT id, target_account_id FROM blocks WHERE account_id = ");
    q.bind(account_id).page("id", page);
    let mut rows: Vec<(i64, i64)> = q
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((int(r, "id")?, int(r, "target_account_id")?)))
        .collect::<Result<_>>()?;
    if page.ascending() {
        rows.reverse();
    }
    Ok(rows)
}

/// Ids per `IN (…)` list in [`any_with`]: well under both engines' bind limits.
const VIEWER_CHUNK: usize = 400;

/// Of `viewers`, those who block one of `accounts` or are blocked by one: everyone an event
/// about `accounts` must not reach, found in one query per chunk of viewers.
pub async fn any_with<'e, E>(e: E, viewers: &[i64], accounts: &[i64]) -> Result<Vec<i64>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut out = Vec::new();
    if accounts.is_empty() {
        return Ok(out);
    }
    for chunk in viewers.chunks(VIEWER_CHUNK) {
        let mut q = Sql::new("SELECT account_id AS id FROM blocks WHERE account_id IN (");
        q.bind_ids(chunk).push(") AND target_account_id IN (");
        q.bind_ids(accounts).push(")");
        q.push(" UNION SELECT target_account_id AS id FROM blocks WHERE target_account_id IN (");
        q.bind_ids(chunk).push(") AND account_id IN (");
        q.bind_ids(accounts).push(")");
        for row in q.fetch_all(e).await? {
            out.push(int(&row, "id")?);
        }
    }
    Ok(out)
}
