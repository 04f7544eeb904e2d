use axum::http::StatusCode;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn instance_documents() {
    let app = TestApp::new().await;
    let (_, t) = app.user("inst", "read write").await;
    let v1 = app.get("/api/v1/instance/", None).await;
    assert_eq!(v1.status, StatusCode::OK, "trailing slash tolerated");
    let v1 = v1.json();
    assert_eq!(v1["uri"], "bonsai.test");
    assert_eq!(v1["urls"]["streaming_api"], "wss://bonsai.test");
    assert_eq!(v1["stats"]["user_count"], 1);
    assert!(v1["version"].as_str().unwrap().starts_with("4."));
    assert!(v1["version"].as_str().unwrap().contains("Bonsai"));
    let v2 = app.get("/api/v2/instance", None).await.json();
    assert_eq!(
        v2["configuration"]["urls"]["streaming"],
        "wss://bonsai.test"
    );
    assert_eq!(v2["configuration"]["statuses"]["max_characters"], 500);
    assert_eq!(v2["api_versions"]["mastodon"], 2);
    assert_eq!(v2["registrations"]["enabled"], false);

    let links = app.get("/.well-known/nodeinfo", None).await.json();
    assert_eq!(
        links["links"][0]["href"],
        "https://bonsai.test/nodeinfo/2.0"
    );
    let ni = app.get("/nodeinfo/2.0", None).await.json();
    assert_eq!(ni["metadata"]["upstream"]["name"], "mastodon");
    assert_eq!(ni["usage"]["users"]["total"], 1);
    assert_eq!(
        app.get("/nodeinfo/2.1", None).await.json()["version"],
        "2.1"
    );
    assert_eq!(
        app.get("/nodeinfo/9.9", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/custom_emojis", None).await.json(),
        serde_json::json!([])
    );
    let prefs = app.get("/api/v1/preferences", Some(&t)).await.json();
    assert_eq!(prefs["posting:default:visibility"], "public");
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    let avatar = app.get("/avatars/original/missing.png", None).await;
    assert_eq!(avatar.header("content-type").as_deref(), Some("image/png"));
}
