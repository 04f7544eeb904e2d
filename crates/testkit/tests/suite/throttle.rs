use axum::http::{Method, StatusCode};

use bonsai_testkit::TestApp;

fn form(pairs: &[(&str, &str)]) -> Option<(&'static str, Vec<u8>)> {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Some(("application/x-www-form-urlencoded", body.into_bytes()))
}

#[tokio::test]
async fn sign_in_attempts_are_throttled_per_address_except_loopback() {
    let app = TestApp::new().await;
    let (cid, secret) = app.app("read").await;
    let attempt = |peer: &'static str| {
        let app = &app;
        let (cid, secret) = (cid.clone(), secret.clone());
        async move {
            app.request_from(
                Some(peer.parse().unwrap()),
                Method::POST,
                "/oauth/token",
                None,
                form(&[
                    ("grant_type", "password"),
                    ("client_id", &cid),
                    ("client_secret", &secret),
                    ("username", "x@bonsai.test"),
                    ("password", "wrong-password"),
                ]),
                &[],
            )
            .await
        }
    };
    for _ in 0..25 {
        assert_eq!(
            attempt("203.0.113.5:4000").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    let r = attempt("203.0.113.5:4001").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"], "Too many requests");
    assert!(r.header("retry-after").is_some());
    // Another address, and loopback, are not affected.
    assert_eq!(
        attempt("203.0.113.6:4000").await.status,
        StatusCode::BAD_REQUEST
    );
    for _ in 0..30 {
        assert_eq!(
            attempt("127.0.0.1:4000").await.status,
            StatusCode::BAD_REQUEST
        );
    }
}

#[tokio::test]
async fn api_responses_carry_rate_limit_headers() {
    let app = TestApp::new().await;
    let (_, t) = app.user("limited", "read").await;
    let r = app
        .request_from(
            Some("198.51.100.7:5000".parse().unwrap()),
            Method::GET,
            "/api/v1/timelines/home",
            Some(&t),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("1500"));
    assert_eq!(r.header("x-ratelimit-remaining").as_deref(), Some("1499"));
    assert!(r.header("x-ratelimit-reset").unwrap().ends_with('Z'));
}
