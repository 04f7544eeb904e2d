use axum::http::StatusCode;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn webfinger_and_host_meta() {
    let app = TestApp::new().await;
    app.user("Alice", "read").await;
    for resource in [
        "acct:alice@bonsai.test",
        "alice@BONSAI.test",
        "https://bonsai.test/users/Alice",
        "https://bonsai.test/@alice",
    ] {
        let r = app
            .get(
                &format!(
                    "/.well-known/webfinger?resource={}",
                    resource.replace(':', "%3A").replace('@', "%40")
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{resource}: {}", r.text());
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/jrd+json"));
        let j = r.json();
        assert_eq!(j["subject"], "acct:Alice@bonsai.test");
        let self_link = j["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .unwrap();
        assert_eq!(self_link["type"], "application/activity+json");
        assert_eq!(self_link["href"], "https://bonsai.test/users/Alice");
    }
    for resource in [
        "acct:alice@elsewhere.example",
        "acct:nobody@bonsai.test",
        "https://elsewhere.example/users/alice",
        "garbage",
    ] {
        let r = app
            .get(&format!("/.well-known/webfinger?resource={resource}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{resource}");
    }
    assert_eq!(
        app.get("/.well-known/webfinger", None).await.status,
        StatusCode::BAD_REQUEST
    );

    let xml = app.get("/.well-known/host-meta", None).await;
    assert!(xml
        .header("content-type")
        .unwrap()
        .starts_with("application/xrd+xml"));
    assert!(xml
        .text()
        .contains("template=\"https://bonsai.test/.well-known/webfinger?resource={uri}\""));
    let json = app.get("/.well-known/host-meta.json", None).await.json();
    assert_eq!(json["links"][0]["rel"], "lrdd");
}
