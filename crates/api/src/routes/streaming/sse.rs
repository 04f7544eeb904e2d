//! Server-Sent Events: one stream per request, `event: <name>\ndata: <payload>\n\n`.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc::{self, error::TrySendError};

use bonsai_service::stream::{Connection, Stream, StreamError};

use super::{authenticate, param, refuse, render, truthy, SSE_HEARTBEAT};
use crate::auth::bearer;
use crate::AppState;

/// Messages queued for one SSE client. A client that lets this many pile up (it is not
/// reading) is dropped.
const SSE_BUFFER: usize = 64;

/// `GET /api/v1/streaming/<stream>`.
pub async fn stream(
    State(state): State<AppState>,
    Path(path): Path<String>,
    parts: Parts,
) -> Response {
    let only_media = truthy(param(&parts, "only_media"));
    let name = match (path.as_str(), only_media) {
        ("user", _) => "user",
        ("user/notification", _) => "user:notification",
        ("public", false) => "public",
        ("public", true) => "public:media",
        ("public/local", false) => "public:local",
        ("public/local", true) => "public:local:media",
        ("public/remote", false) => "public:remote",
        ("public/remote", true) => "public:remote:media",
        ("hashtag", _) => "hashtag",
        ("hashtag/local", _) => "hashtag:local",
        ("direct", _) => "direct",
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({ "error": "Unknown channel requested" })),
            )
                .into_response()
        }
    };
    let services = &state.services;
    let opened = async {
        let viewer = authenticate(services, bearer(&parts)).await?;
        let conn = services.open_stream(&viewer)?;
        let stream = Stream::parse(name, param(&parts, "tag").as_deref())?;
        conn.authorize(&stream)?;
        Ok::<_, StreamError>((conn, stream))
    };
    let (conn, stream) = match opened.await {
        Ok(x) => x,
        Err(e) => return refuse(e),
    };

    let (tx, rx) = mpsc::channel::<Bytes>(SSE_BUFFER);
    let _ = tx.try_send(Bytes::from_static(b":)\n"));
    tokio::spawn(pump(conn, stream, tx, state.base_url()));
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Moves this connection's events from the bus into its bounded queue until the client
/// leaves, falls behind, or the server shuts down.
async fn pump(mut conn: Connection, stream: Stream, tx: mpsc::Sender<Bytes>, base_url: String) {
    let streams = [stream];
    let mut beat = tokio::time::interval(SSE_HEARTBEAT);
    beat.tick().await;
    loop {
        let msg = tokio::select! {
            r = conn.recv() => match r {
                Ok(ev) => {
                    if conn.matching(&ev, &streams).await.is_empty() {
                        continue;
                    }
                    let payload = ev.rendered(|p| render(p, &base_url));
                    Bytes::from(format!("event: {}\ndata: {payload}\n\n", ev.kind.as_str()))
                }
                Err(why) => {
                    tracing::debug!(?why, "event stream ended");
                    return;
                }
            },
            _ = beat.tick() => Bytes::from_static(b":thump\n"),
            () = tx.closed() => return,
        };
        match tx.try_send(msg) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::info!("dropping a streaming client that is not reading");
                return;
            }
            Err(TrySendError::Closed(_)) => return,
        }
    }
}
