//! A user's own domain blocks (Mastodon's `account_domain_blocks`). Domains are stored as
//! remote accounts' `domain` column holds them (`host` or `host:port`, lower case) and match
//! exactly, as in Mastodon.

use sqlx::{Any, Executor};

use crate::error::Result;
use crate::follows::Kind;
use crate::query::Sql;
use crate::row::{int, text};
use bonsai_core::model::Page;
use bonsai_core::timestamp::Timestamp;

/// True when newly blocked.
pub async fn add<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    account_id: i64,
    domain: &str,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, domain) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(domain.to_string())
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// True when there was a block.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    domain: &str,
) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2")
            .bind(account_id)
            .bind(domain.to_string())
            .execute(e)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Does `account_id` block `domain`?
pub async fn blocks<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    domain: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account_domain_blocks WHERE account_id = $1 AND domain = $2",
    )
    .bind(account_id)
    .bind(domain.to_string())
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// Is `other` (an account id) on a server `account_id` blocks?
pub async fn blocks_account<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    other: i64,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account_domain_blocks d JOIN accounts a ON a.domain = d.domain \
         WHERE d.account_id = $1 AND a.id = $2",
    )
    .bind(account_id)
    .bind(other)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// Of `ids`, the accounts on servers `viewer` blocks.
pub async fn among<'e, E: Executor<'e, Database = Any>>(
    e: E,
    viewer: i64,
    ids: &[i64],
) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT a.id AS id FROM accounts a JOIN account_domain_blocks d ON d.domain = a.domain \
         WHERE d.account_id = ",
    );
    q.bind(viewer).push(" AND a.id IN (");
    q.bind_ids(ids).push(")");
    q.fetch_all(e).await?.iter().map(|r| int(r, "id")).collect()
}

/// A page of (block id, domain), newest first.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    page: &Page,
) -> Result<Vec<(i64, String)>> {
    let mut q = Sql::new("SELECT id, domain FROM account_domain_blocks WHERE account_id = ");
    q.bind(account_id).page("id", page);
    let mut rows: Vec<(i64, String)> = q
        .fetch_all(e)
        .await?
        .iter()
        .map(|r| Ok((int(r, "id")?, text(r, "domain")?)))
        .collect::<Result<_>>()?;
    if page.ascending() {
        rows.reverse();
    }
    Ok(rows)
}

/// Which side of a follow `account_id` is on, for [`follows_with_domain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `account_id` follows (or asked to follow) accounts on the domain.
    Outgoing,
    /// Accounts on the domain follow (or asked to follow) `account_id`.
    Incoming,
}

/// Follows (`Kind::Follow`) or requests (`Kind::Request`) between `account_id` and accounts on
/// `domain`: (the other account's id, the Follow activity's id or `''`), at most `limit`.
pub async fn follows_with_domain<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    direction: Direction,
    account_id: i64,
    domain: &str,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let table = match kind {
        Kind::Follow => "follows",
        Kind::Request => "follow_requests",
    };
    let (mine, theirs) = match direction {
        Direction::Outgoing => ("account_id", "target_account_id"),
        Direction::Incoming => ("target_account_id", "account_id"),
    };
    let rows = sqlx::query(&format!(
        "SELECT f.{theirs} AS other, f.uri AS uri FROM {table} f \
         JOIN accounts a ON a.id = f.{theirs} \
         WHERE f.{mine} = $1 AND a.domain = $2 ORDER BY f.id LIMIT $3"
    ))
    .bind(account_id)
    .bind(domain.to_string())
    .bind(limit)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| Ok((int(r, "other")?, text(r, "uri")?)))
        .collect()
}

/// Deletes `account_id`'s notifications from accounts on `domain`.
pub async fn clear_notifications_from<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    domain: &str,
) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id IN \
         (SELECT id FROM accounts WHERE domain = $2)",
    )
    .bind(account_id)
    .bind(domain.to_string())
    .execute(e)
    .await?;
    Ok(done.rows_affected())
}

/// Ids per `IN (…)` list in [`blocking_any`].
const VIEWER_CHUNK: usize = 400;

/// Of `viewers`, those who block one of `domains` (as stored: lower case, with any port).
pub async fn blocking_any<'e, E>(e: E, viewers: &[i64], domains: &[String]) -> Result<Vec<i64>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut out = Vec::new();
    if domains.is_empty() {
        return Ok(out);
    }
    for chunk in viewers.chunks(VIEWER_CHUNK) {
        let mut q = Sql::new(
            "SELECT DISTINCT account_id AS id FROM account_domain_blocks WHERE account_id IN (",
        );
        q.bind_ids(chunk).push(") AND domain IN (");
        for (i, d) in domains.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(d.clone());
        }
        q.push(")");
        for row in q.fetch_all(e).await? {
            out.push(int(&row, "id")?);
        }
    }
    Ok(out)
}
