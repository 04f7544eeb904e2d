use axum::http::{Method, StatusCode};
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn post_render_get_context_delete() {
    let app = TestApp::new().await;
    let (alice_id, alice) = app.user("alice", "read write follow").await;
    let (_, bob) = app.user("bob", "read write follow").await;

    let r = app
        .post_json("/api/v1/statuses", Some(&alice), json!({"status": "Hi @bob, see https://example.org/x #Rust\nbye", "spoiler_text": "cw", "language": "en"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    let id = s["id"].as_str().unwrap().to_string();
    assert!(id.parse::<i64>().is_ok());
    assert_eq!(s["account"]["id"], alice_id.as_str());
    assert_eq!(
        s["sensitive"], true,
        "a content warning makes a post sensitive"
    );
    assert_eq!(s["language"], "en");
    assert_eq!(s["visibility"], "public");
    assert_eq!(s["mentions"][0]["acct"], "bob");
    assert_eq!(s["tags"][0]["name"], "rust");
    assert_eq!(s["tags"][0]["url"], "https://bonsai.test/tags/rust");
    let content = s["content"].as_str().unwrap();
    assert!(content.starts_with("<p>Hi <span class=\"h-card\" translate=\"no\"><a href=\"https://bonsai.test/@bob\" class=\"u-url mention\">@<span>bob</span></a></span>, see "), "{content}");
    assert!(content.contains("<a href=\"https://example.org/x\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">"));
    assert!(
        content.contains("#<span>Rust</span></a><br />bye</p>"),
        "{content}"
    );
    assert!(s.get("text").is_none());

    // A reply, and the thread from both ends.
    let reply = app
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "@alice thanks", "in_reply_to_id": id}),
        )
        .await
        .json();
    assert_eq!(reply["in_reply_to_id"], id.as_str());
    assert_eq!(reply["in_reply_to_account_id"], alice_id.as_str());
    let ctx = app
        .get(&format!("/api/v1/statuses/{id}/context"), None)
        .await
        .json();
    assert_eq!(ctx["ancestors"].as_array().unwrap().len(), 0);
    assert_eq!(ctx["descendants"][0]["id"], reply["id"]);
    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", reply["id"].as_str().unwrap()),
            None,
        )
        .await
        .json();
    assert_eq!(ctx["ancestors"][0]["id"], id.as_str());
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}"), None)
            .await
            .json()["replies_count"],
        1
    );

    // Only the author may delete; the answer carries the source text.
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
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
    assert_eq!(
        r.json()["text"],
        "Hi @bob, see https://example.org/x #Rust\nbye"
    );
    let r = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "Record not found");
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice))
        .await
        .json();
    assert_eq!(me["statuses_count"], 0);
}

#[tokio::test]
async fn idempotency_key_returns_the_same_status() {
    let app = TestApp::new().await;
    let (_, t) = app.user("alice", "read write").await;
    let body = || {
        Some((
            "application/json",
            json!({"status": "once"}).to_string().into_bytes(),
        ))
    };
    let a = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&t),
            body(),
            &[("idempotency-key", "k1")],
        )
        .await
        .json();
    let b = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&t),
            body(),
            &[("idempotency-key", "k1")],
        )
        .await
        .json();
    let c = app
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&t),
            body(),
            &[("idempotency-key", "k2")],
        )
        .await
        .json();
    assert_eq!(a["id"], b["id"]);
    assert_ne!(a["id"], c["id"]);
}

