//! The instance actor's URLs (`/actor`, its inbox and outbox) and the authorized-fetch
//! gate in front of every other ActivityPub document.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use bonsai_core::text::escape_html;

use super::activitypub::{activity_json, html_page, wants_activity_json};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// `GET /actor`: the `Application` document; browsers get a line saying what it is.
pub async fn actor(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if wants_activity_json(&headers) {
        return activity_json(&state.services.instance_actor_document().await?);
    }
    let domain = escape_html(&state.services.config().domain);
    Ok(html_page(
        &format!("{domain} instance actor"),
        &format!("<p>The server {domain} itself, as other servers see it.</p>"),
    ))
}

/// `GET /actor/outbox`: always empty.
pub async fn outbox(State(state): State<AppState>) -> ApiResult<Response> {
    activity_json(&state.services.instance_actor_outbox())
}

/// Whether a request is for one of our ActivityPub documents that authorized-fetch mode
/// guards: actors and statuses when asked for as ActivityPub (the same URLs are pages for
/// browsers), and their collections (outbox, followers, replies…), which are JSON only.
/// The instance actor stays public (servers need its key to check our signed fetches), and
/// so do WebFinger, NodeInfo and every page served as HTML.
fn guarded(method: &axum::http::Method, uri: &Uri, headers: &HeaderMap) -> bool {
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return false;
    }
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/users/") {
        // `/users/{name}` and `/users/{name}/statuses/{id}` have an HTML side.
        let segments: Vec<&str> = rest.split('/').collect();
        let has_page = segments.len() == 1 || (segments.len() == 3 && segments[1] == "statuses");
        return !has_page || wants_activity_json(headers);
    }
    path.starts_with("/@") && wants_activity_json(headers)
}

/// Authorized-fetch mode (Mastodon's `AUTHORIZED_FETCH`): a guarded request must carry a
/// valid signature from a server we federate with — 401 without one, 403 for a blocked
/// server. Off by default, as in Mastodon.
pub async fn authorized_fetch(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if !state.services.config().authorized_fetch
        || !guarded(request.method(), request.uri(), request.headers())
    {
        return next.run(request).await;
    }
    // Signatures cover the URL the requester used: our public base plus path and query.
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("{}{path}", state.base_url()).parse::<Uri>() else {
        return ApiError::BadRequest("Invalid request target".into()).into_response();
    };
    match state
        .services
        .verify_signed_fetch(request.method(), &uri, request.headers())
        .await
    {
        Ok(signer) => {
            tracing::debug!(signer = %signer.uri, %path, "signed fetch");
            next.run(request).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
