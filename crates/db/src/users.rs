//! Local logins.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::{DbError, Result};
use crate::row::{flag, int, opt_text, parsed, text, time};
use bonsai_core::model::{Role, User};

const COLS: &str = "id, account_id, email, password_hash, role, approved, disabled, locale, \
    reason, default_visibility, default_sensitive, default_language, created_at";

fn from_row(row: &AnyRow) -> Result<User> {
    let role = text(row, "role")?;
    Ok(User {
        id: int(row, "id")?,
        account_id: int(row, "account_id")?,
        email: text(row, "email")?,
        password_hash: text(row, "password_hash")?,
        role: Role::parse(&role).ok_or(DbError::Corrupt {
            column: "role",
            detail: role,
        })?,
        approved: flag(row, "approved")?,
        disabled: flag(row, "disabled")?,
        locale: opt_text(row, "locale")?,
        reason: opt_text(row, "reason")?,
        default_visibility: parsed(row, "default_visibility")?,
        default_sensitive: flag(row, "default_sensitive")?,
        default_language: opt_text(row, "default_language")?,
        created_at: time(row, "created_at")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(e: E, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, account_id, email, password_hash, role, approved, disabled, \
         locale, reason, default_visibility, default_sensitive, default_language, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(u.id)
    .bind(u.account_id)
    .bind(u.email.clone())
    .bind(u.password_hash.clone())
    .bind(u.role.as_str())
    .bind(u.approved)
    .bind(u.disabled)
    .bind(u.locale.clone())
    .bind(u.reason.clone())
    .bind(u.default_visibility.as_str())
    .bind(u.default_sensitive)
    .bind(u.default_language.clone())
    .bind(u.created_at.millis())
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {COLS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(e).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_email<'e, E: Executor<'e, Database = Any>>(
    e: E,
    email: &str,
) -> Result<Option<User>> {
    let sql = format!("SELECT {COLS} FROM users WHERE lower(email) = $1");
    let row = sqlx::query(&sql)
        .bind(email.trim().to_lowercase())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_account<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
) -> Result<Option<User>> {
    let sql = format!("SELECT {COLS} FROM users WHERE account_id = $1");
    let row = sqlx::query(&sql).bind(account_id).fetch_optional(e).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(e)
        .await?)
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(e: E) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLS} FROM users ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(e).await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_defaults<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    visibility: &str,
    sensitive: bool,
    language: Option<String>,
) -> Result<()> {
    sqlx::query(
        "UPDATE users SET default_visibility = $2, default_sensitive = $3, default_language = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(visibility.to_string())
    .bind(sensitive)
    .bind(language)
    .execute(e)
    .await?;
    Ok(())
}

/// The account of the earliest admin, shown as the instance's contact.
pub async fn first_admin_account_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT account_id FROM users WHERE role = 'admin' AND disabled = $1 ORDER BY id LIMIT 1",
    )
    .bind(false)
    .fetch_optional(e)
    .await?)
}