#[tokio::test]
async fn private_and_direct_posts_reach_only_their_audience() {
    let app = TestApp::new().await;
    let (author_id, author) = app.user("author", "read write follow").await;
    let (_, follower) = app.user("follower", "read write follow").await;
    let (_, stranger) = app.user("stranger", "read write follow").await;
    let (_, friend) = app.user("friend", "read write follow").await;
    assert_eq!(
        app.post_json(
            &format!("/api/v1/accounts/{author_id}/follow"),
            Some(&follower),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );

    let private = app
        .post_json(
            "/api/v1/statuses",
            Some(&author),
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await
        .json();
    let direct = app
        .post_json(
            "/api/v1/statuses",
            Some(&author),
            json!({"status": "@friend psst", "visibility": "direct"}),
        )
        .await
        .json();
    let unlisted = app
        .post_json(
            "/api/v1/statuses",
            Some(&author),
            json!({"status": "quiet", "visibility": "unlisted"}),
        )
        .await
        .json();
    let (p, d, u) = (
        private["id"].as_str().unwrap(),
        direct["id"].as_str().unwrap(),
        unlisted["id"].as_str().unwrap(),
    );

    let see = |tok: Option<String>, id: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/statuses/{id}"), tok.as_deref())
                .await
                .status
        }
    };
    assert_eq!(see(Some(follower.clone()), p.into()).await, StatusCode::OK);
    assert_eq!(
        see(Some(stranger.clone()), p.into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(see(None, p.into()).await, StatusCode::NOT_FOUND);
    assert_eq!(see(Some(friend.clone()), d.into()).await, StatusCode::OK);
    assert_eq!(
        see(Some(follower.clone()), d.into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(see(None, u.into()).await, StatusCode::OK);

    let ids = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let home = ids(app
        .get("/api/v1/timelines/home", Some(&follower))
        .await
        .json());
    assert!(
        home.contains(&p.to_string())
            && home.contains(&u.to_string())
            && !home.contains(&d.to_string())
    );
    let public = ids(app
        .get("/api/v1/timelines/public", Some(&stranger))
        .await
        .json());
    assert!(
        public.is_empty(),
        "private, direct and unlisted stay off the public timeline: {public:?}"
    );
    let profile = ids(app
        .get(
            &format!("/api/v1/accounts/{author_id}/statuses"),
            Some(&stranger),
        )
        .await
        .json());
    assert_eq!(profile, vec![u.to_string()]);
    let profile = ids(app
        .get(
            &format!("/api/v1/accounts/{author_id}/statuses"),
            Some(&friend),
        )
        .await
        .json());
    assert_eq!(profile, vec![u.to_string(), d.to_string()]);
    // Replying to a post you can't see looks like replying to nothing.
    let r = app
        .post_json(
            "/api/v1/statuses",
            Some(&stranger),
            json!({"status": "hm", "in_reply_to_id": p}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn account_status_filters() {
    let app = TestApp::new().await;
    let (id, t) = app.user("filt", "read write").await;
    let first = app
        .post_json(
            "/api/v1/statuses",
            Some(&t),
            json!({"status": "one #tagged"}),
        )
        .await
        .json();
    let fid = first["id"].as_str().unwrap();
    app.post_json(
        "/api/v1/statuses",
        Some(&t),
        json!({"status": "self reply", "in_reply_to_id": fid}),
    )
    .await;
    let (_, other) = app.user("other", "read write").await;
    let theirs = app
        .post_json(
            "/api/v1/statuses",
            Some(&other),
            json!({"status": "theirs"}),
        )
        .await
        .json();
    app.post_json(
        "/api/v1/statuses",
        Some(&t),
        json!({"status": "reply to other", "in_reply_to_id": theirs["id"]}),
    )
    .await;
    let count = |q: &str| {
        let app = &app;
        let url = format!("/api/v1/accounts/{id}/statuses{q}");
        async move { app.get(&url, None).await.json().as_array().unwrap().len() }
    };
    assert_eq!(count("").await, 3);
    assert_eq!(
        count("?exclude_replies=true").await,
        2,
        "self-replies stay, as in Mastodon"
    );
    assert_eq!(count("?tagged=Tagged").await, 1);
    assert_eq!(count("?only_media=1").await, 0);
    assert_eq!(count("?pinned=true").await, 0);
    assert_eq!(
        app.post_json(&format!("/api/v1/statuses/{fid}/pin"), Some(&t), json!({}))
            .await
            .json()["pinned"],
        true
    );
    assert_eq!(count("?pinned=true").await, 1);
}

#[tokio::test]
async fn links_count_as_23_characters() {
    let app = TestApp::new().await;
    let (_, t) = app.user("counter", "read write").await;
    // 470 + 1 + 23 = 494 characters as Mastodon counts them, though the text is far longer.
    let text = format!(
        "{} https://example.org/{}",
        "x".repeat(470),
        "p".repeat(200)
    );
    let r = app
        .post_json("/api/v1/statuses", Some(&t), json!({"status": text}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = format!("{} https://example.org/", "x".repeat(480));
    let r = app
        .post_json("/api/v1/statuses", Some(&t), json!({"status": text}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"],
        "Validation failed: Text character limit of 500 exceeded"
    );
}

#[tokio::test]
async fn editing_keeps_history() {
    let app = TestApp::new().await;
    let (_, t) = app.user("editor", "read write").await;
    let (_, other) = app.user("other", "read write").await;
    let s = app
        .post_json(
            "/api/v1/statuses",
            Some(&t),
            json!({"status": "first #draft"}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap();
    let put = |token: String, body: serde_json::Value| {
        let app = &app;
        let path = format!("/api/v1/statuses/{id}");
        async move {
            app.request(
                Method::PUT,
                &path,
                Some(&token),
                Some(("application/json", body.to_string().into_bytes())),
                &[],
            )
            .await
        }
    };
    let r = put(
        t.clone(),
        json!({"status": "second #final", "spoiler_text": "cw"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let e = r.json();
    assert!(e["content"].as_str().unwrap().contains("second"));
    assert!(e["edited_at"].is_string());
    assert_eq!(e["spoiler_text"], "cw");
    assert_eq!(e["sensitive"], true);
    assert_eq!(e["tags"][0]["name"], "final");
    assert_eq!(
        app.get("/api/v1/timelines/tag/draft", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let h = app
        .get(&format!("/api/v1/statuses/{id}/history"), None)
        .await
        .json();
    assert_eq!(h.as_array().unwrap().len(), 2);
    assert!(h[0]["content"].as_str().unwrap().contains("first"));
    assert!(h[1]["content"].as_str().unwrap().contains("second"));
    let src = app
        .get(&format!("/api/v1/statuses/{id}/source"), Some(&t))
        .await
        .json();
    assert_eq!(src["text"], "second #final");
    assert_eq!(
        put(other.clone(), json!({"status": "hijack"})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put(t.clone(), json!({"status": ""})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get(&format!("/api/v1/statuses/{id}/source"), Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn statuses_name_the_app_they_were_posted_from() {
    let app = TestApp::new().await;
    let mut tokens = Vec::new();
    for (user, client) in [("tuskyuser", "Tusky"), ("ivoryuser", "Ivory")] {
        let created = app
            .post_json(
                "/api/v1/apps",
                None,
                json!({"client_name": client, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                       "scopes": "read write", "website": format!("https://{}.example", client.to_lowercase())}),
            )
            .await
            .json();
        let (_, token) = app
            .user_with_app(
                user,
                created["client_id"].as_str().unwrap(),
                created["client_secret"].as_str().unwrap(),
                "read write",
            )
            .await;
        tokens.push((client, token));
    }
    for (client, token) in &tokens {
        let r = app
            .post_json(
                "/api/v1/statuses",
                Some(token),
                json!({"status": format!("from {client}")}),
            )
            .await;
        assert_eq!(r.json()["application"]["name"], *client, "{}", r.text());
    }
    // One page, two apps: each status names its own (loaded for the page at once).
    let page = app.get("/api/v1/timelines/public", None).await.json();
    let mut seen: Vec<(String, String)> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["application"]["name"].as_str().unwrap().to_string(),
                s["application"]["website"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("Ivory".to_string(), "https://ivory.example".to_string()),
            ("Tusky".to_string(), "https://tusky.example".to_string())
        ]
    );
}
