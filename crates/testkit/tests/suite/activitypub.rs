//! What other servers see: actors, notes and collections, parsed back with our own wire types.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use bonsai_federation::wire::{Document, ObjectRef};
use bonsai_testkit::TestApp;

const AP: &str = "application/activity+json";
const LD: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

async fn fetch(app: &TestApp, path: &str, accept: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let r = app
        .request(Method::GET, path, None, None, &[("accept", accept)])
        .await;
    (r.status, r.header("content-type"), r.body)
}

#[tokio::test]
async fn actors_notes_and_collections() {
    let app = TestApp::new().await;
    let (alice_id, alice) = app.user("alice", "read write follow").await;
    let (_, bob) = app.user("bob", "read write follow").await;
    app.request(Method::PATCH, "/api/v1/accounts/update_credentials", Some(&alice), Some(("application/json", json!({"locked": true, "note": "I grow #bonsai", "fields_attributes": [{"name": "site", "value": "https://example.org"}]}).to_string().into_bytes())), &[]).await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    let reqs = app
        .get("/api/v1/follow_requests", Some(&alice))
        .await
        .json();
    app.post_json(
        &format!(
            "/api/v1/follow_requests/{}/authorize",
            reqs[0]["id"].as_str().unwrap()
        ),
        Some(&alice),
        json!({}),
    )
    .await;

    // The actor, by both content types; HTML for browsers at the same address.
    for accept in [AP, LD] {
        let (status, ct, body) = fetch(&app, "/users/alice", accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.unwrap().starts_with("application/activity+json"));
        let doc = Document::from_slice(&body).unwrap();
        let actor = doc.as_actor().unwrap();
        assert_eq!(actor.id(), "https://bonsai.test/users/alice");
        assert_eq!(actor.shared_inbox(), Some("https://bonsai.test/inbox"));
        assert!(actor
            .public_key_pem()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----"));
        let raw: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(raw["type"], "Person");
        assert_eq!(raw["manuallyApprovesFollowers"], true);
        assert_eq!(
            raw["publicKey"]["id"],
            "https://bonsai.test/users/alice#main-key"
        );
        assert_eq!(raw["publicKey"]["owner"], "https://bonsai.test/users/alice");
        assert_eq!(raw["inbox"], "https://bonsai.test/users/alice/inbox");
        assert_eq!(raw["attachment"][0]["type"], "PropertyValue");
        assert!(raw["summary"].as_str().unwrap().contains("tags/bonsai"));
        assert_eq!(raw["url"], "https://bonsai.test/@alice");
    }
    let html = app.get("/@alice", None).await;
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(html.text().contains("@alice@bonsai.test"));
    assert_eq!(
        fetch(&app, "/users/nobody", AP).await.0,
        StatusCode::NOT_FOUND
    );

    // Public, unlisted, private and direct posts: only the first two are served.
    let post = |vis: &'static str, text: &'static str| {
        let app = &app;
        let alice = alice.clone();
        async move {
            app.post_json(
                "/api/v1/statuses",
                Some(&alice),
                json!({"status": text, "visibility": vis, "language": "en"}),
            )
            .await
            .json()["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let public = post("public", "hello @bob #Trees").await;
    let unlisted = post("unlisted", "quiet").await;
    let private = post("private", "followers only").await;
    let direct = post("direct", "@bob secret").await;
    let (status, _, body) = fetch(&app, &format!("/users/alice/statuses/{public}"), AP).await;
    assert_eq!(status, StatusCode::OK);
    let doc = Document::from_slice(&body).unwrap();
    let note = doc.as_object().unwrap();
    assert!(note.is_public());
    assert_eq!(
        note.attributed_to(),
        Some("https://bonsai.test/users/alice")
    );
    assert_eq!(
        note.mentions().next().unwrap().href.as_deref(),
        Some("https://bonsai.test/users/bob")
    );
    assert_eq!(
        note.hashtags().next().unwrap().name.as_deref(),
        Some("#Trees")
    );
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        raw["to"],
        json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    assert_eq!(raw["cc"][0], "https://bonsai.test/users/alice/followers");
    assert_eq!(raw["contentMap"]["en"], raw["content"]);
    let (_, _, body) = fetch(&app, &format!("/users/alice/statuses/{unlisted}"), AP).await;
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        raw["to"],
        json!(["https://bonsai.test/users/alice/followers"])
    );
    assert_eq!(
        raw["cc"],
        json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    for hidden in [&private, &direct] {
        assert_eq!(
            fetch(&app, &format!("/users/alice/statuses/{hidden}"), AP)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/@alice/{hidden}"), None).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // A status under the wrong author's path is not found.
    assert_eq!(
        fetch(&app, &format!("/users/bob/statuses/{public}"), AP)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&format!("/@alice/{public}"), None).await;
    assert!(page.text().contains("#<span>Trees</span>"));

    // Outbox: total of all posts, pages of Create activities for what is public.
    let (_, _, body) = fetch(&app, "/users/alice/outbox", AP).await;
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(raw["type"], "OrderedCollection");
    assert_eq!(raw["totalItems"], 4);
    let (_, _, body) = fetch(&app, "/users/alice/outbox?page=true", AP).await;
    let doc = Document::from_slice(&body).unwrap();
    let items = doc.as_collection().unwrap().items();
    assert_eq!(items.len(), 2);
    let ObjectRef::Activity(create) = &items[0] else {
        panic!("expected an activity")
    };
    assert_eq!(
        create.object_id(),
        Some(format!("https://bonsai.test/users/alice/statuses/{unlisted}").as_str())
    );

    // Followers and following.
    let (_, _, body) = fetch(&app, "/users/alice/followers", AP).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["totalItems"],
        1
    );
    let (_, _, body) = fetch(&app, "/users/alice/followers?page=1", AP).await;
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        raw["orderedItems"],
        json!(["https://bonsai.test/users/bob"])
    );
    let (_, _, body) = fetch(&app, "/users/bob/following?page=1", AP).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["orderedItems"][0],
        "https://bonsai.test/users/alice"
    );

    // Featured: pinned posts.
    app.post_json(
        &format!("/api/v1/statuses/{public}/pin"),
        Some(&alice),
        json!({}),
    )
    .await;
    let (_, _, body) = fetch(&app, "/users/alice/collections/featured", AP).await;
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(raw["totalItems"], 1);
    assert_eq!(raw["orderedItems"][0]["type"], "Note");
    let (status, _, _) = fetch(&app, "/users/alice/collections/tags", AP).await;
    assert_eq!(status, StatusCode::OK);
}
