//! Statuses, their mentions, pins and idempotency keys.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{flag, int, opt_int, opt_text, opt_time, parsed, text, time};
use bonsai_core::model::{Mention, Status};
use bonsai_core::timestamp::Timestamp;

/// Columns of `statuses` aliased as `s`, for queries that join.
pub(crate) const COLS: &str = "s.id, s.uri, s.url, s.account_id, s.in_reply_to_id, \
    s.in_reply_to_account_id, s.reblog_of_id, s.content, s.text, s.spoiler_text, s.sensitive, \
    s.visibility, s.language, s.application_id, s.local, s.replies_count, s.reblogs_count, \
    s.favourites_count, s.created_at, s.edited_at";

/// Upper bound on how many replies a thread view loads.
const MAX_DESCENDANTS: i64 = 4096;

pub(crate) fn from_row(row: &AnyRow) -> Result<Status> {
    Ok(Status {
        id: int(row, "id")?,
        uri: text(row, "uri")?,
        url: text(row, "url")?,
        account_id: int(row, "account_id")?,
        in_reply_to_id: opt_int(row, "in_reply_to_id")?,
        in_reply_to_account_id: opt_int(row, "in_reply_to_account_id")?,
        reblog_of_id: opt_int(row, "reblog_of_id")?,
        content: text(row, "content")?,
        text: text(row, "text")?,
        spoiler_text: text(row, "spoiler_text")?,
        sensitive: flag(row, "sensitive")?,
        visibility: parsed(row, "visibility")?,
        language: opt_text(row, "language")?,
        application_id: opt_int(row, "application_id")?,
        local: flag(row, "local")?,
        replies_count: int(row, "replies_count")?,
        reblogs_count: int(row, "reblogs_count")?,
        favourites_count: int(row, "favourites_count")?,
        created_at: time(row, "created_at")?,
        edited_at: opt_time(row, "edited_at")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(e: E, s: &Status) -> Result<()> {
    sqlx::query(
        "INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id, \
         reblog_of_id, content, text, spoiler_text, sensitive, visibility, language, \
         application_id, local, created_at, edited_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(s.id)
    .bind(s.uri.clone())
    .bind(s.url.clone())
    .bind(s.account_id)
    .bind(s.in_reply_to_id)
    .bind(s.in_reply_to_account_id)
    .bind(s.reblog_of_id)
    .bind(s.content.clone())
    .bind(s.text.clone())
    .bind(s.spoiler_text.clone())
    .bind(s.sensitive)
    .bind(s.visibility.as_str())
    .bind(s.language.clone())
    .bind(s.application_id)
    .bind(s.local)
    .bind(s.created_at.millis())
    .bind(s.edited_at.map(Timestamp::millis))
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<Option<Status>> {
    let sql = format!("SELECT {COLS} FROM statuses s WHERE s.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(e).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_many<'e, E: Executor<'e, Database = Any>>(
    e: E,
    ids: &[i64],
) -> Result<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!("SELECT {COLS} FROM statuses s WHERE s.id IN ("));
    q.bind_ids(ids);
    q.push(")");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}

/// Deletes a status; replies keep their `in_reply_to_id` (as Mastodon does), reblogs go with it.
pub async fn delete<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM statuses WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every reply below `id`, at any depth, oldest first (bounded).
pub async fn descendants<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
) -> Result<Vec<Status>> {
    let sql = format!(
        "WITH RECURSIVE thread(id) AS ( \
           SELECT id FROM statuses WHERE in_reply_to_id = $1 \
           UNION SELECT c.id FROM statuses c JOIN thread t ON c.in_reply_to_id = t.id) \
         SELECT {COLS} FROM statuses s WHERE s.id IN (SELECT id FROM thread) \
         ORDER BY s.id LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(id)
        .bind(MAX_DESCENDANTS)
        .fetch_all(e)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn insert_mention<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_id: i64,
    account_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status_id)
    .bind(account_id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn mentions_of<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_ids: &[i64],
) -> Result<Vec<Mention>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT status_id, account_id FROM mentions WHERE status_id IN (");
    q.bind_ids(status_ids);
    q.push(") ORDER BY status_id, account_id");
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok(Mention {
                status_id: int(r, "status_id")?,
                account_id: int(r, "account_id")?,
            })
        })
        .collect()
}

pub async fn is_mentioned<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_id: i64,
    account_id: i64,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mentions WHERE status_id = $1 AND account_id = $2",
    )
    .bind(status_id)
    .bind(account_id)
    .fetch_one(e)
    .await?;
    Ok(n > 0)
}

