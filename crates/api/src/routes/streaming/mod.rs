//! Mastodon's streaming API in the same process as the REST API: Server-Sent Events at
//! `/api/v1/streaming/<stream>` and a multiplexed WebSocket at `/api/v1/streaming`. Rules
//! (who gets what) live in `bonsai_service::stream`; this is transport only.
//!
//! Every stream needs a user's access token, public ones included, as in Mastodon 4 (its
//! streaming server rejects a request without one: "Missing access token"); public streams
//! need no particular scope.

mod sse;
mod ws;

use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use bonsai_service::stream::{Payload, StreamError};
use bonsai_service::{ErrorKind, Services, Viewer};

use crate::entities::notification::Notification;
use crate::entities::Status;

pub use sse::stream as sse;
pub use ws::upgrade as websocket;

/// How often an idle connection shows it is alive, so proxies keep it open (Mastodon: SSE
/// comments every 15 s, WebSocket pings every 30 s).
const SSE_HEARTBEAT: Duration = Duration::from_secs(15);
const WS_PING: Duration = Duration::from_secs(30);
/// A client that takes longer than this to accept one message is gone or too slow.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest access token looked up (as the REST extractors).
const MAX_TOKEN: usize = 512;

pub async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "OK")
}

/// Mastodon's error shape for a stream that cannot be opened: `{"error": "..."}`.
fn refuse(e: StreamError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(json!({ "error": e.to_string() }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"Doorkeeper\", error=\"invalid_token\""),
        );
    }
    res
}

/// The viewer named by `token` (from the `Authorization` header, the `access_token`
/// parameter or, for WebSockets, `Sec-WebSocket-Protocol`).
async fn authenticate(services: &Services, token: Option<String>) -> Result<Viewer, StreamError> {
    let token = token.ok_or(StreamError::MissingToken)?;
    if token.len() > MAX_TOKEN {
        return Err(StreamError::InvalidToken);
    }
    match services.authenticate(&token).await {
        Ok(v) => Ok(v),
        Err(e) if e.kind == ErrorKind::Internal => Err(StreamError::Internal),
        Err(_) => Err(StreamError::InvalidToken),
    }
}

/// A query parameter (the first, if repeated).
fn param(parts: &Parts, name: &str) -> Option<String> {
    let q = parts.uri.query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Mastodon's truthy parameter values (`only_media=true`, `1`, …).
fn truthy(v: Option<String>) -> bool {
    v.is_some_and(|v| matches!(v.as_str(), "1" | "true" | "True" | "TRUE" | "on" | "yes"))
}

/// An event's payload as the REST API renders that entity, JSON-encoded (the deleted id as
/// the bare string).
fn render(payload: &Payload, base_url: &str) -> String {
    let out = match payload {
        Payload::Status(v) => serde_json::to_string(&Status::new(v, base_url)),
        Payload::Notification(v) => serde_json::to_string(&Notification::new(v, base_url)),
        Payload::Deleted(id) => return id.to_string(),
    };
    out.unwrap_or_else(|e| {
        tracing::error!(error = %e, "stream payload not rendered");
        String::from("{}")
    })
}
