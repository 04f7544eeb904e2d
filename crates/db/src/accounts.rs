//! Accounts: local and (later) remote profiles.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::{DbError, Result};
use crate::query::Sql;
use crate::row::{flag, int, opt_int, opt_text, opt_time, text, time};
use bonsai_core::model::{Account, Field, ProfileImage};
use bonsai_core::timestamp::Timestamp;

const COLS: &str = "id, username, domain, display_name, note, note_source, locked, bot, \
    discoverable, fields, uri, url, public_key_pem, private_key_pem, followers_count, \
    following_count, statuses_count, last_status_at, created_at, updated_at, also_known_as, \
    moved_to_account_id, avatar_key, avatar_url, header_key, header_url";

fn from_row(row: &AnyRow) -> Result<Account> {
    let domain = text(row, "domain")?;
    let fields_json = text(row, "fields")?;
    let fields: Vec<Field> = serde_json::from_str(&fields_json).map_err(|e| DbError::Corrupt {
        column: "fields",
        detail: e.to_string(),
    })?;
    let aka_json = text(row, "also_known_as")?;
    let also_known_as: Vec<String> =
        serde_json::from_str(&aka_json).map_err(|e| DbError::Corrupt {
            column: "also_known_as",
            detail: e.to_string(),
        })?;
    Ok(Account {
        id: int(row, "id")?,
        username: text(row, "username")?,
        domain: (!domain.is_empty()).then_some(domain),
        display_name: text(row, "display_name")?,
        note: text(row, "note")?,
        note_source: text(row, "note_source")?,
        locked: flag(row, "locked")?,
        bot: flag(row, "bot")?,
        discoverable: flag(row, "discoverable")?,
        fields,
        uri: text(row, "uri")?,
        url: text(row, "url")?,
        public_key_pem: text(row, "public_key_pem")?,
        private_key_pem: opt_text(row, "private_key_pem")?,
        followers_count: int(row, "followers_count")?,
        following_count: int(row, "following_count")?,
        statuses_count: int(row, "statuses_count")?,
        last_status_at: opt_time(row, "last_status_at")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        also_known_as,
        moved_to_account_id: opt_int(row, "moved_to_account_id")?,
        avatar: image(row, "avatar_key", "avatar_url")?,
        header: image(row, "header_key", "header_url")?,
    })
}

fn image(row: &AnyRow, key: &'static str, url: &'static str) -> Result<Option<ProfileImage>> {
    Ok(match (opt_text(row, key)?, opt_text(row, url)?) {
        (Some(key), Some(url)) => Some(ProfileImage { key, url }),
        _ => None,
    })
}

/// Which profile picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSlot {
    Avatar,
    Header,
}

/// Sets (or clears) an account's uploaded avatar or header.
pub async fn set_image<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    slot: ProfileSlot,
    image: Option<&ProfileImage>,
) -> Result<()> {
    let sql = match slot {
        ProfileSlot::Avatar => "UPDATE accounts SET avatar_key = $2, avatar_url = $3 WHERE id = $1",
        ProfileSlot::Header => "UPDATE accounts SET header_key = $2, header_url = $3 WHERE id = $1",
    };
    sqlx::query(sql)
        .bind(account_id)
        .bind(image.map(|i| i.key.clone()))
        .bind(image.map(|i| i.url.clone()))
        .execute(e)
        .await?;
    Ok(())
}

fn aliases_json(aliases: &[String]) -> String {
    serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into())
}

fn fields_json(fields: &[Field]) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "[]".into())
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(e: E, a: &Account) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, username, domain, display_name, note, note_source, locked, bot, \
         discoverable, fields, uri, url, public_key_pem, private_key_pem, created_at, updated_at, \
         also_known_as, moved_to_account_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(a.id)
    .bind(a.username.clone())
    .bind(a.domain.clone().unwrap_or_default())
    .bind(a.display_name.clone())
    .bind(a.note.clone())
    .bind(a.note_source.clone())
    .bind(a.locked)
    .bind(a.bot)
    .bind(a.discoverable)
    .bind(fields_json(&a.fields))
    .bind(a.uri.clone())
    .bind(a.url.clone())
    .bind(a.public_key_pem.clone())
    .bind(a.private_key_pem.clone())
    .bind(a.created_at.millis())
    .bind(a.updated_at.millis())
    .bind(aliases_json(&a.also_known_as))
    .bind(a.moved_to_account_id)
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(e).await?;
    row.as_ref().map(from_row).transpose()
}

/// Loads several accounts at once (order not preserved).
pub async fn find_many<'e, E: Executor<'e, Database = Any>>(
    e: E,
    ids: &[i64],
) -> Result<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!("SELECT {COLS} FROM accounts WHERE id IN ("));
    q.bind_ids(ids);
    q.push(")");
    q.fetch_all(e).await?.iter().map(from_row).collect()
}

