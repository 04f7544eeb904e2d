//! The streaming API over real TCP: a raw WebSocket client (tokio-tungstenite) and a raw
//! HTTP/1.0 reader for server-sent events, against instances served by the real router.
//! What reaches whom (home, public, hashtag, notifications, remote posts through the
//! inbox), per-viewer blocks, auth errors in Mastodon's shape, the multiplexed protocol,
//! dropping a client that falls behind, the connection cap, and shutdown.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use bonsai_service::stream::{Event, BUS_CAPACITY};
use bonsai_testkit::TestApp;

use crate::federation::eventually;

/// How long a test waits for an event that should come.
const WAIT: Duration = Duration::from_secs(10);

/// The TCP port of a `federated` instance (its domain is `i<PORT>.test`).
fn port(app: &TestApp) -> u16 {
    app.domain()
        .trim_start_matches('i')
        .trim_end_matches(".test")
        .parse()
        .expect("federated instance port")
}

struct Ws(WebSocketStream<TcpStream>);

/// How a WebSocket client hands over its token.
enum TokenIn<'a> {
    Header(&'a str),
    Query(&'a str),
    Protocol(&'a str),
    None,
}

/// Opens `/api/v1/streaming?<query>`; on refusal, the HTTP status and body.
async fn ws_open(
    app: &TestApp,
    query: &str,
    token: TokenIn<'_>,
) -> Result<(Ws, tungstenite::handshake::client::Response), (u16, Value)> {
    let mut q = query.to_string();
    if let TokenIn::Query(t) = token {
        q = format!("{q}&access_token={t}");
    }
    let url = format!("ws://127.0.0.1:{}/api/v1/streaming?{q}", port(app));
    let mut req = url.into_client_request().expect("request");
    match token {
        TokenIn::Header(t) => {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        TokenIn::Protocol(t) => {
            req.headers_mut()
                .insert("sec-websocket-protocol", t.parse().unwrap());
        }
        TokenIn::Query(_) | TokenIn::None => {}
    }
    let tcp = TcpStream::connect(("127.0.0.1", port(app)))
        .await
        .expect("connect");
    match tokio_tungstenite::client_async(req, tcp).await {
        Ok((ws, res)) => Ok((Ws(ws), res)),
        Err(tungstenite::Error::Http(res)) => {
            let status = res.status().as_u16();
            let body = res
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            Err((status, body))
        }
        Err(e) => panic!("websocket handshake: {e}"),
    }
}

async fn ws(app: &TestApp, query: &str, token: &str) -> Ws {
    match ws_open(app, query, TokenIn::Header(token)).await {
        Ok((ws, _)) => ws,
        Err((status, body)) => panic!("websocket refused: {status} {body}"),
    }
}

/// What a WebSocket read gave.
enum Read {
    Json(Value),
    Closed(Option<u16>),
    Timeout,
}

impl Ws {
    async fn read(&mut self, within: Duration) -> Read {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.0.next()).await {
                Err(_) => return Read::Timeout,
                Ok(None) | Ok(Some(Err(_))) => return Read::Closed(None),
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Read::Json(serde_json::from_str(t.as_str()).expect("json message"))
                }
                Ok(Some(Ok(Message::Close(f)))) => {
                    return Read::Closed(f.map(|f| u16::from(f.code)))
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next message that satisfies `want`, skipping others.
    async fn expect(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await {
                Read::Json(v) if want(&v) => return v,
                Read::Json(_) => continue,
                Read::Closed(code) => panic!("closed ({code:?}) waiting for {what}"),
                Read::Timeout => panic!("timed out waiting for {what}"),
            }
        }
    }

    /// The next `event` message (on any stream).
    async fn event(&mut self, event: &str) -> Value {
        self.expect(event, |v| v["event"] == event).await
    }

    async fn send(&mut self, v: Value) {
        self.0
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
        // No acknowledgement exists in the protocol: give the server a moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The status entity inside an `update`/`status.update` message.
fn payload(msg: &Value) -> Value {
    serde_json::from_str(msg["payload"].as_str().expect("payload is a string")).expect("payload")
}

/// A server-sent events reader over a raw HTTP/1.0 connection (no chunking to undo).
struct Sse {
    lines: BufReader<TcpStream>,
}

async fn sse_open(app: &TestApp, path: &str, token: Option<&str>) -> Result<Sse, (u16, Value)> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port(app)))
        .await
        .expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: text/event-stream\r\n{auth}\r\n",
        app.domain()
    );
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut lines = BufReader::new(tcp);
    let mut status = String::new();
    lines.read_line(&mut status).await.expect("status line");
    let code: u16 = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let mut content_type = String::new();
    loop {
        let mut h = String::new();
        lines.read_line(&mut h).await.expect("header");
        if h.trim().is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-type:") {
            content_type = v.trim().to_string();
        }
    }
    if code != 200 {
        let mut body = Vec::new();
        let _ = lines.read_to_end(&mut body).await;
        return Err((code, serde_json::from_slice(&body).unwrap_or(Value::Null)));
    }
    assert_eq!(content_type, "text/event-stream");
    Ok(Sse { lines })
}

