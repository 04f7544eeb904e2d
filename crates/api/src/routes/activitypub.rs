//! The ActivityPub side of our URLs. The same address answers JSON to servers that ask for
//! `application/activity+json` (or ld+json with the ActivityStreams profile) and HTML to
//! browsers, as Mastodon does.

use axum::extract::{Path, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use bonsai_core::text::escape_html;
use bonsai_service::relationships::Side;
use bonsai_service::ErrorKind;

use super::path_id;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

pub(crate) fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|a| a.contains("application/activity+json") || a.contains("application/ld+json"))
}

pub(crate) fn activity_json<T: Serialize>(doc: &T) -> ApiResult<Response> {
    let body = serde_json::to_string(doc).map_err(|e| {
        tracing::error!(error = %e, "serialising an ActivityPub document");
        ApiError::Domain(bonsai_service::Error::internal())
    })?;
    Ok(([(CONTENT_TYPE, ACTIVITY_JSON), (VARY, "Accept")], body).into_response())
}

/// A deleted object: `410 Gone`, with its Tombstone for servers and a short page for people.
fn gone(res: ApiResult<Response>) -> ApiResult<Response> {
    let mut res = res?;
    *res.status_mut() = StatusCode::GONE;
    Ok(res)
}

pub(crate) fn html_page(title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body>{body}</body></html>",
        escape_html(title)
    );
    ([(VARY, "Accept")], Html(page)).into_response()
}

/// `/users/{username}` and `/@{username}`.
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if wants_activity_json(&headers) {
        return activity_json(&state.services.actor(&username).await?);
    }
    let a = state.services.local_account(&username).await?;
    let domain = &state.services.config().domain;
    let name = if a.display_name.is_empty() {
        &a.username
    } else {
        &a.display_name
    };
    // The note is our own rendered HTML (escaped text plus our links), safe to embed.
    let body = format!(
        "<main><h1>{}</h1><p>@{}@{}</p><div class=\"note\">{}</div>\
         <p>{} posts · {} following · {} followers</p></main>",
        escape_html(name),
        escape_html(&a.username),
        escape_html(domain),
        a.note,
        a.statuses_count,
        a.following_count,
        a.followers_count
    );
    Ok(html_page(
        &format!("{name} (@{}@{domain})", a.username),
        &body,
    ))
}

/// `/users/{username}/statuses/{id}` and `/@{username}/{id}`.
pub async fn status(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = path_id(&id)?;
    if wants_activity_json(&headers) {
        return match state.services.status_document(&username, id).await {
            Ok(doc) => activity_json(&doc),
            Err(e) if e.kind == ErrorKind::NotFound => {
                match state.services.status_tombstone(&username, id).await? {
                    Some(tombstone) => gone(activity_json(&tombstone)),
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        };
    }
    let found = match state.services.get_status(None, id).await {
        Ok(v) => Some(v).filter(|v| {
            v.account.account.username.eq_ignore_ascii_case(&username)
                && v.account.account.is_local()
        }),
        Err(e) if e.kind == ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let Some(view) = found else {
        if state
            .services
            .status_tombstone(&username, id)
            .await?
            .is_some()
        {
            return gone(Ok(html_page(
                "Gone",
                "<main><p>This post has been deleted.</p></main>",
            )));
        }
        return Err(ApiError::not_found());
    };
    let s = &view.status;
    let author = if view.account.account.display_name.is_empty() {
        &view.account.account.username
    } else {
        &view.account.account.display_name
    };
    let warning = if s.spoiler_text.is_empty() {
        String::new()
    } else {
        format!("<p><strong>{}</strong></p>", escape_html(&s.spoiler_text))
    };
    // Content is HTML we rendered ourselves from the author's text.
    let body = format!(
        "<main><article><header><a href=\"{}\">{}</a> · <time datetime=\"{ts}\">{ts}</time></header>\
         {warning}<div class=\"content\">{}</div></article></main>",
        escape_html(&view.account.account.url),
        escape_html(author),
        s.content,
        ts = s.created_at.to_rfc3339(),
    );
    Ok(html_page(&format!("{author}: post {id}"), &body))
}

/// `/users/{username}/statuses/{id}/replies`: public and unlisted replies, paged like
/// Mastodon's (`page`, `min_id`, `only_other_accounts`).
pub async fn replies(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    p: Params,
) -> ApiResult<Response> {
    let id = path_id(&id)?;
    let min_id = p
        .str("min_id")
        .as_deref()
        .and_then(bonsai_core::id::parse_id);
    activity_json(
        &state
            .services
            .replies_collection(
                &username,
                id,
                p.bool("page").unwrap_or(false),
                min_id,
                p.bool("only_other_accounts").unwrap_or(false),
            )
            .await?,
    )
}

pub async fn outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    p: Params,
) -> ApiResult<Response> {
    let page = p.bool("page").unwrap_or(false).then(|| {
        p.str("max_id")
            .as_deref()
            .and_then(bonsai_core::id::parse_id)
    });
    activity_json(&state.services.outbox(&username, page).await?)
}

pub async fn followers(
    state: State<AppState>,
    username: Path<String>,
    p: Params,
) -> ApiResult<Response> {
    follow_collection(state, username, p, Side::Followers).await
}

pub async fn following(
    state: State<AppState>,
    username: Path<String>,
    p: Params,
) -> ApiResult<Response> {
    follow_collection(state, username, p, Side::Following).await
}

async fn follow_collection(
    State(state): State<AppState>,
    Path(username): Path<String>,
    p: Params,
    side: Side,
) -> ApiResult<Response> {
    let page = p.int("page").filter(|n| *n > 0 && *n < 100_000);
    activity_json(
        &state
            .services
            .follow_collection(&username, side, page)
            .await?,
    )
}

pub async fn featured(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<Response> {
    activity_json(&state.services.featured_collection(&username).await?)
}

pub async fn featured_tags(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> ApiResult<Response> {
    activity_json(&state.services.featured_tags_collection(&username).await?)
}