/// `domain = None` looks up a local account. Usernames compare case-insensitively.
pub async fn find_by_username<'e, E: Executor<'e, Database = Any>>(
    e: E,
    username: &str,
    domain: Option<&str>,
) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLS} FROM accounts WHERE lower(username) = $1 AND domain = $2");
    let row = sqlx::query(&sql)
        .bind(username.to_lowercase())
        .bind(domain.unwrap_or("").to_lowercase())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub struct ProfileUpdate {
    pub display_name: String,
    pub note: String,
    pub note_source: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub fields: Vec<Field>,
    pub updated_at: Timestamp,
}

pub async fn update_profile<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    p: &ProfileUpdate,
) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET display_name = $2, note = $3, note_source = $4, locked = $5, \
         bot = $6, discoverable = $7, fields = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(p.display_name.clone())
    .bind(p.note.clone())
    .bind(p.note_source.clone())
    .bind(p.locked)
    .bind(p.bot)
    .bind(p.discoverable)
    .bind(fields_json(&p.fields))
    .bind(p.updated_at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Which denormalised counter to move.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Followers,
    Following,
    Statuses,
}

pub async fn bump<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    counter: Counter,
    delta: i64,
) -> Result<()> {
    let col = match counter {
        Counter::Followers => "followers_count",
        Counter::Following => "following_count",
        Counter::Statuses => "statuses_count",
    };
    // Never below zero, whatever order concurrent changes land in.
    let sql = format!(
        "UPDATE accounts SET {col} = CASE WHEN {col} + $2 < 0 THEN 0 ELSE {col} + $2 END WHERE id = $1"
    );
    sqlx::query(&sql).bind(id).bind(delta).execute(e).await?;
    Ok(())
}

pub async fn touch_last_status<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET last_status_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at.millis())
        .execute(e)
        .await?;
    Ok(())
}

/// Local accounts whose username starts with, or display name contains, `q`.
pub async fn search_local<'e, E: Executor<'e, Database = Any>>(
    e: E,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Account>> {
    let needle = escape_like(&q.to_lowercase());
    let sql = format!(
        "SELECT {COLS} FROM accounts WHERE domain = '' AND \
         (lower(username) LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $2 ESCAPE '\\') \
         ORDER BY CASE WHEN lower(username) = $3 THEN 0 ELSE 1 END, followers_count DESC, id \
         LIMIT $4 OFFSET $5"
    );
    let rows = sqlx::query(&sql)
        .bind(format!("{needle}%"))
        .bind(format!("%{needle}%"))
        .bind(q.to_lowercase())
        .bind(limit)
        .bind(offset)
        .fetch_all(e)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn list_local<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<Vec<Account>> {
    let sql = format!("SELECT {COLS} FROM accounts WHERE domain = '' ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(e).await?;
    rows.iter().map(from_row).collect()
}

pub async fn count_local<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<i64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE domain = ''")
        .fetch_one(e)
        .await?;
    Ok(n)
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Local accounts that posted since `since` (NodeInfo's active users).
pub async fn count_local_active_since<'e, E: Executor<'e, Database = Any>>(
    e: E,
    since: Timestamp,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE domain = '' AND last_status_at >= $1",
    )
    .bind(since.millis())
    .fetch_one(e)
    .await?)
}

/// Local accounts created in `[from, to)`.
pub async fn count_local_created_between<'e, E: Executor<'e, Database = Any>>(
    e: E,
    from: Timestamp,
    to: Timestamp,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE domain = '' AND created_at >= $1 AND created_at < $2",
    )
    .bind(from.millis())
    .bind(to.millis())
    .fetch_one(e)
    .await?)
}

