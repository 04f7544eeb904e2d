use axum::http::{Method, StatusCode};
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn client_mistakes_get_mastodon_shaped_4xx() {
    let app = TestApp::new().await;
    let (_, t) = app.user("err", "read write follow").await;
    let post = |ct: &'static str, body: Vec<u8>| {
        let app = &app;
        let t = t.clone();
        async move {
            app.request(
                Method::POST,
                "/api/v1/statuses",
                Some(&t),
                Some((ct, body)),
                &[],
            )
            .await
        }
    };
    let r = post("application/json", b"{not json".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].is_string());
    let r = post("application/json", b"[1,2]".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post(
        "application/json",
        json!({"status": {"nested": true}}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post("application/json", json!({}).to_string().into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "Validation failed: Text can't be blank");
    let r = post(
        "application/json",
        json!({"status": "x".repeat(501)}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        "application/json",
        json!({"status": "x", "visibility": "everyone"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        "application/json",
        json!({"status": "x", "in_reply_to_id": "abc"})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post("application/x-www-form-urlencoded", vec![b'a'; 300 * 1024]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["error"].is_string());
    let r = post("multipart/form-data; boundary=x", b"garbage".to_vec()).await;
    assert!(r.status.is_client_error(), "{}", r.status);

    // Multipart bodies carry parameters like forms do.
    let mp = "--XX\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nfrom multipart\r\n--XX\r\nContent-Disposition: form-data; name=\"sensitive\"\r\n\r\n1\r\n--XX--\r\n";
    let r = post("multipart/form-data; boundary=XX", mp.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["sensitive"], true);

    for path in [
        "/api/v1/statuses/999999",
        "/api/v1/statuses/not-a-number",
        "/api/v1/accounts/42",
        "/api/v1/accounts/-1/statuses",
    ] {
        let r = app.get(path, Some(&t)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json()["error"], "Record not found", "{path}");
    }
    let r = app.get("/api/v1/no/such/route", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());
    let r = app
        .get("/api/v1/accounts/verify_credentials", Some("garbage-token"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "The access token is invalid");
    let r = app.get("/api/v1/accounts/verify_credentials", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .request(Method::PUT, "/api/v1/statuses", Some(&t), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_form("/oauth/token", None, &[("grant_type", "magic")])
        .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
}
