//! Media attachments (Mastodon's `media_attachments`): remote posts' (rows point at the other
//! server's files) and local uploads (rows name files in the media store).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::{DbError, Result};
use crate::query::Sql;
use crate::row::{int, opt_int, opt_text, parsed, text, time};
use bonsai_core::model::{LocalFile, MediaAttachment, MediaMeta, Processing};
use bonsai_core::timestamp::Timestamp;

const COLS: &str = "id, status_id, account_id, type, content_type, remote_url, \
    thumbnail_remote_url, description, blurhash, meta, created_at, file_key, thumbnail_key, \
    file_size, processing, upload_path";

fn from_row(row: &AnyRow) -> Result<MediaAttachment> {
    let meta = text(row, "meta")?;
    let processing = match opt_text(row, "processing")? {
        None => Processing::Complete,
        Some(p) => p.parse().map_err(|_| DbError::Corrupt {
            column: "processing",
            detail: p,
        })?,
    };
    let file_key = opt_text(row, "file_key")?;
    let upload_path = opt_text(row, "upload_path")?;
    // A local upload has a file in the store, or a raw upload waiting, or failed processing.
    let local = file_key.is_some() || upload_path.is_some() || processing != Processing::Complete;
    let file = local.then(|| -> Result<LocalFile> {
        Ok(LocalFile {
            key: file_key.clone(),
            thumbnail_key: opt_text(row, "thumbnail_key")?,
            size: opt_int(row, "file_size")?,
            upload_path: upload_path.clone(),
            url: None,
            preview_url: None,
        })
    });
    Ok(MediaAttachment {
        id: int(row, "id")?,
        status_id: opt_int(row, "status_id")?,
        account_id: int(row, "account_id")?,
        kind: parsed(row, "type")?,
        content_type: opt_text(row, "content_type")?,
        remote_url: text(row, "remote_url")?,
        thumbnail_remote_url: opt_text(row, "thumbnail_remote_url")?,
        description: opt_text(row, "description")?,
        blurhash: opt_text(row, "blurhash")?,
        meta: serde_json::from_str(&meta).map_err(|_| DbError::Corrupt {
            column: "meta",
            detail: meta,
        })?,
        file: file.transpose()?,
        processing,
        created_at: time(row, "created_at")?,
    })
}

fn meta_json(meta: &MediaMeta) -> String {
    // Plain numbers and optional structs: serialising cannot fail.
    serde_json::to_string(meta).unwrap_or_else(|_| "{}".to_string())
}

/// Stores `m` at `position` among its status's attachments.
pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    e: E,
    m: &MediaAttachment,
    position: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO media_attachments (id, status_id, account_id, type, content_type, \
         remote_url, thumbnail_remote_url, description, blurhash, meta, position, created_at, \
         updated_at, file_key, thumbnail_key, file_size, processing, upload_path) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17)",
    )
    .bind(m.id)
    .bind(m.status_id)
    .bind(m.account_id)
    .bind(m.kind.as_str())
    .bind(m.content_type.clone())
    .bind(m.remote_url.clone())
    .bind(m.thumbnail_remote_url.clone())
    .bind(m.description.clone())
    .bind(m.blurhash.clone())
    .bind(meta_json(&m.meta))
    .bind(position)
    .bind(m.created_at.millis())
    .bind(m.file.as_ref().and_then(|f| f.key.clone()))
    .bind(m.file.as_ref().and_then(|f| f.thumbnail_key.clone()))
    .bind(m.file.as_ref().and_then(|f| f.size))
    .bind(m.file.as_ref().map(|_| m.processing.as_str().to_string()))
    .bind(m.file.as_ref().and_then(|f| f.upload_path.clone()))
    .execute(e)
    .await?;
    Ok(())
}

/// The attachments of each of `status_ids`, grouped by status, in each post's order.
pub async fn of_statuses<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_ids: &[i64],
) -> Result<Vec<MediaAttachment>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM media_attachments WHERE status_id IN ("
    ));
    q.bind_ids(status_ids);
    q.push(") ORDER BY status_id, position, id");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}

