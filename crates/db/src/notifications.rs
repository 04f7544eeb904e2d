//! Notifications of local accounts.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{int, opt_int, text, time};
use bonsai_core::model::Page;
use bonsai_core::timestamp::Timestamp;

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: Timestamp,
}

const COLS: &str = "id, account_id, from_account_id, kind, status_id, created_at";

fn from_row(row: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: int(row, "id")?,
        account_id: int(row, "account_id")?,
        from_account_id: int(row, "from_account_id")?,
        kind: text(row, "kind")?,
        status_id: opt_int(row, "status_id")?,
        created_at: time(row, "created_at")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(e: E, n: &Notification) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO notifications ({COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(n.id)
    .bind(n.account_id)
    .bind(n.from_account_id)
    .bind(n.kind.clone())
    .bind(n.status_id)
    .bind(n.created_at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// A page of `account_id`'s notifications, optionally only some kinds or without some.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    types: &[String],
    exclude: &[String],
    page: &Page,
) -> Result<Vec<Notification>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM notifications WHERE account_id = "
    ));
    q.bind(account_id);
    for (list, op) in [(types, "IN"), (exclude, "NOT IN")] {
        if list.is_empty() {
            continue;
        }
        q.push(&format!(" AND kind {op} ("));
        for (i, t) in list.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(t.clone());
        }
        q.push(")");
    }
    q.page("id", page);
    let mut rows: Vec<Notification> = q
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

pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    id: i64,
) -> Result<Option<Notification>> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM notifications WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn dismiss<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    id: i64,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(e)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn clear<'e, E: Executor<'e, Database = Any>>(e: E, account_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1")
        .bind(account_id)
        .execute(e)
        .await?;
    Ok(())
}
