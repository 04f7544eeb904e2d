//! Custom emoji, keyed by (shortcode, domain) as Mastodon keys them; domain `''` is ours.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::row::{flag, text};
use bonsai_core::model::CustomEmoji;
use bonsai_core::timestamp::Timestamp;

fn from_row(row: &AnyRow) -> Result<CustomEmoji> {
    let domain = text(row, "domain")?;
    Ok(CustomEmoji {
        shortcode: text(row, "shortcode")?,
        domain: (!domain.is_empty()).then_some(domain),
        uri: text(row, "uri")?,
        image_url: text(row, "image_url")?,
        visible_in_picker: flag(row, "visible_in_picker")?,
    })
}

/// Records a remote emoji, or points an existing one at its current image.
pub async fn upsert_remote<'e, E: Executor<'e, Database = Any>>(
    e: E,
    new_id: i64,
    emoji: &CustomEmoji,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO custom_emojis \
           (id, shortcode, domain, uri, image_url, visible_in_picker, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (shortcode, domain) DO UPDATE \
           SET image_url = excluded.image_url, uri = excluded.uri, updated_at = excluded.updated_at \
           WHERE custom_emojis.image_url <> excluded.image_url OR custom_emojis.uri <> excluded.uri",
    )
    .bind(new_id)
    .bind(emoji.shortcode.clone())
    .bind(emoji.domain.clone().unwrap_or_default())
    .bind(emoji.uri.clone())
    .bind(emoji.image_url.clone())
    .bind(false)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// The emoji named by `wanted`: for each domain (`None`: ours), those among its shortcodes,
/// all in one query. Keep the total of shortcodes bounded (each is a bind parameter).
pub async fn find_named<'e, E: Executor<'e, Database = Any>>(
    e: E,
    wanted: &[(Option<String>, Vec<String>)],
) -> Result<Vec<CustomEmoji>> {
    let mut q = Sql::new(
        "SELECT shortcode, domain, uri, image_url, visible_in_picker FROM custom_emojis WHERE ",
    );
    let mut any = false;
    for (domain, shortcodes) in wanted.iter().filter(|(_, codes)| !codes.is_empty()) {
        q.push(if any { " OR (domain = " } else { "(domain = " });
        any = true;
        q.bind(domain.clone().unwrap_or_default());
        q.push(" AND shortcode IN (");
        for (i, s) in shortcodes.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(s.clone());
        }
        q.push("))");
    }
    if !any {
        return Ok(Vec::new());
    }
    q.push(" ORDER BY domain, shortcode");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}
