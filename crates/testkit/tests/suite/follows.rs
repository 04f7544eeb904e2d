use axum::http::StatusCode;
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn follow_unlocked_and_locked_accounts() {
    let app = TestApp::new().await;
    let (open_id, _) = app.user("open", "read write follow").await;
    let (locked_id, locked) = app.user("locked", "read write follow").await;
    let (fan_id, fan) = app.user("fan", "read write follow").await;
    let r = app
        .request(axum::http::Method::PATCH, "/api/v1/accounts/update_credentials", Some(&locked), Some(("application/x-www-form-urlencoded", b"locked=1&display_name=Locked%20One&fields_attributes[0][name]=site&fields_attributes[0][value]=https://example.org".to_vec())), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["locked"], true);
    assert_eq!(r.json()["display_name"], "Locked One");
    assert_eq!(
        r.json()["source"]["fields"][0]["value"],
        "https://example.org"
    );

    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{open_id}/follow"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["following"], true);
    assert_eq!(rel["requested"], false);
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{locked_id}/follow"),
            Some(&fan),
            json!({"reblogs": false}),
        )
        .await
        .json();
    assert_eq!(rel["following"], false);
    assert_eq!(rel["requested"], true);

    let reqs = app
        .get("/api/v1/follow_requests", Some(&locked))
        .await
        .json();
    assert_eq!(reqs[0]["id"], fan_id.as_str());
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&locked))
            .await
            .json()["source"]["follow_requests_count"],
        1
    );
    let rel = app
        .post_json(
            &format!("/api/v1/follow_requests/{fan_id}/authorize"),
            Some(&locked),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["followed_by"], true);
    let rels = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={open_id}&id[]={locked_id}&id[]=999"),
            Some(&fan),
        )
        .await
        .json();
    assert_eq!(rels.as_array().unwrap().len(), 2);
    assert_eq!(rels[1]["following"], true);
    assert_eq!(rels[1]["showing_reblogs"], false);

    let followers = app
        .get(&format!("/api/v1/accounts/{locked_id}/followers"), None)
        .await
        .json();
    assert_eq!(followers[0]["username"], "fan");
    let following = app
        .get(&format!("/api/v1/accounts/{fan_id}/following"), None)
        .await
        .json();
    assert_eq!(following.as_array().unwrap().len(), 2);
    let acct = app
        .get(&format!("/api/v1/accounts/{locked_id}"), None)
        .await
        .json();
    assert_eq!(acct["followers_count"], 1);

    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{open_id}/unfollow"),
            Some(&fan),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["following"], false);
    assert_eq!(
        app.get(&format!("/api/v1/accounts/{open_id}"), None)
            .await
            .json()["followers_count"],
        0
    );

    // Reject.
    let (_, other) = app.user("other", "read write follow").await;
    app.post_json(
        &format!("/api/v1/accounts/{locked_id}/follow"),
        Some(&other),
        json!({}),
    )
    .await;
    let reqs = app
        .get("/api/v1/follow_requests", Some(&locked))
        .await
        .json();
    let oid = reqs[0]["id"].as_str().unwrap().to_string();
    let rel = app
        .post_json(
            &format!("/api/v1/follow_requests/{oid}/reject"),
            Some(&locked),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["requested_by"], false);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(
        app.post_json("/api/v1/follow_requests/1/reject", Some(&locked), json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Following yourself is refused.
    assert_eq!(
        app.post_json(
            &format!("/api/v1/accounts/{fan_id}/follow"),
            Some(&fan),
            json!({})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn lookup_and_search() {
    let app = TestApp::new().await;
    let (id, t) = app.user("Finder", "read write").await;
    let r = app
        .get("/api/v1/accounts/lookup?acct=finder", None)
        .await
        .json();
    assert_eq!(r["id"], id.as_str());
    assert_eq!(
        app.get("/api/v1/accounts/lookup?acct=finder@bonsai.test", None)
            .await
            .json()["id"],
        id.as_str()
    );
    assert_eq!(
        app.get("/api/v1/accounts/lookup?acct=nobody", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .get("/api/v1/accounts/search?q=fin", Some(&t))
        .await
        .json();
    assert_eq!(r[0]["acct"], "Finder");
}

#[tokio::test]
async fn blocks_cut_both_ways() {
    let app = TestApp::new().await;
    let (alice_id, alice) = app.user("alice", "read write follow").await;
    let (bob_id, bob) = app.user("bob", "read write follow").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    app.post_json(
        "/api/v1/statuses",
        Some(&bob),
        json!({"status": "bob speaks"}),
    )
    .await;
    app.post_json(
        "/api/v1/statuses",
        Some(&alice),
        json!({"status": "alice speaks"}),
    )
    .await;

    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["followed_by"], false, "the follow ended");
    assert_eq!(
        app.get(&format!("/api/v1/accounts/{alice_id}"), None)
            .await
            .json()["followers_count"],
        0
    );
    let rel = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={alice_id}"),
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(rel[0]["blocked_by"], true);
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let texts = |v: serde_json::Value| v.to_string();
    assert!(!texts(
        app.get("/api/v1/timelines/public", Some(&alice))
            .await
            .json()
    )
    .contains("bob speaks"));
    assert!(
        !texts(app.get("/api/v1/timelines/public", Some(&bob)).await.json())
            .contains("alice speaks")
    );
    assert!(texts(app.get("/api/v1/timelines/public", None).await.json()).contains("bob speaks"));
    app.post_json(
        "/api/v1/statuses",
        Some(&bob),
        json!({"status": "@alice hey"}),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/notifications?types[]=mention", Some(&alice))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let blocked = app.get("/api/v1/blocks", Some(&alice)).await.json();
    assert_eq!(blocked[0]["id"], bob_id.as_str());
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/unblock"),
            Some(&alice),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["blocking"], false);
    assert!(texts(
        app.get("/api/v1/timelines/public", Some(&alice))
            .await
            .json()
    )
    .contains("bob speaks"));
}