/// Of `status_ids`, those pinned by their author.
pub async fn pinned_among<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_ids: &[i64],
) -> Result<Vec<i64>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT status_id FROM status_pins WHERE status_id IN (");
    q.bind_ids(status_ids);
    q.push(")");
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| int(r, "status_id"))
        .collect()
}

pub async fn pin<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO status_pins (account_id, status_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(status_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

pub async fn unpin<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_id: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2")
        .bind(account_id)
        .bind(status_id)
        .execute(e)
        .await?;
    Ok(())
}

pub async fn count_pins<'e, E: Executor<'e, Database = Any>>(e: E, account_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM status_pins WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(e)
            .await?,
    )
}

pub async fn find_idempotent<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    key: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2",
    )
    .bind(account_id)
    .bind(key.to_string())
    .fetch_optional(e)
    .await?)
}

pub async fn insert_idempotent<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    key: &str,
    status_id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (account_id, key, status_id, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(key.to_string())
    .bind(status_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

pub async fn count_local<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM statuses WHERE local = $1")
            .bind(true)
            .fetch_one(e)
            .await?,
    )
}

/// The viewer's reblog of `status_id`, if any.
pub async fn find_reblog<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_id: i64,
) -> Result<Option<Status>> {
    let sql =
        format!("SELECT {COLS} FROM statuses s WHERE s.account_id = $1 AND s.reblog_of_id = $2");
    let row = sqlx::query(&sql)
        .bind(account_id)
        .bind(status_id)
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Of `status_ids`, those `account_id` has reblogged.
pub async fn reblogged_among<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    status_ids: &[i64],
) -> Result<Vec<i64>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT reblog_of_id FROM statuses WHERE account_id = ");
    q.bind(account_id).push(" AND reblog_of_id IN (");
    q.bind_ids(status_ids).push(")");
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| int(r, "reblog_of_id"))
        .collect()
}

/// Which counter of a status to move.
#[derive(Debug, Clone, Copy)]
pub enum StatusCounter {
    Replies,
    Reblogs,
    Favourites,
}

pub async fn bump<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    counter: StatusCounter,
    delta: i64,
) -> Result<()> {
    let col = match counter {
        StatusCounter::Replies => "replies_count",
        StatusCounter::Reblogs => "reblogs_count",
        StatusCounter::Favourites => "favourites_count",
    };
    let sql = format!(
        "UPDATE statuses SET {col} = CASE WHEN {col} + $2 < 0 THEN 0 ELSE {col} + $2 END WHERE id = $1"
    );
    sqlx::query(&sql).bind(id).bind(delta).execute(e).await?;
    Ok(())
}

