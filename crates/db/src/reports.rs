//! Reports: filed by local users (API) or received from other servers (`Flag`).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{flag, int, opt_text, opt_time, text, time};
use bonsai_core::model::Page;
use bonsai_core::timestamp::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    /// Who reported: a local account, or the remote actor that sent the Flag.
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub rule_ids: Vec<i64>,
    pub comment: String,
    /// `spam`, `legal`, `violation` or `other`.
    pub category: String,
    pub forwarded: bool,
    /// The Flag's id: ours when forwarded, the sender's when received.
    pub uri: Option<String>,
    pub action_taken_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const COLS: &str = "id, account_id, target_account_id, status_ids, rule_ids, comment, category, \
                    forwarded, uri, action_taken_at, created_at";

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

fn split_ids(s: &str) -> Vec<i64> {
    s.split_whitespace()
        .filter_map(|i| i.parse().ok())
        .collect()
}

fn from_row(row: &AnyRow) -> Result<Report> {
    Ok(Report {
        id: int(row, "id")?,
        account_id: int(row, "account_id")?,
        target_account_id: int(row, "target_account_id")?,
        status_ids: split_ids(&text(row, "status_ids")?),
        rule_ids: split_ids(&text(row, "rule_ids")?),
        comment: text(row, "comment")?,
        category: text(row, "category")?,
        forwarded: flag(row, "forwarded")?,
        uri: opt_text(row, "uri")?,
        action_taken_at: opt_time(row, "action_taken_at")?,
        created_at: time(row, "created_at")?,
    })
}

/// Stores `r`; false when a report with the same `uri` exists already.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(e: E, r: &Report) -> Result<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO reports ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (uri) DO NOTHING"
    ))
    .bind(r.id)
    .bind(r.account_id)
    .bind(r.target_account_id)
    .bind(join_ids(&r.status_ids))
    .bind(join_ids(&r.rule_ids))
    .bind(r.comment.clone())
    .bind(r.category.clone())
    .bind(r.forwarded)
    .bind(r.uri.clone())
    .bind(r.action_taken_at.map(|t| t.millis()))
    .bind(r.created_at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<Option<Report>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM reports WHERE id = $1"))
        .bind(id)
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_uri<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
) -> Result<Option<Report>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM reports WHERE uri = $1"))
        .bind(uri.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A page of all reports, newest first (moderation).
pub async fn list<'e, E: Executor<'e, Database = Any>>(e: E, page: &Page) -> Result<Vec<Report>> {
    let mut q = Sql::new(&format!("SELECT {COLS} FROM reports WHERE 1 = 1"));
    q.page("id", page);
    let mut rows: Vec<Report> = q
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