/// Makes `list` the attachments of `status_id`, in that order, as an edit does in Mastodon: an
/// attachment already there with the same `remote_url` keeps its id and takes the new
/// description, blurhash and meta; new ones are added with the ids they carry; the rest go.
/// Returns the attachments as stored.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    status_id: i64,
    list: &[MediaAttachment],
    at: Timestamp,
) -> Result<Vec<MediaAttachment>> {
    let previous = of_statuses(&mut *conn, &[status_id]).await?;
    let mut kept: Vec<MediaAttachment> = Vec::with_capacity(list.len());
    for (position, m) in list.iter().enumerate() {
        let position = position as i64;
        let reuse = previous
            .iter()
            .find(|p| p.remote_url == m.remote_url && !kept.iter().any(|k| k.id == p.id));
        match reuse {
            Some(p) => {
                sqlx::query(
                    "UPDATE media_attachments SET type = $2, content_type = $3, \
                     thumbnail_remote_url = $4, description = $5, blurhash = $6, meta = $7, \
                     position = $8, updated_at = $9 WHERE id = $1",
                )
                .bind(p.id)
                .bind(m.kind.as_str())
                .bind(m.content_type.clone())
                .bind(m.thumbnail_remote_url.clone())
                .bind(m.description.clone())
                .bind(m.blurhash.clone())
                .bind(meta_json(&m.meta))
                .bind(position)
                .bind(at.millis())
                .execute(&mut *conn)
                .await?;
                kept.push(MediaAttachment {
                    id: p.id,
                    status_id: Some(status_id),
                    account_id: p.account_id,
                    created_at: p.created_at,
                    ..m.clone()
                });
            }
            None => {
                let m = MediaAttachment {
                    status_id: Some(status_id),
                    ..m.clone()
                };
                insert(&mut *conn, &m, position).await?;
                kept.push(m);
            }
        }
    }
    // A post has a bounded number of attachments, so one statement each is fine.
    for gone in previous
        .iter()
        .filter(|p| !kept.iter().any(|k| k.id == p.id))
    {
        sqlx::query("DELETE FROM media_attachments WHERE id = $1")
            .bind(gone.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(kept)
}

/// One attachment by id, attached or not.
pub async fn find<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
) -> Result<Option<MediaAttachment>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM media_attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(e)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Those of `ids` that `account_id` uploaded and that no post uses (or, with `or_status`,
/// that this post uses already: an edit may keep them).
pub async fn own_unattached<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    ids: &[i64],
    or_status: Option<i64>,
) -> Result<Vec<MediaAttachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM media_attachments WHERE account_id = "
    ));
    q.bind(account_id);
    match or_status {
        Some(sid) => {
            q.push(" AND (status_id IS NULL OR status_id = ");
            q.bind(sid);
            q.push(")");
        }
        None => {
            q.push(" AND status_id IS NULL");
        }
    }
    q.push(" AND id IN (").bind_ids(ids).push(")");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}

/// Makes `ids` (in this order) the local attachments of `status_id`; ones it had before and
/// are not in `ids` are detached. Returns how many of `ids` were linked (the caller checked
/// them, in the same transaction).
pub async fn attach(
    conn: &mut sqlx::AnyConnection,
    status_id: i64,
    account_id: i64,
    ids: &[i64],
    at: Timestamp,
) -> Result<u64> {
    let mut q = Sql::new("UPDATE media_attachments SET status_id = NULL, updated_at = ");
    q.bind(at.millis());
    q.push(" WHERE status_id = ");
    q.bind(status_id);
    if !ids.is_empty() {
        q.push(" AND id NOT IN (").bind_ids(ids).push(")");
    }
    q.execute(&mut *conn).await?;
    let mut linked = 0;
    for (position, id) in ids.iter().enumerate() {
        linked += sqlx::query(
            "UPDATE media_attachments SET status_id = $1, position = $2, updated_at = $3 \
             WHERE id = $4 AND account_id = $5 AND (status_id IS NULL OR status_id = $1)",
        )
        .bind(status_id)
        .bind(position as i64)
        .bind(at.millis())
        .bind(*id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(linked)
}

/// Detaches a post's attachments (kept for a redraft, as Mastodon's `dependent: :nullify`).
pub async fn detach_all<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET status_id = NULL, updated_at = $2 WHERE status_id = $1",
    )
    .bind(status_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Records the processed files of a local upload: it is complete.
pub async fn set_processed<'e, E: Executor<'e, Database = Any>>(
    e: E,
    m: &MediaAttachment,
    at: Timestamp,
) -> Result<bool> {
    let file = m.file.clone().unwrap_or_default();
    let n = sqlx::query(
        "UPDATE media_attachments SET type = $2, content_type = $3, blurhash = $4, meta = $5, \
         file_key = $6, thumbnail_key = $7, file_size = $8, processing = 'complete', \
         upload_path = NULL, updated_at = $9 WHERE id = $1",
    )
    .bind(m.id)
    .bind(m.kind.as_str())
    .bind(m.content_type.clone())
    .bind(m.blurhash.clone())
    .bind(meta_json(&m.meta))
    .bind(file.key)
    .bind(file.thumbnail_key)
    .bind(file.size)
    .bind(at.millis())
    .execute(e)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Processing gave up: the raw upload is gone, the row says so.
pub async fn set_failed<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET processing = 'failed', upload_path = NULL, \
         updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// New alt text, focus (in `meta`) and preview of an attachment.
pub async fn update_details<'e, E: Executor<'e, Database = Any>>(
    e: E,
    m: &MediaAttachment,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE media_attachments SET description = $2, meta = $3, thumbnail_key = $4, \
         updated_at = $5 WHERE id = $1",
    )
    .bind(m.id)
    .bind(m.description.clone())
    .bind(meta_json(&m.meta))
    .bind(m.file.as_ref().and_then(|f| f.thumbnail_key.clone()))
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Removes an attachment row; whether it was there.
pub async fn delete<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM media_attachments WHERE id = $1")
        .bind(id)
        .execute(e)
        .await?
        .rows_affected()
        > 0)
}

/// Local uploads no post uses, untouched since `before`, oldest first, at most `limit`.
pub async fn unattached_before<'e, E: Executor<'e, Database = Any>>(
    e: E,
    before: Timestamp,
    limit: i64,
) -> Result<Vec<MediaAttachment>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM media_attachments WHERE status_id IS NULL AND updated_at < $1 \
         ORDER BY updated_at LIMIT $2"
    ))
    .bind(before.millis())
    .bind(limit)
    .fetch_all(e)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Attachments by id (any status or none), in no particular order.
pub async fn find_many<'e, E: Executor<'e, Database = Any>>(
    e: E,
    ids: &[i64],
) -> Result<Vec<MediaAttachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM media_attachments WHERE id IN ("
    ));
    q.bind_ids(ids);
    q.push(")");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}