/// A status by its ActivityPub id or its web URL.
pub async fn find_by_uri_or_url<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
) -> Result<Option<Status>> {
    let sql = format!("SELECT {COLS} FROM statuses s WHERE s.uri = $1 OR s.url = $1 LIMIT 1");
    let row = sqlx::query(&sql)
        .bind(uri.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Local statuses created in `[from, to)`.
pub async fn count_local_between<'e, E: Executor<'e, Database = Any>>(
    e: E,
    from: Timestamp,
    to: Timestamp,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM statuses WHERE local = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(true)
    .bind(from.millis())
    .bind(to.millis())
    .fetch_one(e)
    .await?)
}

pub async fn find_by_uri<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
) -> Result<Option<Status>> {
    let sql = format!("SELECT {COLS} FROM statuses s WHERE s.uri = $1");
    let row = sqlx::query(&sql)
        .bind(uri.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// One earlier version of a status.
#[derive(Debug, Clone)]
pub struct Edit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// The version's attachments in order, with their alt text at the time.
    pub media: Vec<(i64, Option<String>)>,
    /// When this version was current from.
    pub created_at: Timestamp,
}

/// Keeps the current version of `s` as history, then replaces its text.
/// `media` is the version's attachments (id, alt text), kept with it.
pub async fn edit(
    conn: &mut sqlx::AnyConnection,
    edit_id: i64,
    s: &Status,
    media: &[(i64, Option<String>)],
    new: &Status,
    at: Timestamp,
) -> Result<()> {
    let (ids, descriptions): (Vec<String>, Vec<Option<String>>) = media
        .iter()
        .map(|(id, d)| (id.to_string(), d.clone()))
        .unzip();
    let (ids, descriptions) = if media.is_empty() {
        (None, None)
    } else {
        // Lists of strings: serialising cannot fail.
        (
            serde_json::to_string(&ids).ok(),
            serde_json::to_string(&descriptions).ok(),
        )
    };
    sqlx::query(
        "INSERT INTO status_edits (id, status_id, content, spoiler_text, sensitive, created_at, \
         media_attachment_ids, media_descriptions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(edit_id)
    .bind(s.id)
    .bind(s.content.clone())
    .bind(s.spoiler_text.clone())
    .bind(s.sensitive)
    .bind(s.edited_at.unwrap_or(s.created_at).millis())
    .bind(ids)
    .bind(descriptions)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE statuses SET content = $2, text = $3, spoiler_text = $4, sensitive = $5, \
         language = $6, edited_at = $7 WHERE id = $1",
    )
    .bind(s.id)
    .bind(new.content.clone())
    .bind(new.text.clone())
    .bind(new.spoiler_text.clone())
    .bind(new.sensitive)
    .bind(new.language.clone())
    .bind(at.millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Earlier versions, oldest first (bounded).
pub async fn edits<'e, E: Executor<'e, Database = Any>>(e: E, status_id: i64) -> Result<Vec<Edit>> {
    let rows = sqlx::query(
        "SELECT content, spoiler_text, sensitive, created_at, media_attachment_ids, \
         media_descriptions FROM status_edits WHERE status_id = $1 ORDER BY id LIMIT 100",
    )
    .bind(status_id)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| {
            let ids: Vec<String> = opt_text(r, "media_attachment_ids")?
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default();
            let descriptions: Vec<Option<String>> = opt_text(r, "media_descriptions")?
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default();
            let media = ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    let d = descriptions.get(i).cloned().flatten();
                    id.parse().ok().map(|id| (id, d))
                })
                .collect();
            Ok(Edit {
                content: text(r, "content")?,
                spoiler_text: text(r, "spoiler_text")?,
                sensitive: flag(r, "sensitive")?,
                media,
                created_at: time(r, "created_at")?,
            })
        })
        .collect()
}

/// Replaces the tags of a status (after an edit).
pub async fn clear_tags<'e, E: Executor<'e, Database = Any>>(e: E, status_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM status_tags WHERE status_id = $1")
        .bind(status_id)
        .execute(e)
        .await?;
    Ok(())
}

/// Whose replies a `replies` collection page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepliesBy {
    /// The parent's author replying to themself.
    Author(i64),
    /// Everyone but the parent's author.
    Others(i64),
}

/// Public and unlisted replies to `parent_id`, oldest first, above `min_id`: the pages of an
/// ActivityPub `replies` collection.
pub async fn public_replies<'e, E: Executor<'e, Database = Any>>(
    e: E,
    parent_id: i64,
    by: RepliesBy,
    min_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Status>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s WHERE s.in_reply_to_id = "
    ));
    q.bind(parent_id);
    q.push(" AND s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted')");
    match by {
        RepliesBy::Author(a) => q.push(" AND s.account_id = ").bind(a),
        RepliesBy::Others(a) => q.push(" AND s.account_id <> ").bind(a),
    };
    if let Some(min) = min_id {
        q.push(" AND s.id > ").bind(min);
    }
    q.push(" ORDER BY s.id ASC LIMIT ").bind(limit);
    q.fetch_all(e).await?.iter().map(from_row).collect()
}
