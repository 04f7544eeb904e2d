//! The durable job queue. A job is enqueued in the same transaction as the write that
//! causes it; workers claim due jobs with a lease, so a crashed worker's jobs are taken over
//! when the lease runs out.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::pool::{Backend, Db};
use crate::query::Sql;
use crate::row::{int, opt_text, text, time};
use bonsai_core::timestamp::Timestamp;

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub queue: String,
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: Timestamp,
    pub last_error: Option<String>,
}

fn from_row(row: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: int(row, "id")?,
        queue: text(row, "queue")?,
        payload: text(row, "payload")?,
        attempts: int(row, "attempts")?,
        created_at: time(row, "created_at")?,
        last_error: opt_text(row, "last_error")?,
    })
}

/// Adds a job. Jobs with the same `group` in a queue run one at a time, in the order they
/// were enqueued (by id); `None` runs whenever a worker is free.
pub async fn enqueue<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    queue: &str,
    group: Option<&str>,
    payload: &str,
    run_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, queue, group_key, payload, attempts, run_at, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6)",
    )
    .bind(id)
    .bind(queue.to_string())
    .bind(group.map(str::to_string))
    .bind(payload.to_string())
    .bind(run_at.millis())
    .bind(Timestamp::now().millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Claims up to `limit` due jobs of `queue` for `lease_secs`. On PostgreSQL concurrent
/// workers skip each other's rows (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, so the
/// transaction alone serialises claims. A grouped job is claimed only when no other job of
/// its group is running and none enqueued before it is due — so at most one per group runs,
/// the oldest first (a job waiting for its retry does not hold the others back).
pub async fn claim(db: &Db, queue: &str, limit: i64, lease_secs: i64) -> Result<Vec<Job>> {
    let now = Timestamp::now();
    let mut tx = db.begin().await?;
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM jobs j WHERE queue = $1 AND failed_at IS NULL AND run_at <= $2 \
         AND (locked_until IS NULL OR locked_until < $2) \
         AND (group_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs k \
              WHERE k.queue = j.queue AND k.group_key = j.group_key AND k.id <> j.id \
              AND k.failed_at IS NULL \
              AND (k.locked_until >= $2 OR (k.id < j.id AND k.run_at <= $2)))) \
         ORDER BY run_at, id LIMIT $3{lock}"
    ))
    .bind(queue.to_string())
    .bind(now.millis())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let mut q = Sql::new("UPDATE jobs SET attempts = attempts + 1, locked_until = ");
    q.bind(now.plus_secs(lease_secs).millis());
    q.push(" WHERE id IN (")
        .bind_ids(&ids)
        .push(") RETURNING id, queue, payload, attempts, created_at, last_error");
    let rows = q.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut jobs: Vec<Job> = rows.iter().map(from_row).collect::<Result<_>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Done: the job is removed.
pub async fn complete<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(())
}

/// Try again at `run_at`.
pub async fn retry<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    run_at: Timestamp,
    error: &str,
) -> Result<()> {
    sqlx::query("UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(run_at.millis())
        .bind(truncate(error))
        .execute(e)
        .await?;
    Ok(())
}

/// Given up: kept (for inspection) but never claimed again.
pub async fn fail<'e, E: Executor<'e, Database = Any>>(e: E, id: i64, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET failed_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(Timestamp::now().millis())
    .bind(truncate(error))
    .execute(e)
    .await?;
    Ok(())
}

/// Jobs waiting (due or not) in `queue`, for metrics and tests.
pub async fn pending<'e, E: Executor<'e, Database = Any>>(e: E, queue: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = $1 AND failed_at IS NULL")
            .bind(queue.to_string())
            .fetch_one(e)
            .await?,
    )
}

/// The failed jobs of `queue`, newest first (bounded).
pub async fn failed<'e, E: Executor<'e, Database = Any>>(e: E, queue: &str) -> Result<Vec<Job>> {
    let rows = sqlx::query(
        "SELECT id, queue, payload, attempts, created_at, last_error FROM jobs \
         WHERE queue = $1 AND failed_at IS NOT NULL ORDER BY id DESC LIMIT 100",
    )
    .bind(queue.to_string())
    .fetch_all(e)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Makes the waiting jobs of `queue` due now (an operator's "retry now" after a peer's
/// outage), and with `failed_too` revives given-up jobs with a fresh count of attempts.
/// Jobs a worker holds right now are left to it. Returns how many jobs were touched.
pub async fn retry_now<'e, E: Executor<'e, Database = Any>>(
    e: E,
    queue: &str,
    failed_too: bool,
) -> Result<u64> {
    let now = Timestamp::now().millis();
    let which = if failed_too {
        ""
    } else {
        " AND failed_at IS NULL"
    };
    let done = sqlx::query(&format!(
        "UPDATE jobs SET run_at = $2, failed_at = NULL, \
         attempts = CASE WHEN failed_at IS NULL THEN attempts ELSE 0 END \
         WHERE queue = $1 AND (locked_until IS NULL OR locked_until < $2){which}"
    ))
    .bind(queue.to_string())
    .bind(now)
    .execute(e)
    .await?;
    Ok(done.rows_affected())
}

/// How one queue stands, for `bonsai admin jobs status` and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    pub queue: String,
    /// Not given up, whether due or scheduled for later.
    pub waiting: i64,
    /// Waiting and due now (queue lag shows here).
    pub due: i64,
    pub failed: i64,
    /// When the oldest waiting job was enqueued.
    pub oldest: Option<Timestamp>,
    /// Since when the longest-due job has been due: the queue's lag is now minus this.
    pub oldest_due: Option<Timestamp>,
}

pub async fn stats<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<Vec<QueueStats>> {
    let rows = sqlx::query(
        "SELECT queue, \
         SUM(CASE WHEN failed_at IS NULL THEN 1 ELSE 0 END) AS waiting, \
         SUM(CASE WHEN failed_at IS NULL AND run_at <= $1 THEN 1 ELSE 0 END) AS due, \
         SUM(CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END) AS failed, \
         MIN(CASE WHEN failed_at IS NULL THEN created_at END) AS oldest, \
         MIN(CASE WHEN failed_at IS NULL AND run_at <= $1 THEN run_at END) AS oldest_due \
         FROM jobs GROUP BY queue ORDER BY queue",
    )
    .bind(Timestamp::now().millis())
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(QueueStats {
                queue: text(r, "queue")?,
                waiting: int(r, "waiting")?,
                due: int(r, "due")?,
                failed: int(r, "failed")?,
                oldest: crate::row::opt_time(r, "oldest")?,
                oldest_due: crate::row::opt_time(r, "oldest_due")?,
            })
        })
        .collect()
}

fn truncate(s: &str) -> String {
    s.chars().take(1000).collect()
}
