//! The multiplexed WebSocket: `?stream=` opens a first subscription, then the client sends
//! `{"type":"subscribe"|"unsubscribe","stream":"…","tag":"…"}`; each event arrives as
//! `{"stream":[…],"event":"…","payload":"…"}`.

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use bonsai_service::stream::{Connection, Ended, Stream, StreamError};

use super::{authenticate, param, refuse, render, MAX_TOKEN, WRITE_TIMEOUT, WS_PING};
use crate::auth::bearer;
use crate::AppState;

/// Largest message a client may send (a subscription is a few dozen bytes).
const MAX_CLIENT_MESSAGE: usize = 4096;
/// Bytes the socket may hold unsent before a write fails: the per-connection bound.
const MAX_WRITE_BUFFER: usize = 256 * 1024;
/// tungstenite allocates its read buffer up front (128 KiB by default, which measured as
/// ~130 KiB of RSS per idle connection); clients only send tiny subscription messages.
const READ_BUFFER: usize = 4096;
/// Streams one connection may follow at once.
const MAX_SUBSCRIPTIONS: usize = 32;

/// RFC 6455 close codes.
const GOING_AWAY: u16 = 1001;
const UNSUPPORTED: u16 = 1003;
const TRY_AGAIN_LATER: u16 = 1013;

/// `GET /api/v1/streaming` (WebSocket upgrade).
pub async fn upgrade(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    parts: Parts,
) -> Response {
    let Ok(ws) = ws else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "Unknown channel requested" })),
        )
            .into_response();
    };
    // masto.js and browsers cannot set headers on a WebSocket: the token comes as the
    // sub-protocol, which must then be echoed back.
    let protocol = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= MAX_TOKEN);
    let token = bearer(&parts).or_else(|| protocol.clone());
    let services = &state.services;
    let conn = match authenticate(services, token).await {
        Ok(viewer) => services.open_stream(&viewer),
        Err(e) => Err(e),
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    let first = param(&parts, "stream").map(|s| (s, param(&parts, "tag")));
    let base_url = state.base_url();
    let ws = match protocol {
        Some(p) => ws.protocols([p]),
        None => ws,
    };
    // Each message is written out at once (no 128 KiB write batching): events are few and
    // should not wait.
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| Session::new(socket, conn, base_url).run(first))
}

#[derive(Deserialize)]
struct ClientMessage {
    #[serde(rename = "type")]
    kind: Option<String>,
    stream: Option<Value>,
    tag: Option<String>,
}

struct Session {
    socket: WebSocket,
    conn: Connection,
    base_url: String,
    streams: Vec<Stream>,
    /// Each stream's `stream` array, JSON-encoded once.
    labels: Vec<Value>,
}

/// The socket is gone (or too slow to take a message): end the session.
struct Gone;

impl Session {
    fn new(socket: WebSocket, conn: Connection, base_url: String) -> Self {
        Self {
            socket,
            conn,
            base_url,
            streams: Vec::new(),
            labels: Vec::new(),
        }
    }

    async fn run(mut self, first: Option<(String, Option<String>)>) {
        if let Some((name, tag)) = first {
            if self.subscribe(&name, tag.as_deref()).await.is_err() {
                return;
            }
        }
        let mut ping = tokio::time::interval(WS_PING);
        ping.tick().await;
        loop {
            let step = tokio::select! {
                r = self.conn.recv() => match r {
                    Ok(ev) => self.deliver(&ev).await,
                    Err(Ended::Lagged) => {
                        tracing::info!("dropping a streaming client that fell behind");
                        self.close(TRY_AGAIN_LATER, "Too slow: events were lost").await;
                        return;
                    }
                    Err(Ended::Shutdown) => {
                        self.close(GOING_AWAY, "Server shutting down").await;
                        return;
                    }
                },
                m = self.socket.recv() => match m {
                    Some(Ok(Message::Text(t))) => self.on_message(t.as_str()).await,
                    Some(Ok(Message::Binary(_))) => {
                        self.close(UNSUPPORTED, "Binary messages are not supported").await;
                        return;
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => Ok(()),
                },
                _ = ping.tick() => self.send(Message::Ping(Default::default())).await,
            };
            if step.is_err() {
                return;
            }
        }
    }

    async fn deliver(&mut self, ev: &bonsai_service::stream::Event) -> Result<(), Gone> {
        let hits = self.conn.matching(ev, &self.streams).await;
        if hits.is_empty() {
            return Ok(());
        }
        let payload = ev.rendered(|p| render(p, &self.base_url));
        for i in hits {
            let msg = json!({
                "stream": self.labels[i],
                "event": ev.kind.as_str(),
                "payload": payload,
            });
            self.send(Message::Text(msg.to_string().into())).await?;
        }
        Ok(())
    }

    async fn on_message(&mut self, text: &str) -> Result<(), Gone> {
        // Mastodon ignores what it cannot parse.
        let Ok(msg) = serde_json::from_str::<ClientMessage>(text) else {
            return Ok(());
        };
        // `stream` may be a string or (as some clients send) an array: the first counts.
        let name = match &msg.stream {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or("").into(),
            _ => String::new(),
        };
        match msg.kind.as_deref() {
            Some("subscribe") => self.subscribe(&name, msg.tag.as_deref()).await,
            Some("unsubscribe") => match Stream::parse(&name, msg.tag.as_deref()) {
                Ok(s) => {
                    if let Some(i) = self.streams.iter().position(|x| x.same_as(&s)) {
                        self.streams.remove(i);
                        self.labels.remove(i);
                    }
                    Ok(())
                }
                Err(_) => {
                    let e = json!({ "error": "Error unsubscribing from channel" });
                    self.send(Message::Text(e.to_string().into())).await
                }
            },
            _ => Ok(()),
        }
    }

    async fn subscribe(&mut self, name: &str, tag: Option<&str>) -> Result<(), Gone> {
        let added = Stream::parse(name, tag).and_then(|s| {
            self.conn.authorize(&s)?;
            Ok(s)
        });
        match added {
            Ok(s) if self.streams.iter().any(|x| x.same_as(&s)) => Ok(()),
            Ok(_) if self.streams.len() >= MAX_SUBSCRIPTIONS => {
                self.error(StreamError::UnknownStream, "Too many subscriptions")
                    .await
            }
            Ok(s) => {
                self.labels.push(json!(s.label()));
                self.streams.push(s);
                Ok(())
            }
            Err(e) => {
                let message = e.to_string();
                self.error(e, &message).await
            }
        }
    }

    /// Mastodon's answer to a subscription it refuses: `{"error": "...", "status": 4xx}`.
    async fn error(&mut self, e: StreamError, message: &str) -> Result<(), Gone> {
        let body = json!({ "error": message, "status": e.status() });
        self.send(Message::Text(body.to_string().into())).await
    }

    async fn send(&mut self, m: Message) -> Result<(), Gone> {
        match tokio::time::timeout(super::WRITE_TIMEOUT, self.socket.send(m)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Gone),
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(WRITE_TIMEOUT, self.socket.send(Message::Close(Some(frame))))
            .await;
    }
}
