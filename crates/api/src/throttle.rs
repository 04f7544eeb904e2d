//! Rate limits as Mastodon applies them, answered with 429 and `X-RateLimit-*` headers.
//! Loopback clients are exempt, as in Mastodon (its Rack::Attack safelists localhost); behind
//! a reverse proxy on the same host the client is the last `X-Forwarded-For` hop.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use bonsai_core::timestamp::Timestamp;
use bonsai_service::throttle::{Bucket, Verdict};

use crate::AppState;

/// The client's address: the TCP peer, or the last `X-Forwarded-For` hop when the peer is
/// a reverse proxy on this host or network.
pub(crate) fn client_ip(req: &Request) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    let from_proxy = match peer {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => v6.is_loopback(),
    };
    if from_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse().ok());
        if let Some(ip) = forwarded {
            return Some(ip);
        }
    }
    Some(peer)
}

fn bearer_key(headers: &HeaderMap) -> Option<String> {
    let h = headers.get("authorization")?.to_str().ok()?.trim();
    h.get(..7).filter(|p| p.eq_ignore_ascii_case("bearer "))?;
    // The token itself is the key; only a bounded prefix is kept in memory.
    Some(h[7..].trim().chars().take(64).collect())
}

fn too_many(v: &Verdict) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({ "error": "Too many requests" })),
    )
        .into_response();
    add_headers(res.headers_mut(), v);
    if let Ok(h) = HeaderValue::from_str(&v.reset_in.as_secs().max(1).to_string()) {
        res.headers_mut().insert("retry-after", h);
    }
    res
}

fn add_headers(headers: &mut HeaderMap, v: &Verdict) {
    let reset = Timestamp::now()
        .plus_secs(v.reset_in.as_secs() as i64)
        .to_rfc3339();
    for (name, value) in [
        ("x-ratelimit-limit", v.limit.to_string()),
        ("x-ratelimit-remaining", v.remaining.to_string()),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(h) = HeaderValue::from_str(&value) {
            headers.insert(name, h);
        }
    }
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    if ip.is_some_and(|ip| ip.is_loopback()) {
        return next.run(req).await;
    }
    let ip_key = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    let throttle = state.services.throttle();
    let path = req.uri().path().trim_end_matches('/');
    let post = req.method() == Method::POST;

    let attempt = match path {
        "/oauth/token" | "/oauth/authorize" if post => Some(Bucket::SignIn),
        "/api/v1/accounts" if post => Some(Bucket::SignUp),
        _ => None,
    };
    if let Some(bucket) = attempt {
        let v = throttle.check(bucket, &ip_key);
        if !v.allowed {
            return too_many(&v);
        }
    }
    if !path.starts_with("/api/") {
        return next.run(req).await;
    }
    let v = match bearer_key(req.headers()) {
        Some(token) => throttle.check(Bucket::Authenticated, &token),
        None => throttle.check(Bucket::Anonymous, &ip_key),
    };
    if !v.allowed {
        return too_many(&v);
    }
    let mut res = next.run(req).await;
    add_headers(res.headers_mut(), &v);
    res
}
