//! `POST /users/{name}/inbox` and the shared `/inbox`: signed activities from other servers.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use bonsai_service::federation::InboxRequest;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Largest activity we accept (Mastodon's limit is 1 MiB as well).
pub const MAX_ACTIVITY: usize = 1024 * 1024;

pub async fn receive(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    if body.len() > MAX_ACTIVITY {
        return Err(ApiError::PayloadTooLarge);
    }
    // Signatures cover the URL the sender used: our public base plus the path it posted to.
    let path = original.path_and_query().map_or("/", |p| p.as_str());
    let uri: Uri = format!("{}{path}", state.base_url())
        .parse()
        .map_err(|_| ApiError::BadRequest("Invalid request target".into()))?;
    state
        .services
        .receive_activity(InboxRequest {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: &body,
        })
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
