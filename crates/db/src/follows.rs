//! Follows and follow requests between accounts.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{flag, int, time};
use bonsai_core::model::{Follow, Page, Relationship};

const COLS: &str = "id, account_id, target_account_id, show_reblogs, notify, created_at";

fn from_row(row: &AnyRow) -> Result<Follow> {
    Ok(Follow {
        id: int(row, "id")?,
        account_id: int(row, "account_id")?,
        target_account_id: int(row, "target_account_id")?,
        show_reblogs: flag(row, "show_reblogs")?,
        notify: flag(row, "notify")?,
        created_at: time(row, "created_at")?,
    })
}

/// Which of the two tables: accepted follows, or pending requests to locked accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Follow,
    Request,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Follow => "follows",
            Kind::Request => "follow_requests",
        }
    }
}

/// Inserts or, when the pair exists, updates the options. Returns true when newly created.
pub async fn upsert(conn: &mut sqlx::AnyConnection, kind: Kind, f: &Follow) -> Result<bool> {
    let table = kind.table();
    let inserted = sqlx::query(&format!(
        "INSERT INTO {table} (id, account_id, target_account_id, show_reblogs, notify, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, target_account_id) DO NOTHING"
    ))
    .bind(f.id)
    .bind(f.account_id)
    .bind(f.target_account_id)
    .bind(f.show_reblogs)
    .bind(f.notify)
    .bind(f.created_at.millis())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if !inserted {
        sqlx::query(&format!(
            "UPDATE {table} SET show_reblogs = $3, notify = $4 \
             WHERE account_id = $1 AND target_account_id = $2"
        ))
        .bind(f.account_id)
        .bind(f.target_account_id)
        .bind(f.show_reblogs)
        .bind(f.notify)
        .execute(&mut *conn)
        .await?;
    }
    Ok(inserted)
}

/// Removes the pair and returns what was there.
pub async fn remove<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    account_id: i64,
    target_account_id: i64,
) -> Result<Option<Follow>> {
    let row = sqlx::query(&format!(
        "DELETE FROM {} WHERE account_id = $1 AND target_account_id = $2 RETURNING {COLS}",
        kind.table()
    ))
    .bind(account_id)
    .bind(target_account_id)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    account_id: i64,
    target_account_id: i64,
) -> Result<Option<Follow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM {} WHERE account_id = $1 AND target_account_id = $2",
        kind.table()
    ))
    .bind(account_id)
    .bind(target_account_id)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Which side of the pair a list is about.
#[derive(Debug, Clone, Copy)]
pub enum Side {
    /// Accounts that follow (or asked to follow) `account_id`.
    Followers,
    /// Accounts that `account_id` follows.
    Following,
}

/// A page of follow rows; pagination runs over the follow row's id, as in Mastodon.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    side: Side,
    account_id: i64,
    page: &Page,
) -> Result<Vec<Follow>> {
    let col = match side {
        Side::Followers => "target_account_id",
        Side::Following => "account_id",
    };
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM {} WHERE {col} = ",
        kind.table()
    ));
    q.bind(account_id).page("id", page);
    let mut rows: Vec<Follow> = q
        .fetch_all(e)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_>>()?;
    if page.ascending() {
        rows.reverse();
    }
    Ok(rows)
}

/// Relationships of `viewer` with each of `ids`, in the order of `ids`.
pub async fn relationships<'e, E>(e: E, viewer: i64, ids: &[i64]) -> Result<Vec<Relationship>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut out: Vec<Relationship> = ids
        .iter()
        .map(|&id| Relationship {
            id,
            ..Default::default()
        })
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    for kind in [Kind::Follow, Kind::Request] {
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM {} WHERE (account_id = ",
            kind.table()
        ));
        q.bind(viewer).push(" AND target_account_id IN (");
        q.bind_ids(ids).push(")) OR (target_account_id = ");
        q.bind(viewer).push(" AND account_id IN (");
        q.bind_ids(ids).push("))");
        for row in q.fetch_all(e).await? {
            let f = from_row(&row)?;
            for r in out.iter_mut() {
                if f.account_id == viewer && f.target_account_id == r.id {
                    match kind {
                        Kind::Follow => {
                            r.following = true;
                            r.showing_reblogs = f.show_reblogs;
                            r.notifying = f.notify;
                        }
                        Kind::Request => {
                            r.requested = true;
                            r.showing_reblogs = f.show_reblogs;
                            r.notifying = f.notify;
                        }
                    }
                }
                if f.target_account_id == viewer && f.account_id == r.id {
                    match kind {
                        Kind::Follow => r.followed_by = true,
                        Kind::Request => r.requested_by = true,
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Pending requests to `account_id`.
pub async fn count_requests_to<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM follow_requests WHERE target_account_id = $1")
            .bind(account_id)
            .fetch_one(e)
            .await?,
    )
}

/// A page of follow rows by position (ActivityPub collections number their pages).
pub async fn list_offset<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    side: Side,
    account_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<Follow>> {
    let col = match side {
        Side::Followers => "target_account_id",
        Side::Following => "account_id",
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM {} WHERE {col} = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        kind.table()
    ))
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The inboxes to deliver `account_id`'s posts to: one per remote server (its shared inbox
/// when it has one) among its accepted followers.
pub async fn follower_inboxes<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
) -> Result<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT CASE WHEN a.shared_inbox_url <> '' THEN a.shared_inbox_url ELSE a.inbox_url END \
         FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain <> '' AND a.inbox_url <> ''",
    )
    .bind(account_id)
    .fetch_all(e)
    .await?;
    Ok(rows)
}

/// Records the Follow activity's id on a follow or request.
pub async fn set_uri<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    account_id: i64,
    target_account_id: i64,
    uri: &str,
) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET uri = $3 WHERE account_id = $1 AND target_account_id = $2",
        kind.table()
    ))
    .bind(account_id)
    .bind(target_account_id)
    .bind(uri.to_string())
    .execute(e)
    .await?;
    Ok(())
}

/// The Follow activity's id of a follow or request ('' when unknown).
pub async fn uri_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    kind: Kind,
    account_id: i64,
    target_account_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT uri FROM {} WHERE account_id = $1 AND target_account_id = $2",
        kind.table()
    ))
    .bind(account_id)
    .bind(target_account_id)
    .fetch_optional(e)
    .await?)
}

/// Ids per `IN (…)` list in [`followers_among`]: well under both engines' bind limits.
const AMONG_CHUNK: usize = 500;

/// Of `ids`, the accounts that follow `target` (accepted follows only).
pub async fn followers_among<'e, E>(e: E, target: i64, ids: &[i64]) -> Result<Vec<i64>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(AMONG_CHUNK) {
        let mut q = Sql::new("SELECT account_id AS id FROM follows WHERE target_account_id = ");
        q.bind(target).push(" AND account_id IN (");
        q.bind_ids(chunk).push(")");
        for row in q.fetch_all(e).await? {
            out.push(int(&row, "id")?);
        }
    }
    Ok(out)
}