pub async fn find_by_uri<'e, E: Executor<'e, Database = Any>>(
    e: E,
    uri: &str,
) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLS} FROM accounts WHERE uri = $1");
    let row = sqlx::query(&sql)
        .bind(uri.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_key_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
    key_id: &str,
) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLS} FROM accounts WHERE key_id = $1 AND domain <> ''");
    let row = sqlx::query(&sql)
        .bind(key_id.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Creates or refreshes a remote account by its ActivityPub id; returns its id.
pub async fn upsert_remote(
    conn: &mut sqlx::AnyConnection,
    a: &Account,
    ep: &bonsai_core::model::RemoteEndpoints,
    fetched_at: Timestamp,
) -> Result<i64> {
    if let Some(existing) = find_by_uri(&mut *conn, &a.uri).await? {
        sqlx::query(
            "UPDATE accounts SET username = $2, display_name = $3, note = $4, locked = $5, bot = $6, \
             discoverable = $7, fields = $8, url = $9, public_key_pem = $10, inbox_url = $11, \
             shared_inbox_url = $12, followers_url = $13, key_id = $14, fetched_at = $15, \
             updated_at = $15, also_known_as = $16 WHERE id = $1",
        )
        .bind(existing.id)
        .bind(a.username.clone())
        .bind(a.display_name.clone())
        .bind(a.note.clone())
        .bind(a.locked)
        .bind(a.bot)
        .bind(a.discoverable)
        .bind(fields_json(&a.fields))
        .bind(a.url.clone())
        .bind(a.public_key_pem.clone())
        .bind(ep.inbox_url.clone())
        .bind(ep.shared_inbox_url.clone())
        .bind(ep.followers_url.clone())
        .bind(ep.key_id.clone())
        .bind(fetched_at.millis())
        .bind(aliases_json(&a.also_known_as))
        .execute(&mut *conn)
        .await?;
        return Ok(existing.id);
    }
    insert(&mut *conn, a).await?;
    sqlx::query(
        "UPDATE accounts SET inbox_url = $2, shared_inbox_url = $3, followers_url = $4, key_id = $5, \
         fetched_at = $6 WHERE id = $1",
    )
    .bind(a.id)
    .bind(ep.inbox_url.clone())
    .bind(ep.shared_inbox_url.clone())
    .bind(ep.followers_url.clone())
    .bind(ep.key_id.clone())
    .bind(fetched_at.millis())
    .execute(&mut *conn)
    .await?;
    Ok(a.id)
}

/// Replaces an account's `alsoKnownAs` list.
pub async fn set_also_known_as<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    aliases: &[String],
    updated_at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET also_known_as = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(aliases_json(aliases))
        .bind(updated_at.millis())
        .execute(e)
        .await?;
    Ok(())
}

/// Records that account `id` moved to `target` (its `movedTo`).
pub async fn set_moved_to<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    target: i64,
    updated_at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET moved_to_account_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(target)
        .bind(updated_at.millis())
        .execute(e)
        .await?;
    Ok(())
}

pub async fn endpoints<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
) -> Result<Option<bonsai_core::model::RemoteEndpoints>> {
    let row = sqlx::query(
        "SELECT inbox_url, shared_inbox_url, followers_url, key_id FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(e)
    .await?;
    row.map(|r| {
        Ok(bonsai_core::model::RemoteEndpoints {
            inbox_url: text(&r, "inbox_url")?,
            shared_inbox_url: text(&r, "shared_inbox_url")?,
            followers_url: text(&r, "followers_url")?,
            key_id: text(&r, "key_id")?,
        })
    })
    .transpose()
}

/// What a remote account added to other accounts' and statuses' counters, taken back
/// before the account goes: its follows, the follows of it, its favourites, boosts and
/// replies. (Never below zero, like [`bump`].)
const UNCOUNT_REMOTE: &[&str] = &[
    "UPDATE accounts SET followers_count = CASE WHEN followers_count > 0 \
     THEN followers_count - 1 ELSE 0 END \
     WHERE id IN (SELECT target_account_id FROM follows WHERE account_id = $1)",
    "UPDATE accounts SET following_count = CASE WHEN following_count > 0 \
     THEN following_count - 1 ELSE 0 END \
     WHERE id IN (SELECT account_id FROM follows WHERE target_account_id = $1)",
    "UPDATE statuses SET favourites_count = CASE WHEN favourites_count > 0 \
     THEN favourites_count - 1 ELSE 0 END \
     WHERE id IN (SELECT status_id FROM favourites WHERE account_id = $1)",
    "UPDATE statuses SET reblogs_count = CASE \
     WHEN reblogs_count > (SELECT COUNT(*) FROM statuses r WHERE r.reblog_of_id = statuses.id AND r.account_id = $1) \
     THEN reblogs_count - (SELECT COUNT(*) FROM statuses r WHERE r.reblog_of_id = statuses.id AND r.account_id = $1) \
     ELSE 0 END \
     WHERE account_id <> $1 AND id IN (SELECT reblog_of_id FROM statuses WHERE account_id = $1 AND reblog_of_id IS NOT NULL)",
    "UPDATE statuses SET replies_count = CASE \
     WHEN replies_count > (SELECT COUNT(*) FROM statuses r WHERE r.in_reply_to_id = statuses.id AND r.account_id = $1) \
     THEN replies_count - (SELECT COUNT(*) FROM statuses r WHERE r.in_reply_to_id = statuses.id AND r.account_id = $1) \
     ELSE 0 END \
     WHERE account_id <> $1 AND id IN (SELECT in_reply_to_id FROM statuses WHERE account_id = $1 AND in_reply_to_id IS NOT NULL)",
];

/// Removes a remote account and (by cascade) its statuses, follows and favourites, with
/// the counters they touched; run it inside a transaction.
pub async fn delete_remote(conn: &mut sqlx::AnyConnection, id: i64) -> Result<()> {
    let remote: Option<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1 AND domain <> ''")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    if remote.is_none() {
        return Ok(());
    }
    for sql in UNCOUNT_REMOTE {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