async fn sse(app: &TestApp, path: &str, token: &str) -> Sse {
    match sse_open(app, path, Some(token)).await {
        Ok(s) => s,
        Err((status, body)) => panic!("event stream refused: {status} {body}"),
    }
}

impl Sse {
    /// The next event as (name, data); None when the stream ends.
    async fn next(&mut self, within: Duration) -> Option<(String, String)> {
        let mut event = String::new();
        let mut data = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(within, self.lines.read_line(&mut line))
                .await
                .expect("timed out reading the event stream")
                .ok()?;
            if n == 0 {
                return None;
            }
            let line = line.trim_end_matches('\n');
            if let Some(v) = line.strip_prefix("event: ") {
                event = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = v.to_string();
            } else if line.is_empty() && !event.is_empty() {
                return Some((event, data));
            }
        }
    }

    async fn event(&mut self, name: &str) -> String {
        loop {
            match self.next(WAIT).await {
                Some((e, d)) if e == name => return d,
                Some(_) => continue,
                None => panic!("event stream ended waiting for {name}"),
            }
        }
    }
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post_json("/api/v1/statuses", Some(token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn follow(app: &TestApp, token: &str, id: &str) {
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn user_stream_carries_home_posts_notifications_edits_and_deletes() {
    let app = TestApp::federated().await;
    let (alice_id, alice) = app.user("alice", "read write follow").await;
    let (_, bob) = app.user("bob", "read write follow").await;
    let (_, carol) = app.user("carol", "read write follow").await;
    follow(&app, &bob, &alice_id).await;

    // bob on a WebSocket with the token as sub-protocol (masto.js), echoed back;
    // alice on server-sent events.
    let (mut bob_ws, res) = ws_open(&app, "stream=user", TokenIn::Protocol(&bob))
        .await
        .map_err(|(s, b)| format!("{s} {b}"))
        .unwrap();
    assert_eq!(
        res.headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some(bob.as_str())
    );
    let mut alice_sse = sse(&app, "/api/v1/streaming/user", &alice).await;

    // A post reaches its author's and its follower's home streams, rendered as the REST
    // API renders it.
    let s = post(&app, &alice, json!({ "status": "hello #streams" })).await;
    let id = s["id"].as_str().unwrap().to_string();
    let m = bob_ws.event("update").await;
    assert_eq!(m["stream"], json!(["user"]));
    let p = payload(&m);
    assert_eq!(p["id"], id);
    assert_eq!(p["account"]["acct"], "alice");
    assert_eq!(p["content"], s["content"]);
    assert_eq!(p["tags"][0]["name"], "streams");
    let own: Value = serde_json::from_str(&alice_sse.event("update").await).unwrap();
    assert_eq!(own["id"], id);

    // Notifications: favourite, follow, mention — on the recipient's user stream only.
    let r = app
        .post_json(
            &format!("/api/v1/statuses/{id}/favourite"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let n: Value = serde_json::from_str(&alice_sse.event("notification").await).unwrap();
    assert_eq!(n["type"], "favourite");
    assert_eq!(n["account"]["acct"], "bob");
    assert_eq!(n["status"]["id"], id);
    follow(&app, &carol, &alice_id).await;
    let n: Value = serde_json::from_str(&alice_sse.event("notification").await).unwrap();
    assert_eq!(n["type"], "follow");
    assert_eq!(n["account"]["acct"], "carol");
    post(&app, &carol, json!({ "status": "@alice look" })).await;
    let n: Value = serde_json::from_str(&alice_sse.event("notification").await).unwrap();
    assert_eq!(n["type"], "mention");
    assert!(n["status"]["content"].as_str().unwrap().contains("look"));

    // An edit is `status.update`; a delete is `delete` with the bare id.
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice),
            Some((
                "application/json",
                json!({ "status": "hello again" }).to_string().into_bytes(),
            )),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let m = bob_ws.event("status.update").await;
    let p = payload(&m);
    assert_eq!(p["id"], id);
    assert!(p["content"].as_str().unwrap().contains("hello again"));
    assert!(p["edited_at"].is_string());
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let m = bob_ws.event("delete").await;
    assert_eq!(m["payload"], id);

    // A private post of someone bob does not follow never reaches him; his own does.
    post(
        &app,
        &carol,
        json!({ "status": "carol only", "visibility": "private" }),
    )
    .await;
    let mine = post(
        &app,
        &bob,
        json!({ "status": "bob private", "visibility": "private" }),
    )
    .await;
    let m = bob_ws.event("update").await;
    assert_eq!(payload(&m)["id"], mine["id"], "carol's private post leaked");
}

#[tokio::test]
async fn public_and_hashtag_streams_get_public_posts_only() {
    let app = TestApp::federated().await;
    let (_, poster) = app.user("poster", "read write").await;
    let (other_id, other) = app.user("other", "read write").await;
    let (_, viewer) = app.user("viewer", "read").await;

    let mut w = ws(&app, "stream=public", &viewer).await;
    w.send(json!({ "type": "subscribe", "stream": "public:local" }))
        .await;
    w.send(json!({ "type": "subscribe", "stream": "hashtag", "tag": "Rust" }))
        .await;
    w.send(json!({ "type": "subscribe", "stream": "hashtag:local", "tag": "rust" }))
        .await;
    w.send(json!({ "type": "subscribe", "stream": "public:remote" }))
        .await;

    let s = post(&app, &poster, json!({ "status": "public #rust" })).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let m = w.event("update").await;
        assert_eq!(payload(&m)["id"], s["id"]);
        seen.push(m["stream"].clone());
    }
    seen.sort_by_key(|v| v.to_string());
    assert_eq!(
        seen,
        vec![
            json!(["hashtag", "Rust"]),
            json!(["hashtag:local", "rust"]),
            json!(["public"]),
            json!(["public:local"]),
        ]
    );

    // Not public: nothing. A reply to someone else: hashtags only. Then a marker, which
    // must be the next thing on `public`.
    for v in ["unlisted", "private", "direct"] {
        post(
            &app,
            &poster,
            json!({ "status": format!("{v} #rust"), "visibility": v }),
        )
        .await;
    }
    let other_post = post(&app, &other, json!({ "status": "root" })).await;
    let reply = post(
        &app,
        &poster,
        json!({ "status": "reply #rust", "in_reply_to_id": other_post["id"] }),
    )
    .await;
    let marker = post(&app, &poster, json!({ "status": "marker" })).await;
    let mut public_ids = Vec::new();
    let mut tag_ids = Vec::new();
    loop {
        let m = w.event("update").await;
        let id = payload(&m)["id"].as_str().unwrap().to_string();
        match m["stream"][0].as_str().unwrap() {
            "public" => public_ids.push(id.clone()),
            "hashtag" => tag_ids.push(id.clone()),
            _ => {}
        }
        if m["stream"] == json!(["public:local"]) && id == marker["id"] {
            break;
        }
    }
    let root = other_post["id"].as_str().unwrap().to_string();
    let marker_id = marker["id"].as_str().unwrap().to_string();
    let reply_id = reply["id"].as_str().unwrap().to_string();
    assert_eq!(public_ids, vec![root, marker_id], "public stream");
    assert_eq!(tag_ids, vec![reply_id], "hashtag stream");

    // Unsubscribing stops one stream; the others go on.
    w.send(json!({ "type": "unsubscribe", "stream": "public:local" }))
        .await;
    w.send(json!({ "type": "unsubscribe", "stream": "hashtag", "tag": "#RUST" }))
        .await;
    let s = post(&app, &poster, json!({ "status": "after #rust" })).await;
    let m = w.event("update").await;
    assert_eq!(payload(&m)["id"], s["id"]);
    let m2 = w.event("update").await;
    assert_eq!(payload(&m2)["id"], s["id"]);
    let mut streams = vec![m["stream"].clone(), m2["stream"].clone()];
    streams.sort_by_key(|v| v.to_string());
    assert_eq!(
        streams,
        vec![json!(["hashtag:local", "rust"]), json!(["public"])]
    );
    // A boost is not on public streams (Mastodon), but it is on the booster's followers' home.
    let (_, fan) = app.user("fan", "read write follow").await;
    follow(&app, &fan, &other_id).await;
    let mut home = ws(&app, "stream=user", &fan).await;
    let r = app
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", s["id"].as_str().unwrap()),
            Some(&other),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let m = home.event("update").await;
    let p = payload(&m);
    assert_eq!(p["account"]["acct"], "other");
    assert_eq!(p["reblog"]["id"], s["id"]);
    let marker = post(&app, &poster, json!({ "status": "marker 2" })).await;
    let m = w.event("update").await;
    assert_eq!(payload(&m)["id"], marker["id"], "a boost reached public");
}

#[tokio::test]
async fn blocked_accounts_are_not_streamed_either_way() {
    let app = TestApp::federated().await;
    let (spammer_id, spammer) = app.user("spammer", "read write").await;
    let (_, blocker) = app.user("blocker", "read write").await;
    let (_, friend) = app.user("friend", "read write").await;
    let (_, viewer) = app.user("viewer", "read write follow").await;
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{spammer_id}/block"),
            Some(&viewer),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // blocker blocks the viewer.
    let viewer_id = app
        .get("/api/v1/accounts/verify_credentials", Some(&viewer))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{viewer_id}/block"),
            Some(&blocker),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let mut w = ws(&app, "stream=public", &viewer).await;
    let mut s = sse(&app, "/api/v1/streaming/public/local", &viewer).await;
    post(&app, &spammer, json!({ "status": "buy now" })).await;
    post(&app, &blocker, json!({ "status": "not for you" })).await;
    // Mentioning a blocked account keeps the post away too.
    post(&app, &friend, json!({ "status": "hey @spammer" })).await;
    let marker = post(&app, &friend, json!({ "status": "marker" })).await;
    let m = w.event("update").await;
    assert_eq!(payload(&m)["id"], marker["id"]);
    let d: Value = serde_json::from_str(&s.event("update").await).unwrap();
    assert_eq!(d["id"], marker["id"]);
}

#[tokio::test]
async fn a_remote_post_from_the_inbox_streams_to_a_local_follower() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;
    let found = a
        .get(
            &format!(
                "/api/v2/search?q=%40bob%40{}&resolve=true&type=accounts",
                b.domain()
            ),
            Some(&alice),
        )
        .await
        .json();
    let remote_bob = found["accounts"][0]["id"].as_str().unwrap().to_string();
    follow(&a, &alice, &remote_bob).await;
    eventually("b to accept alice's follow", || async {
        let r = a
            .get(
                &format!("/api/v1/accounts/relationships?id[]={remote_bob}"),
                Some(&alice),
            )
            .await
            .json();
        (r[0]["following"] == true).then_some(())
    })
    .await;

    let mut w = ws(&a, "stream=user", &alice).await;
    w.send(json!({ "type": "subscribe", "stream": "public:remote" }))
        .await;
    // dave blocks b's whole server: its posts never reach his public stream.
    let (_, dave) = a.user("dave", "read write").await;
    let r = a
        .post_form(
            "/api/v1/domain_blocks",
            Some(&dave),
            &[("domain", &b.domain())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut dave_ws = ws(&a, "stream=public", &dave).await;
    let s = post(&b, &bob, json!({ "status": "from afar" })).await;
    let m = w.event("update").await;
    let p = payload(&m);
    assert_eq!(p["account"]["acct"], format!("bob@{}", b.domain()));
    assert_eq!(p["uri"], s["uri"]);
    let local_id = p["id"].as_str().unwrap().to_string();
    let m2 = w.event("update").await;
    assert_eq!(payload(&m2)["id"], local_id);
    let mut streams = vec![m["stream"].clone(), m2["stream"].clone()];
    streams.sort_by_key(|v| v.to_string());
    assert_eq!(streams, vec![json!(["public:remote"]), json!(["user"])]);
    let marker = post(&a, &dave, json!({ "status": "local marker" })).await;
    let m = dave_ws.event("update").await;
    assert_eq!(
        payload(&m)["id"],
        marker["id"],
        "a domain-blocked post leaked"
    );

    // Its deletion arrives the same way.
    let r = b
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", s["id"].as_str().unwrap()),
            Some(&bob),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let m = w.event("delete").await;
    assert_eq!(m["payload"], local_id);
}

#[tokio::test]
async fn auth_and_subscription_errors_in_mastodons_shape() {
    let app = TestApp::federated().await;
    let (_, reader) = app.user("reader", "read").await;
    let (_, notes_only) = app.user("notes", "read:notifications").await;

    // Health needs nothing.
    let r = app.get("/api/v1/streaming/health", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "OK");

    // Every stream needs a token, public ones included (Mastodon 4).
    for path in ["/api/v1/streaming/user", "/api/v1/streaming/public"] {
        let Err((status, body)) = sse_open(&app, path, None).await else {
            panic!("{path} opened without a token")
        };
        assert_eq!(
            (status, body),
            (401, json!({ "error": "Missing access token" }))
        );
        let Err((status, body)) = sse_open(&app, path, Some("nonsense")).await else {
            panic!("{path} opened with a bad token")
        };
        assert_eq!(
            (status, body),
            (401, json!({ "error": "Invalid access token" }))
        );
    }
    let Err((status, body)) = sse_open(&app, "/api/v1/streaming/user", Some(&notes_only)).await
    else {
        panic!("user stream without read:statuses")
    };
    assert_eq!(status, 401);
    assert_eq!(
        body["error"],
        "Access token does not have the required scopes"
    );
    // … but that token may read its notifications and public streams.
    assert!(sse_open(
        &app,
        "/api/v1/streaming/user/notification",
        Some(&notes_only)
    )
    .await
    .is_ok());
    assert!(
        sse_open(&app, "/api/v1/streaming/public", Some(&notes_only))
            .await
            .is_ok()
    );
    let Err((status, body)) = sse_open(&app, "/api/v1/streaming/hashtag", Some(&reader)).await
    else {
        panic!("hashtag without tag")
    };
    assert_eq!(
        (status, body),
        (400, json!({ "error": "Missing tag name parameter" }))
    );
    let Err((status, _)) = sse_open(&app, "/api/v1/streaming/nonsense", Some(&reader)).await else {
        panic!("unknown stream")
    };
    assert_eq!(status, 400);

    // WebSocket: refused before the upgrade with the same bodies.
    let Err((status, body)) = ws_open(&app, "stream=user", TokenIn::None).await else {
        panic!("websocket without token")
    };
    assert_eq!(
        (status, body),
        (401, json!({ "error": "Missing access token" }))
    );
    let Err((status, body)) = ws_open(&app, "stream=user", TokenIn::Query("bad")).await else {
        panic!("websocket with a bad token")
    };
    assert_eq!(
        (status, body),
        (401, json!({ "error": "Invalid access token" }))
    );
    // The access_token parameter works.
    assert!(ws_open(&app, "stream=public", TokenIn::Query(&reader))
        .await
        .is_ok());

    // Bad subscriptions are answered on the socket, which stays open.
    let mut w = ws(&app, "", &notes_only).await;
    w.send(json!({ "type": "subscribe", "stream": "nope" }))
        .await;
    let e = w.expect("error", |v| v.get("error").is_some()).await;
    assert_eq!(e, json!({ "error": "Unknown stream type", "status": 400 }));
    w.send(json!({ "type": "subscribe", "stream": "hashtag" }))
        .await;
    let e = w.expect("error", |v| v.get("error").is_some()).await;
    assert_eq!(
        e,
        json!({ "error": "Missing tag name parameter", "status": 400 })
    );
    w.send(json!({ "type": "subscribe", "stream": "user" }))
        .await;
    let e = w.expect("error", |v| v.get("error").is_some()).await;
    assert_eq!(
        e,
        json!({ "error": "Access token does not have the required scopes", "status": 401 })
    );
    // Garbage is ignored, not fatal.
    w.0.send(Message::Text("{not json".into())).await.unwrap();
    w.send(json!({ "type": "subscribe", "stream": "public" }))
        .await;
    let (_, poster) = app.user("poster", "write").await;
    let s = post(&app, &poster, json!({ "status": "still here" })).await;
    let m = w.event("update").await;
    assert_eq!(payload(&m)["id"], s["id"]);
}

#[tokio::test]
async fn a_client_that_falls_behind_is_dropped() {
    let app = TestApp::federated().await;
    let (_, viewer) = app.user("viewer", "read").await;
    let mut w = ws(&app, "stream=public:local", &viewer).await;
    let mut s = sse(&app, "/api/v1/streaming/public/local", &viewer).await;
    assert_eq!(app.services.streams().open_connections(), 2);

    // Far more events than the bus holds, published without yielding: neither connection
    // can keep up, so both are closed rather than buffering them.
    for i in 0..(BUS_CAPACITY as i64 * 20) {
        app.services
            .streams()
            .publish(Event::public_delete(i, true));
    }
    let mut got = 0;
    let code = loop {
        match w.read(WAIT).await {
            Read::Json(m) => {
                assert_eq!(m["event"], "delete");
                got += 1;
            }
            Read::Closed(code) => break code,
            Read::Timeout => panic!("a lagging client was not dropped"),
        }
    };
    assert_eq!(code, Some(1013), "closed with 'try again later'");
    assert!(
        got <= BUS_CAPACITY + 1,
        "{got} events reached a lagging client"
    );
    let mut sse_got = 0;
    while let Some((e, _)) = s.next(WAIT).await {
        assert_eq!(e, "delete");
        sse_got += 1;
    }
    assert!(
        sse_got <= BUS_CAPACITY + 64,
        "{sse_got} events reached a lagging client"
    );
    eventually("both connections to be released", || async {
        (app.services.streams().open_connections() == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn connections_are_capped_and_end_at_shutdown() {
    let app = TestApp::federated_with(|c| c.streaming_max_connections = 2).await;
    let (_, viewer) = app.user("viewer", "read").await;
    let mut w = ws(&app, "stream=public", &viewer).await;
    let s = sse(&app, "/api/v1/streaming/public", &viewer).await;
    let Err((status, body)) = sse_open(&app, "/api/v1/streaming/public", Some(&viewer)).await
    else {
        panic!("a third connection was accepted")
    };
    assert_eq!(
        (status, body),
        (503, json!({ "error": "Too many streaming connections" }))
    );
    let Err((status, _)) = ws_open(&app, "stream=public", TokenIn::Header(&viewer)).await else {
        panic!("a third websocket was accepted")
    };
    assert_eq!(status, 503);

    // A closed connection frees its place.
    drop(s);
    eventually("the event stream's place to be freed", || async {
        sse_open(&app, "/api/v1/streaming/public", Some(&viewer))
            .await
            .ok()
    })
    .await;

    // Shutdown: the socket is told the server is going away.
    app.services.streams().close();
    match w.read(WAIT).await {
        Read::Closed(code) => assert_eq!(code, Some(1001)),
        _ => panic!("the websocket was not closed at shutdown"),
    }
    let Err((status, _)) = sse_open(&app, "/api/v1/streaming/public", Some(&viewer)).await else {
        panic!("a stream opened after shutdown")
    };
    assert_eq!(status, 503);
}
