use axum::http::StatusCode;
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn follows_mentions_favourites_and_boosts_notify() {
    let app = TestApp::new().await;
    let (alice_id, alice) = app.user("alice", "read write follow push").await;
    let (bob_id, bob) = app.user("bob", "read write follow push").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    let post = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice),
            json!({"status": "hi @bob"}),
        )
        .await
        .json();
    let own = app
        .post_json("/api/v1/statuses", Some(&bob), json!({"status": "mine"}))
        .await
        .json();
    let own_id = own["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/statuses/{own_id}/favourite"),
        Some(&alice),
        json!({}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/statuses/{own_id}/reblog"),
        Some(&alice),
        json!({}),
    )
    .await;
    // Interacting with your own post notifies nobody.
    app.post_json(
        &format!("/api/v1/statuses/{own_id}/favourite"),
        Some(&bob),
        json!({}),
    )
    .await;

    let r = app.get("/api/v1/notifications", Some(&bob)).await;
    assert_eq!(r.status, StatusCode::OK);
    let bobs = r.json();
    let kinds: Vec<&str> = bobs
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["reblog", "favourite", "mention"]);
    assert_eq!(bobs[0]["account"]["id"], alice_id.as_str());
    assert_eq!(bobs[0]["status"]["id"], own_id);
    assert_eq!(bobs[2]["status"]["id"], post["id"]);
    assert!(bobs[0]["group_key"]
        .as_str()
        .unwrap()
        .starts_with("ungrouped-"));
    let alices = app.get("/api/v1/notifications", Some(&alice)).await.json();
    assert_eq!(alices[0]["type"], "follow");
    assert_eq!(alices[0]["account"]["id"], bob_id.as_str());
    assert!(alices[0].get("status").is_none());

    let only = app
        .get("/api/v1/notifications?types[]=mention", Some(&bob))
        .await
        .json();
    assert_eq!(only.as_array().unwrap().len(), 1);
    let without = app
        .get(
            "/api/v1/notifications?exclude_types[]=mention&exclude_types[]=reblog",
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(without.as_array().unwrap().len(), 1);
    let paged = app.get("/api/v1/notifications?limit=2", Some(&bob)).await;
    assert!(paged.header("link").unwrap().contains("rel=\"next\""));

    let id = bobs[0]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/notifications/{id}"), Some(&bob))
            .await
            .json()["type"],
        "reblog"
    );
    assert_eq!(
        app.get(&format!("/api/v1/notifications/{id}"), Some(&alice))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/notifications/{id}/dismiss"),
            Some(&bob),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/notifications", Some(&bob))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.post_json("/api/v1/notifications/clear", Some(&bob), json!({}))
        .await;
    assert_eq!(
        app.get("/api/v1/notifications", Some(&bob))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Locked accounts get follow requests; a token without the scope gets 403.
    let (_, carol) = app.user("carol", "read write follow").await;
    app.request(
        axum::http::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&carol),
        Some((
            "application/json",
            json!({"locked": true}).to_string().into_bytes(),
        )),
        &[],
    )
    .await;
    let carol_id = app
        .get("/api/v1/accounts/verify_credentials", Some(&carol))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_json(
        &format!("/api/v1/accounts/{carol_id}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/notifications", Some(&carol)).await.json()[0]["type"],
        "follow_request"
    );
    let (_, statuses_only) = app.user("dave", "read:statuses").await;
    assert_eq!(
        app.get("/api/v1/notifications", Some(&statuses_only))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
