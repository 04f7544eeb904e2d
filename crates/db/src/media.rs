//! Media attachments of statuses (Mastodon's `media_attachments`). Only remote ones for now:
//! rows point at the other server's files.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::{DbError, Result};
use crate::query::Sql;
use crate::row::{int, opt_int, opt_text, parsed, text, time};
use bonsai_core::model::{MediaAttachment, MediaMeta};
use bonsai_core::timestamp::Timestamp;

const COLS: &str = "id, status_id, account_id, type, content_type, remote_url, \
    thumbnail_remote_url, description, blurhash, meta, created_at";

fn from_row(row: &AnyRow) -> Result<MediaAttachment> {
    let meta = text(row, "meta")?;
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
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
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
