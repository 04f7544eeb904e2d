//! OAuth applications, authorization codes and access tokens. Secrets are stored hashed:
//! callers pass the hash, never the secret.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::error::Result;
use crate::row::{int, opt_int, opt_text, opt_time, text, time};
use bonsai_core::model::{App, AuthCode, Token};
use bonsai_core::timestamp::Timestamp;

const APP_COLS: &str =
    "id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at";

fn app_from_row(row: &AnyRow) -> Result<App> {
    Ok(App {
        id: int(row, "id")?,
        name: text(row, "name")?,
        website: opt_text(row, "website")?,
        redirect_uris: text(row, "redirect_uris")?
            .lines()
            .map(str::to_string)
            .collect(),
        scopes: text(row, "scopes")?,
        client_id: text(row, "client_id")?,
        client_secret_hash: text(row, "client_secret_hash")?,
        created_at: time(row, "created_at")?,
    })
}

pub async fn insert_app<'e, E: Executor<'e, Database = Any>>(e: E, app: &App) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, \
         client_secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(app.id)
    .bind(app.name.clone())
    .bind(app.website.clone())
    .bind(app.redirect_uris.join("\n"))
    .bind(app.scopes.clone())
    .bind(app.client_id.clone())
    .bind(app.client_secret_hash.clone())
    .bind(app.created_at.millis())
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find_app<'e, E: Executor<'e, Database = Any>>(e: E, id: i64) -> Result<Option<App>> {
    let sql = format!("SELECT {APP_COLS} FROM oauth_apps WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(e).await?;
    row.as_ref().map(app_from_row).transpose()
}

/// The apps among `ids` that exist, in one query (ids are de-duplicated by the caller).
pub async fn find_apps<'e, E: Executor<'e, Database = Any>>(e: E, ids: &[i64]) -> Result<Vec<App>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = crate::query::Sql::new(&format!("SELECT {APP_COLS} FROM oauth_apps WHERE id IN ("));
    q.bind_ids(ids).push(")");
    q.fetch_all(e).await?.iter().map(app_from_row).collect()
}

pub async fn find_app_by_client_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
    client_id: &str,
) -> Result<Option<App>> {
    let sql = format!("SELECT {APP_COLS} FROM oauth_apps WHERE client_id = $1");
    let row = sqlx::query(&sql)
        .bind(client_id.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(app_from_row).transpose()
}

pub async fn insert_code<'e, E: Executor<'e, Database = Any>>(
    e: E,
    code_hash: &str,
    c: &AuthCode,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_codes (code_hash, app_id, user_id, scopes, redirect_uri, \
         code_challenge, code_challenge_method, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(code_hash.to_string())
    .bind(c.app_id)
    .bind(c.user_id)
    .bind(c.scopes.clone())
    .bind(c.redirect_uri.clone())
    .bind(c.code_challenge.clone())
    .bind(c.code_challenge_method.clone())
    .bind(c.expires_at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// Codes are single-use: taking one deletes it in the same statement.
pub async fn take_code<'e, E: Executor<'e, Database = Any>>(
    e: E,
    code_hash: &str,
) -> Result<Option<AuthCode>> {
    let row = sqlx::query(
        "DELETE FROM oauth_codes WHERE code_hash = $1 RETURNING app_id, user_id, scopes, \
         redirect_uri, code_challenge, code_challenge_method, expires_at",
    )
    .bind(code_hash.to_string())
    .fetch_optional(e)
    .await?;
    row.map(|row| {
        Ok(AuthCode {
            app_id: int(&row, "app_id")?,
            user_id: int(&row, "user_id")?,
            scopes: text(&row, "scopes")?,
            redirect_uri: text(&row, "redirect_uri")?,
            code_challenge: opt_text(&row, "code_challenge")?,
            code_challenge_method: opt_text(&row, "code_challenge_method")?,
            expires_at: time(&row, "expires_at")?,
        })
    })
    .transpose()
}

const TOKEN_COLS: &str = "id, app_id, user_id, scopes, created_at, expires_at, revoked_at";

fn token_from_row(row: &AnyRow) -> Result<Token> {
    Ok(Token {
        id: int(row, "id")?,
        app_id: int(row, "app_id")?,
        user_id: opt_int(row, "user_id")?,
        scopes: text(row, "scopes")?,
        created_at: time(row, "created_at")?,
        expires_at: opt_time(row, "expires_at")?,
        revoked_at: opt_time(row, "revoked_at")?,
    })
}

pub async fn insert_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    t: &Token,
    token_hash: &str,
    refresh_hash: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_tokens (id, token_hash, refresh_hash, app_id, user_id, scopes, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.id)
    .bind(token_hash.to_string())
    .bind(refresh_hash.map(str::to_string))
    .bind(t.app_id)
    .bind(t.user_id)
    .bind(t.scopes.clone())
    .bind(t.created_at.millis())
    .bind(t.expires_at.map(Timestamp::millis))
    .execute(e)
    .await?;
    Ok(())
}

pub async fn find_token<'e, E: Executor<'e, Database = Any>>(
    e: E,
    token_hash: &str,
) -> Result<Option<Token>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM oauth_tokens WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(token_from_row).transpose()
}

pub async fn find_token_by_refresh<'e, E: Executor<'e, Database = Any>>(
    e: E,
    refresh_hash: &str,
) -> Result<Option<Token>> {
    let sql = format!("SELECT {TOKEN_COLS} FROM oauth_tokens WHERE refresh_hash = $1");
    let row = sqlx::query(&sql)
        .bind(refresh_hash.to_string())
        .fetch_optional(e)
        .await?;
    row.as_ref().map(token_from_row).transpose()
}

/// Revokes by access-token hash or refresh-token hash; true when a live token was revoked.
pub async fn revoke<'e, E: Executor<'e, Database = Any>>(
    e: E,
    hash: &str,
    app_id: i64,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = $3 \
         WHERE (token_hash = $1 OR refresh_hash = $1) AND app_id = $2 AND revoked_at IS NULL",
    )
    .bind(hash.to_string())
    .bind(app_id)
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn revoke_by_id<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: i64,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE oauth_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(at.millis())
        .execute(e)
        .await?;
    Ok(())
}
