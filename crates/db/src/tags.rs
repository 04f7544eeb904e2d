//! Hashtags and their link to statuses.

use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{int, text};
use bonsai_core::model::Tag;
use bonsai_core::timestamp::Timestamp;

/// Returns the tag named `display_name` (case-insensitively), creating it if new.
pub async fn upsert(
    conn: &mut sqlx::AnyConnection,
    new_id: i64,
    display_name: &str,
    at: Timestamp,
) -> Result<Tag> {
    let name = display_name.to_lowercase();
    sqlx::query(
        "INSERT INTO tags (id, name, display_name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(new_id)
    .bind(name.clone())
    .bind(display_name.to_string())
    .bind(at.millis())
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT id, name, display_name FROM tags WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Tag {
        id: int(&row, "id")?,
        name: text(&row, "name")?,
        display_name: text(&row, "display_name")?,
    })
}

pub async fn link<'e, E: Executor<'e, Database = Any>>(
    e: E,
    tag_id: i64,
    status_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO status_tags (tag_id, status_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tag_id)
    .bind(status_id)
    .execute(e)
    .await?;
    Ok(())
}

/// `(status_id, tag)` for each tag of the given statuses.
pub async fn of_statuses<'e, E: Executor<'e, Database = Any>>(
    e: E,
    status_ids: &[i64],
) -> Result<Vec<(i64, Tag)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT st.status_id, t.id, t.name, t.display_name FROM status_tags st \
         JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN (",
    );
    q.bind_ids(status_ids);
    q.push(") ORDER BY st.status_id, t.name");
    q.fetch_all(e)
        .await?
        .iter()
        .map(|r| {
            Ok((
                int(r, "status_id")?,
                Tag {
                    id: int(r, "id")?,
                    name: text(r, "name")?,
                    display_name: text(r, "display_name")?,
                },
            ))
        })
        .collect()
}

/// Tags whose name starts with `prefix` (lowercase), most used first.
pub async fn search<'e, E: Executor<'e, Database = Any>>(
    e: E,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Tag>> {
    let mut escaped = String::new();
    for c in prefix.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.display_name FROM tags t WHERE t.name LIKE $1 ESCAPE '\\' \
         ORDER BY (SELECT COUNT(*) FROM status_tags st WHERE st.tag_id = t.id) DESC, t.name \
         LIMIT $2 OFFSET $3",
    )
    .bind(format!("{escaped}%"))
    .bind(limit)
    .bind(offset)
    .fetch_all(e)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Tag {
                id: int(r, "id")?,
                name: text(r, "name")?,
                display_name: text(r, "display_name")?,
            })
        })
        .collect()
}
