//! Two real instances on loopback, talking ActivityPub over TCP with real HTTP signatures:
//! resolve, follow (accepted by the remote server), posts in each visibility reaching the
//! right people, delete, unfollow.

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use bonsai_testkit::TestApp;

/// Polls `check` until it returns Some, for at most 20 s (deliveries are asynchronous).
pub(crate) async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub(crate) fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn two_instances_follow_post_and_delete() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, carol) = a.user("carol", "read write follow").await;
    let (bob_id, bob) = b.user("bob", "read write follow").await;

    // alice finds bob through WebFinger on b.
    let q = format!(
        "/api/v2/search?q=%40bob%40{}&resolve=true&type=accounts",
        b.domain()
    );
    let found = a.get(&q, Some(&alice)).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let remote_bob = found.json()["accounts"][0].clone();
    assert_eq!(remote_bob["acct"], format!("bob@{}", b.domain()));
    let remote_bob_id = remote_bob["id"].as_str().unwrap().to_string();

    // Follow: pending until b accepts, then following on both sides.
    let rel = a
        .post_json(
            &format!("/api/v1/accounts/{remote_bob_id}/follow"),
            Some(&alice),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["requested"], true);
    eventually("b to accept alice's follow", || async {
        let r = a
            .get(
                &format!("/api/v1/accounts/relationships?id[]={remote_bob_id}"),
                Some(&alice),
            )
            .await
            .json();
        (r[0]["following"] == true).then_some(())
    })
    .await;
    let followers = b
        .get(&format!("/api/v1/accounts/{bob_id}/followers"), None)
        .await
        .json();
    assert_eq!(followers[0]["acct"], format!("alice@{}", a.domain()));

    // A public post and a followers-only post reach alice's home; carol (not following)
    // sees the public one only on its own page, never the private one.
    let public = b
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "hello fediverse #bonsai"}),
        )
        .await
        .json();
    let private = b
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "for followers", "visibility": "private"}),
        )
        .await
        .json();
    let home = eventually("both posts in alice's home", || async {
        let h = a.get("/api/v1/timelines/home", Some(&alice)).await.json();
        (ids(&h).len() >= 2).then_some(h)
    })
    .await;
    assert_eq!(home[0]["uri"], private["uri"]);
    assert_eq!(home[0]["visibility"], "private");
    assert_eq!(home[1]["uri"], public["uri"]);
    assert!(home[1]["content"]
        .as_str()
        .unwrap()
        .contains("hello fediverse"));
    assert_eq!(home[1]["account"]["acct"], format!("bob@{}", b.domain()));
    let private_local_id = home[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        a.get(
            &format!("/api/v1/statuses/{private_local_id}"),
            Some(&carol)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let federated = a
        .get("/api/v1/timelines/public?remote=true", None)
        .await
        .json();
    assert_eq!(
        ids(&federated).len(),
        1,
        "only the public post is on the federated timeline"
    );

    // bob was told about the remote follow.
    let notes = b.get("/api/v1/notifications", Some(&bob)).await.json();
    assert_eq!(notes[0]["type"], "follow");
    assert_eq!(notes[0]["account"]["acct"], format!("alice@{}", a.domain()));

    // Favourite and boost from a are counted on b; undoing the favourite is too.
    let public_at_a = home[1]["id"].as_str().unwrap().to_string();
    let fav = a
        .post_json(
            &format!("/api/v1/statuses/{public_at_a}/favourite"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(fav.status, StatusCode::OK, "{}", fav.text());
    let boost = a
        .post_json(
            &format!("/api/v1/statuses/{public_at_a}/reblog"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(boost.status, StatusCode::OK, "{}", boost.text());
    let public_at_b = public["id"].as_str().unwrap().to_string();
    eventually("b to count the favourite and the boost", || async {
        let s = b
            .get(&format!("/api/v1/statuses/{public_at_b}"), None)
            .await
            .json();
        (s["favourites_count"] == 1 && s["reblogs_count"] == 1).then_some(())
    })
    .await;
    let notes = b
        .get(
            "/api/v1/notifications?types[]=favourite&types[]=reblog",
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(notes.as_array().unwrap().len(), 2, "{notes}");
    a.post_json(
        &format!("/api/v1/statuses/{public_at_a}/unfavourite"),
        Some(&alice),
        json!({}),
    )
    .await;
    a.post_json(
        &format!("/api/v1/statuses/{public_at_a}/unreblog"),
        Some(&alice),
        json!({}),
    )
    .await;
    eventually("b to drop the favourite and the boost", || async {
        let s = b
            .get(&format!("/api/v1/statuses/{public_at_b}"), None)
            .await
            .json();
        (s["favourites_count"] == 0 && s["reblogs_count"] == 0).then_some(())
    })
    .await;

    // An edit reaches a as an Update, keeping the old text as history.
    b.request(
        axum::http::Method::PUT,
        &format!("/api/v1/statuses/{public_at_b}"),
        Some(&bob),
        Some((
            "application/json",
            json!({"status": "hello fediverse, edited"})
                .to_string()
                .into_bytes(),
        )),
        &[],
    )
    .await;
    eventually("the edit at a", || async {
        let s = a
            .get(&format!("/api/v1/statuses/{public_at_a}"), Some(&alice))
            .await
            .json();
        (s["content"].as_str().is_some_and(|c| c.contains("edited")) && s["edited_at"].is_string())
            .then_some(())
    })
    .await;
    let history = a
        .get(
            &format!("/api/v1/statuses/{public_at_a}/history"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(history.as_array().unwrap().len(), 2);

    // (Direct messages need a mention, and `@user@host:port` is not a mention in Mastodon's
    // grammar; they are covered once instances run on named hosts without ports.)

    // Delete reaches a.
    let public_id = b
        .get(&format!("/api/v1/accounts/{bob_id}/statuses"), None)
        .await
        .json();
    let pid = public_id[0]["id"].as_str().unwrap().to_string();
    b.request(
        axum::http::Method::DELETE,
        &format!("/api/v1/statuses/{pid}"),
        Some(&bob),
        None,
        &[],
    )
    .await;
    eventually("the deleted post to leave alice's home", || async {
        let h = a.get("/api/v1/timelines/home", Some(&alice)).await.json();
        (!h.to_string().contains("hello fediverse")).then_some(())
    })
    .await;

    // Unfollow reaches b.
    a.post_json(
        &format!("/api/v1/accounts/{remote_bob_id}/unfollow"),
        Some(&alice),
        json!({}),
    )
    .await;
    eventually("b to drop alice as a follower", || async {
        let f = b
            .get(&format!("/api/v1/accounts/{bob_id}"), None)
            .await
            .json();
        (f["followers_count"] == 0).then_some(())
    })
    .await;

    // A block from a reaches b: bob sees he is blocked, and cannot follow.
    let alice_at_b = followers[0]["id"].as_str().unwrap().to_string();
    let rel = a
        .post_json(
            &format!("/api/v1/accounts/{remote_bob_id}/block"),
            Some(&alice),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["blocking"], true);
    eventually("b to learn of the block", || async {
        let r = b
            .get(
                &format!("/api/v1/accounts/relationships?id[]={alice_at_b}"),
                Some(&bob),
            )
            .await
            .json();
        (r[0]["blocked_by"] == true).then_some(())
    })
    .await;
}

#[tokio::test]
async fn unsigned_and_forged_activities_are_refused() {
    let a = TestApp::federated().await;
    a.user("alice", "read").await;
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://evil.example/activities/1",
        "type": "Follow",
        "actor": "http://evil.example/users/mallory",
        "object": format!("http://{}/users/alice", a.domain())
    });
    let r = a
        .request(
            axum::http::Method::POST,
            "/users/alice/inbox",
            None,
            Some((
                "application/activity+json",
                activity.to_string().into_bytes(),
            )),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A signature whose key cannot be fetched (an address the client refuses) is refused too.
    let r = a
        .request(
            axum::http::Method::POST,
            "/inbox",
            None,
            Some(("application/activity+json", activity.to_string().into_bytes())),
            &[("signature", "keyId=\"http://10.0.0.1/users/m#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"AAAA\""), ("date", "Thu, 01 Jan 2026 00:00:00 GMT"), ("digest", "SHA-256=AAAA")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
}

#[tokio::test]
async fn remote_posts_resolve_by_url_with_their_thread() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;
    let root = b
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "root post"}),
        )
        .await
        .json();
    let reply = b
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "second in thread", "in_reply_to_id": root["id"]}),
        )
        .await
        .json();
    let hidden = b
        .post_json(
            "/api/v1/statuses",
            Some(&bob),
            json!({"status": "not for strangers", "visibility": "private"}),
        )
        .await
        .json();

    let url = reply["url"].as_str().unwrap();
    let r = a
        .get(
            &format!("/api/v2/search?q={url}&resolve=true&type=statuses"),
            Some(&alice),
        )
        .await
        .json();
    let found = &r["statuses"][0];
    assert_eq!(found["uri"], reply["uri"]);
    assert_eq!(found["account"]["acct"], format!("bob@{}", b.domain()));
    // The parent came along, so the thread reads the same at a.
    let ctx = a
        .get(
            &format!("/api/v1/statuses/{}/context", found["id"].as_str().unwrap()),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(ctx["ancestors"][0]["uri"], root["uri"]);
    // Without resolve (or without signing in) nothing is fetched.
    let r = a
        .get(
            &format!(
                "/api/v2/search?q={}&type=statuses",
                root["url"].as_str().unwrap()
            ),
            None,
        )
        .await
        .json();
    assert_eq!(r["statuses"][0]["uri"], root["uri"], "known now, so found");
    // A followers-only post is not served to a's anonymous fetch.
    let r = a
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                hidden["uri"].as_str().unwrap()
            ),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(r["statuses"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn blocked_domains_are_neither_fetched_nor_heard() {
    let b = TestApp::federated().await;
    let b_domain = b.domain();
    let a = TestApp::federated_with(|c| c.blocked_domains = vec![b_domain.clone()]).await;
    let (alice_id, alice) = a.user("alice", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;

    // a won't look b up.
    let r = a
        .get(
            &format!("/api/v2/search?q=%40bob%40{b_domain}&resolve=true&type=accounts"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(r["accounts"].as_array().unwrap().len(), 0);

    // b can find alice (a's public documents stay public), but its Follow is refused.
    let r = b
        .get(
            &format!(
                "/api/v2/search?q=%40alice%40{}&resolve=true&type=accounts",
                a.domain()
            ),
            Some(&bob),
        )
        .await
        .json();
    let remote_alice = r["accounts"][0]["id"].as_str().unwrap().to_string();
    b.post_json(
        &format!("/api/v1/accounts/{remote_alice}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    let failed = eventually("b's delivery to fail for good", || async {
        let f = bonsai_db::jobs::failed(b.db.db.reader(), "delivery")
            .await
            .unwrap();
        (!f.is_empty()).then_some(f)
    })
    .await;
    assert!(
        failed[0].last_error.as_deref().unwrap().contains("403"),
        "{:?}",
        failed[0].last_error
    );
    let acct = a
        .get(&format!("/api/v1/accounts/{alice_id}"), None)
        .await
        .json();
    assert_eq!(acct["followers_count"], 0);
}

#[tokio::test]
async fn unreachable_servers_are_retried_then_parked() {
    use bonsai_core::model::{Follow, RemoteEndpoints};
    use bonsai_core::timestamp::Timestamp;
    let a = TestApp::federated().await;
    let (alice_id, alice) = a.user("alice", "read write follow").await;
    // A follower on a server that is down: nothing listens on its port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let follower = |n: i64, host: String| {
        let acc = bonsai_core::model::Account {
            id: 9_000 + n,
            username: format!("f{n}"),
            domain: Some(host.clone()),
            display_name: String::new(),
            note: String::new(),
            note_source: String::new(),
            locked: false,
            bot: false,
            discoverable: false,
            fields: Vec::new(),
            uri: format!("http://{host}/users/f{n}"),
            url: format!("http://{host}/@f{n}"),
            public_key_pem: String::new(),
            private_key_pem: None,
            followers_count: 0,
            following_count: 0,
            statuses_count: 0,
            last_status_at: None,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            also_known_as: Vec::new(),
            moved_to_account_id: None,
            avatar: None,
            header: None,
        };
        let ep = RemoteEndpoints {
            inbox_url: format!("http://{host}/inbox"),
            ..Default::default()
        };
        (acc, ep)
    };
    let down = format!("127.0.0.1:{dead_port}");
    let mut tx = a.db.db.begin().await.unwrap();
    let (acc, ep) = follower(1, down.clone());
    bonsai_db::accounts::upsert_remote(&mut tx, &acc, &ep, Timestamp::now())
        .await
        .unwrap();
    let follow = Follow {
        id: 77,
        account_id: acc.id,
        target_account_id: alice_id.parse().unwrap(),
        show_reblogs: true,
        notify: false,
        created_at: Timestamp::now(),
    };
    bonsai_db::follows::upsert(&mut tx, bonsai_db::follows::Kind::Follow, &follow)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    a.post_json(
        "/api/v1/statuses",
        Some(&alice),
        json!({"status": "anyone there?"}),
    )
    .await;
    let db = a.db.db.clone();
    eventually("the delivery to be scheduled for retry", || async {
        // Tried, failed to connect, and kept for a later attempt.
        let failing = bonsai_db::domains::failing_since(db.reader(), &down)
            .await
            .unwrap();
        failing.map(|_| ())
    })
    .await;
    assert_eq!(
        bonsai_db::jobs::pending(db.reader(), "delivery")
            .await
            .unwrap(),
        1,
        "kept for retry, not dropped"
    );

    // After days of failure the server is parked: new deliveries give up at once.
    bonsai_db::domains::record_success(db.writer(), &down)
        .await
        .unwrap();
    bonsai_db::domains::record_failure(db.writer(), &down, Timestamp::now().plus_secs(-8 * 86_400))
        .await
        .unwrap();
    a.post_json(
        "/api/v1/statuses",
        Some(&alice),
        json!({"status": "still nobody?"}),
    )
    .await;
    let failed = eventually("the parked delivery to fail", || async {
        let f = bonsai_db::jobs::failed(db.reader(), "delivery")
            .await
            .unwrap();
        (!f.is_empty()).then_some(f)
    })
    .await;
    assert!(failed[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("unavailable"));
}

/// A scripted remote server (the kind of peer that can't run here): it serves two actor
/// documents and WebFinger, records what is delivered to it, and signs what it sends.
pub(crate) struct FakePeer {
    pub(crate) base: String,
    old_key: bonsai_federation::keys::PemKeyPair,
    pub(crate) received: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

impl FakePeer {
    pub(crate) async fn start() -> Self {
        use axum::routing::{get, post};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let old_key = bonsai_federation::keys::generate_rsa_2048().unwrap();
        let new_key = bonsai_federation::keys::generate_rsa_2048().unwrap();
        let actor = |name: &str, pem: &str, aka: Option<String>| {
            let id = format!("{base}/users/{name}");
            let mut doc = json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": "Person", "preferredUsername": name,
                "inbox": format!("{base}/inbox"), "outbox": format!("{id}/outbox"),
                "followers": format!("{id}/followers"),
                "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem }
            });
            if let Some(aka) = aka {
                doc["alsoKnownAs"] = json!([aka]);
            }
            doc.to_string()
        };
        let old_doc = actor("old", &old_key.public_pem, None);
        let new_doc = actor(
            "new",
            &new_key.public_pem,
            Some(format!("{base}/users/old")),
        );
        let host = base.trim_start_matches("http://").to_string();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = received.clone();
        let base_for_jrd = base.clone();
        let app = axum::Router::new()
            .route("/users/old", get(move || async move { old_doc }))
            .route("/users/new", get(move || async move { new_doc }))
            .route(
                "/.well-known/webfinger",
                get(move || async move {
                    json!({
                        "subject": format!("acct:old@{host}"),
                        "links": [{ "rel": "self", "type": "application/activity+json", "href": format!("{base_for_jrd}/users/old") }]
                    })
                    .to_string()
                }),
            )
            .route(
                "/inbox",
                post(move |body: axum::body::Bytes| async move {
                    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                        sink.lock().unwrap().push(v);
                    }
                    StatusCode::ACCEPTED
                }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base,
            old_key,
            received,
        }
    }

    /// Posts `activity` to `app`'s shared inbox, signed by the old account's key.
    pub(crate) async fn deliver(&self, app: &TestApp, activity: Value) -> StatusCode {
        let body = activity.to_string().into_bytes();
        let uri: axum::http::Uri = format!("http://{}/inbox", app.domain()).parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        bonsai_federation::signatures::sign_request(
            &axum::http::Method::POST,
            &uri,
            &mut headers,
            Some(&body),
            &format!("{}/users/old#main-key", self.base),
            &self.old_key.private_pem,
            std::time::SystemTime::now(),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        app.request(
            axum::http::Method::POST,
            "/inbox",
            None,
            Some(("application/activity+json", body)),
            &refs,
        )
        .await
        .status
    }
}

#[tokio::test]
async fn a_confirmed_move_carries_followers_over() {
    let a = TestApp::federated().await;
    let peer = FakePeer::start().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let host = peer.base.trim_start_matches("http://").to_string();
    let old_uri = format!("{}/users/old", peer.base);
    let new_uri = format!("{}/users/new", peer.base);

    // alice follows old@peer; the peer accepts.
    let r = a
        .get(
            &format!("/api/v2/search?q=%40old%40{host}&resolve=true&type=accounts"),
            Some(&alice),
        )
        .await
        .json();
    let old_id = r["accounts"][0]["id"].as_str().unwrap().to_string();
    a.post_json(
        &format!("/api/v1/accounts/{old_id}/follow"),
        Some(&alice),
        json!({}),
    )
    .await;
    let follow = eventually("alice's Follow at the peer", || async {
        peer.received
            .lock()
            .unwrap()
            .iter()
            .find(|v| v["type"] == "Follow")
            .cloned()
    })
    .await;
    assert_eq!(follow["object"], old_uri.as_str());
    let accept = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}/accepts/1", peer.base),
        "type": "Accept", "actor": old_uri, "object": follow});
    assert_eq!(peer.deliver(&a, accept).await, StatusCode::ACCEPTED);
    eventually("alice to follow old", || async {
        let r = a
            .get(
                &format!("/api/v1/accounts/relationships?id[]={old_id}"),
                Some(&alice),
            )
            .await
            .json();
        (r[0]["following"] == true).then_some(())
    })
    .await;

    // old -> new, which names old in its alsoKnownAs: alice's follow moves to new.
    let mv = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}/moves/1", peer.base),
        "type": "Move", "actor": old_uri, "object": old_uri, "target": new_uri});
    assert_eq!(peer.deliver(&a, mv).await, StatusCode::ACCEPTED);
    let follow_new = eventually("a Follow of the new account at the peer", || async {
        peer.received
            .lock()
            .unwrap()
            .iter()
            .find(|v| v["type"] == "Follow" && v["object"] == new_uri.as_str())
            .cloned()
    })
    .await;
    assert_eq!(
        follow_new["actor"],
        format!("http://{}/users/alice", a.domain())
    );
    let r = a
        .get(
            &format!("/api/v1/accounts/relationships?id[]={old_id}"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(r[0]["following"], false);
}

#[tokio::test]
async fn deletes_win_over_late_creates_and_remove_accounts() {
    let a = TestApp::federated().await;
    let peer = FakePeer::start().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let old_uri = format!("{}/users/old", peer.base);
    let ctx = "https://www.w3.org/ns/activitystreams";
    let note = |n: u32| {
        json!({"id": format!("{}/notes/{n}", peer.base), "type": "Note", "attributedTo": old_uri,
            "content": format!("<p>note {n}</p>"), "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-01-01T00:00:00Z"})
    };
    let create = |n: u32| json!({"@context": ctx, "id": format!("{}/creates/{n}", peer.base), "type": "Create", "actor": old_uri, "object": note(n)});
    // The Delete of note 1 arrives first; its Create afterwards is ignored.
    let delete = json!({"@context": ctx, "id": format!("{}/deletes/1", peer.base), "type": "Delete", "actor": old_uri,
        "object": {"id": format!("{}/notes/1", peer.base), "type": "Tombstone"}});
    assert_eq!(peer.deliver(&a, delete).await, StatusCode::ACCEPTED);
    let marker = format!("tombstone:{}/notes/1", peer.base);
    eventually("the Delete to be processed", || async {
        bonsai_db::activities::is_processed(a.db.db.reader(), &marker)
            .await
            .unwrap()
            .then_some(())
    })
    .await;
    assert_eq!(peer.deliver(&a, create(1)).await, StatusCode::ACCEPTED);
    assert_eq!(peer.deliver(&a, create(2)).await, StatusCode::ACCEPTED);
    let url2 = format!("{}/notes/2", peer.base);
    let r = eventually("note 2 to arrive", || async {
        let r = a
            .get(
                &format!("/api/v2/search?q={url2}&type=statuses"),
                Some(&alice),
            )
            .await
            .json();
        r["statuses"].as_array().filter(|s| !s.is_empty()).cloned()
    })
    .await;
    assert!(r[0]["content"].as_str().unwrap().contains("note 2"));
    let url1 = format!("{}/notes/1", peer.base);
    let r = a
        .get(
            &format!("/api/v2/search?q={url1}&type=statuses"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(
        r["statuses"].as_array().unwrap().len(),
        0,
        "the deleted note stays deleted"
    );

    // Before it goes, the account follows alice, is followed by her, and likes, boosts
    // and answers her post: every counter of hers moves.
    let post = a
        .post_json(
            "/api/v1/statuses",
            Some(&alice),
            json!({"status": "hi old"}),
        )
        .await
        .json();
    let (post_id, post_uri) = (post["id"].as_str().unwrap(), post["uri"].as_str().unwrap());
    let alice_uri = format!("http://{}/users/alice", a.domain());
    let b = &peer.base;
    for activity in [
        json!({"@context": ctx, "id": format!("{b}/f/1"), "type": "Follow", "actor": old_uri, "object": alice_uri}),
        json!({"@context": ctx, "id": format!("{b}/l/1"), "type": "Like", "actor": old_uri, "object": post_uri}),
        json!({"@context": ctx, "id": format!("{b}/a/1"), "type": "Announce", "actor": old_uri, "object": post_uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "published": "2026-01-01T00:00:00Z"}),
        json!({"@context": ctx, "id": format!("{b}/creates/3"), "type": "Create", "actor": old_uri,
            "object": {"id": format!("{b}/notes/3"), "type": "Note", "attributedTo": old_uri, "inReplyTo": post_uri,
                "content": "<p>reply</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "published": "2026-01-01T00:00:00Z"}}),
    ] {
        assert_eq!(peer.deliver(&a, activity).await, StatusCode::ACCEPTED);
    }
    let old_id = a
        .get(
            &format!(
                "/api/v1/accounts/lookup?acct=old@{}",
                peer.base.trim_start_matches("http://")
            ),
            Some(&alice),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.post_json(
        &format!("/api/v1/accounts/{old_id}/follow"),
        Some(&alice),
        json!({}),
    )
    .await;
    let follow = eventually("alice's Follow at the peer", || async {
        let got = peer.received.lock().unwrap().clone();
        got.into_iter().find(|v| v["type"] == "Follow")
    })
    .await;
    let accept = json!({"@context": ctx, "id": format!("{b}/accepts/1"), "type": "Accept", "actor": old_uri, "object": follow});
    assert_eq!(peer.deliver(&a, accept).await, StatusCode::ACCEPTED);
    let counters = || async {
        let me = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice))
            .await
            .json();
        let s = a
            .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice))
            .await
            .json();
        [
            me["followers_count"].as_i64().unwrap(),
            me["following_count"].as_i64().unwrap(),
            s["favourites_count"].as_i64().unwrap(),
            s["reblogs_count"].as_i64().unwrap(),
            s["replies_count"].as_i64().unwrap(),
        ]
    };
    eventually("old's follow, like, boost and reply", || async {
        (counters().await == [1, 1, 1, 1, 1]).then_some(())
    })
    .await;

    // The account deletes itself: it and its posts are gone here, and so is everything it
    // added to alice's counters.
    let gone = json!({"@context": ctx, "id": format!("{}/deletes/me", peer.base), "type": "Delete", "actor": old_uri, "object": old_uri});
    assert_eq!(peer.deliver(&a, gone).await, StatusCode::ACCEPTED);
    eventually("the account to be removed", || async {
        let r = a
            .get(
                &format!("/api/v2/search?q={url2}&type=statuses"),
                Some(&alice),
            )
            .await
            .json();
        r["statuses"]
            .as_array()
            .is_some_and(|s| s.is_empty())
            .then_some(())
    })
    .await;
    assert_eq!(counters().await, [0, 0, 0, 0, 0]);
}
