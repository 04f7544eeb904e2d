//! Moderation: a user's own domain blocks (`/api/v1/domain_blocks`), instance-level silence and
//! reject-media, and reports (`/api/v1/reports`, forwarded as `Flag`, received from peers).

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use bonsai_core::model::Page;
use bonsai_testkit::{Response, TestApp};

use crate::federation::{eventually, FakePeer};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn uris(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["uri"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    app.request(Method::DELETE, path, Some(token), None, &[])
        .await
}

/// The id on `app` of `user@domain`, looked up through WebFinger.
async fn resolve(app: &TestApp, token: &str, user: &str, domain: &str) -> String {
    let r = app
        .get(
            &format!("/api/v2/search?q=%40{user}%40{domain}&resolve=true&type=accounts"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{user}@{domain} not found: {}", r.text()))
        .to_string()
}

async fn relationship(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(
        &format!("/api/v1/accounts/relationships?id[]={id}"),
        Some(token),
    )
    .await
    .json()[0]
        .clone()
}

/// Follows `id` and waits until the follow is accepted.
async fn follow(app: &TestApp, token: &str, id: &str) {
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    eventually("the follow to be accepted", || async {
        (relationship(app, token, id).await["following"] == true).then_some(())
    })
    .await;
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post_json("/api/v1/statuses", Some(token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn domain_blocks_api_shape_errors_and_pagination() {
    let app = TestApp::new().await;
    let (_, token) = app.user("alice", "read write follow").await;

    let r = app.get("/api/v1/domain_blocks", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!([]));
    assert_eq!(
        app.get("/api/v1/domain_blocks", None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Normalised (trimmed, lower case); blocking twice is fine and keeps one entry.
    for _ in 0..2 {
        let r = app
            .post_form(
                "/api/v1/domain_blocks",
                Some(&token),
                &[("domain", " Example.COM ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json(), json!({}));
    }
    let r = app.get("/api/v1/domain_blocks", Some(&token)).await;
    assert_eq!(r.json(), json!(["example.com"]));

    // Mastodon's validation errors: blank and malformed names are 422; so is our own name.
    for (body, needle) in [
        (json!({}), "can't be blank"),
        (json!({"domain": ""}), "can't be blank"),
        (json!({"domain": "example com"}), "invalid"),
        (json!({"domain": "https://x.example/"}), "invalid"),
        (json!({"domain": "bonsai.test"}), "this server"),
        (json!({"domain": ["a.example"]}), "string"),
    ] {
        let r = app
            .post_json("/api/v1/domain_blocks", Some(&token), body.clone())
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        let error = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(needle), "{body}: {error}");
    }

    // Scopes: read:blocks reads, write:blocks writes, the legacy `follow` does both.
    let (_, reader) = app.user("reader", "read:blocks").await;
    assert_eq!(
        app.get("/api/v1/domain_blocks", Some(&reader)).await.status,
        StatusCode::OK
    );
    let r = app
        .post_json(
            "/api/v1/domain_blocks",
            Some(&reader),
            json!({"domain": "x.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, writer) = app.user("writer", "write:blocks").await;
    assert_eq!(
        app.get("/api/v1/domain_blocks", Some(&writer)).await.status,
        StatusCode::FORBIDDEN
    );
    let (_, legacy) = app.user("legacy", "follow").await;
    let r = app
        .post_json(
            "/api/v1/domain_blocks",
            Some(&legacy),
            json!({"domain": "x.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get("/api/v1/domain_blocks", Some(&legacy)).await.json(),
        json!(["x.example"])
    );

    // Pagination: newest first, Link header to the next page.
    for d in ["a.example", "b.example", "c.example", "d.example"] {
        app.post_json("/api/v1/domain_blocks", Some(&token), json!({"domain": d}))
            .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/domain_blocks?limit=2".to_string();
    for _ in 0..5 {
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = strings(&r.json());
        assert!(page.len() <= 2);
        seen.extend(page);
        let Some(next) = r.header("link").and_then(|l| {
            l.split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| {
                    p.trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
        }) else {
            break;
        };
        assert!(
            next.contains("limit=2") && next.contains("max_id="),
            "{next}"
        );
        path = next
            .split_once("bonsai.test")
            .map(|(_, p)| p.to_string())
            .unwrap();
    }
    assert_eq!(
        seen,
        [
            "d.example",
            "c.example",
            "b.example",
            "a.example",
            "example.com"
        ]
    );

    // Unblocking: 200 with `{}`, also for a domain that was not blocked.
    let r = delete(&app, "/api/v1/domain_blocks?domain=c.example", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({}));
    let r = delete(&app, "/api/v1/domain_blocks?domain=never.example", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    let all = strings(&app.get("/api/v1/domain_blocks", Some(&token)).await.json());
    assert_eq!(all, ["d.example", "b.example", "a.example", "example.com"]);
    let r = delete(&app, "/api/v1/domain_blocks?domain=a.example", &reader).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// alice@a blocks b: her follower and followee there are removed on both servers, b's
/// posts and notifications stop reaching her (boosts by people she follows included), new
/// follows either way are refused. carol@a, who blocks nothing, still sees everything.
#[tokio::test]
async fn a_domain_block_cuts_a_user_off_from_that_server() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (alice_id, alice) = a.user("alice", "read write follow").await;
    let (carol_id, carol) = a.user("carol", "read write follow").await;
    let (bob_id, bob) = b.user("bob", "read write follow").await;
    let (dan_id, dan) = b.user("dan", "read write follow").await;
    let remote_bob = resolve(&a, &alice, "bob", &b.domain()).await;
    let remote_dan = resolve(&a, &alice, "dan", &b.domain()).await;
    let remote_alice = resolve(&b, &bob, "alice", &a.domain()).await;

    // bob follows alice; alice follows dan; carol follows bob; alice follows carol.
    follow(&b, &bob, &remote_alice).await;
    follow(&a, &alice, &remote_dan).await;
    follow(&a, &carol, &remote_bob).await;
    follow(&a, &alice, &carol_id).await;
    // bob mentions alice: she has a notification from b.
    post(
        &b,
        &bob,
        json!({"status": format!("hi @alice@{}", a.domain())}),
    )
    .await;
    eventually("the mention to reach alice", || async {
        let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
        n.as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "mention")
            .then_some(())
    })
    .await;

    let r = a
        .post_form(
            "/api/v1/domain_blocks",
            Some(&alice),
            &[("domain", &b.domain())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    // Relationships: domain_blocking, no follows left either way.
    let rel = relationship(&a, &alice, &remote_bob).await;
    assert_eq!(rel["domain_blocking"], true);
    assert_eq!(rel["followed_by"], false);
    let rel = relationship(&a, &alice, &remote_dan).await;
    assert_eq!(
        (rel["following"].clone(), rel["requested"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(
        relationship(&a, &carol, &remote_bob).await["domain_blocking"],
        false
    );
    let me = a
        .get(&format!("/api/v1/accounts/{alice_id}"), None)
        .await
        .json();
    assert_eq!(
        (me["followers_count"].clone(), me["following_count"].clone()),
        (json!(0), json!(1))
    );
    // Notifications from b are gone.
    let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
    assert!(n
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["account"]["id"] != remote_bob.as_str()));

    // b hears of it: bob's follow was rejected, alice's follow of dan undone.
    eventually("b to drop bob's follow of alice (Reject)", || async {
        let r = relationship(&b, &bob, &remote_alice).await;
        (r["following"] == false && r["requested"] == false).then_some(())
    })
    .await;
    eventually("b to drop alice's follow of dan (Undo)", || async {
        let d = b
            .get(&format!("/api/v1/accounts/{dan_id}"), None)
            .await
            .json();
        (d["followers_count"] == 0).then_some(())
    })
    .await;
    let bob_acct = b
        .get(&format!("/api/v1/accounts/{bob_id}"), None)
        .await
        .json();
    assert_eq!(bob_acct["following_count"], 0);

    // A new post by bob reaches a (carol follows him): carol sees it, alice doesn't — not
    // in public, not as carol's boost in her home. His mention of her is dropped.
    let hello = post(
        &b,
        &bob,
        json!({"status": format!("hello again @alice@{}", a.domain())}),
    )
    .await;
    let seen_by_carol = eventually("bob's post at a", || async {
        let h = a.get("/api/v1/timelines/home", Some(&carol)).await.json();
        h.as_array()
            .unwrap()
            .iter()
            .find(|s| s["uri"] == hello["uri"])
            .cloned()
    })
    .await;
    let local_id = seen_by_carol["id"].as_str().unwrap();
    let r = a
        .post_json(
            &format!("/api/v1/statuses/{local_id}/reblog"),
            Some(&carol),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let public = a.get("/api/v1/timelines/public", Some(&carol)).await.json();
    assert!(uris(&public).contains(&hello["uri"].as_str().unwrap().to_string()));
    let public = a.get("/api/v1/timelines/public", Some(&alice)).await.json();
    assert!(!uris(&public).contains(&hello["uri"].as_str().unwrap().to_string()));
    let home = a.get("/api/v1/timelines/home", Some(&alice)).await.json();
    assert!(
        home.as_array()
            .unwrap()
            .iter()
            .all(|s| s["reblog"].is_null() || s["reblog"]["uri"] != hello["uri"]),
        "{home}"
    );
    let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
    assert_eq!(n, json!([]), "no notification from a blocked server");

    // Following into the blocked server is refused; a Follow from there is rejected.
    let r = a
        .post_json(
            &format!("/api/v1/accounts/{remote_dan}/follow"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    b.post_json(
        &format!("/api/v1/accounts/{remote_alice}/follow"),
        Some(&dan),
        json!({}),
    )
    .await;
    let remote_alice_for_dan = resolve(&b, &dan, "alice", &a.domain()).await;
    eventually("a to reject dan's follow", || async {
        let r = relationship(&b, &dan, &remote_alice_for_dan).await;
        (r["requested"] == false && r["following"] == false).then_some(())
    })
    .await;
    let me = a
        .get(&format!("/api/v1/accounts/{alice_id}"), None)
        .await
        .json();
    assert_eq!(me["followers_count"], 0);

    // Unblocking ends the filter (old follows stay gone).
    let r = delete(
        &a,
        &format!("/api/v1/domain_blocks?domain={}", b.domain()),
        &alice,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        relationship(&a, &alice, &remote_bob).await["domain_blocking"],
        false
    );
    let public = a.get("/api/v1/timelines/public", Some(&alice)).await.json();
    assert!(uris(&public).contains(&hello["uri"].as_str().unwrap().to_string()));
}

/// Instance-level silence: posts from a silenced server reach local followers only, never the
/// public or hashtag timelines; notifications reach only users who follow the sender.
#[tokio::test]
async fn silenced_servers_reach_followers_only() {
    let b = TestApp::federated().await;
    let b_host = b.domain().split(':').next().unwrap().to_string();
    let a = TestApp::federated_with(|c| c.silenced_domains = vec![b_host]).await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, carol) = a.user("carol", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;
    let remote_bob = resolve(&a, &carol, "bob", &b.domain()).await;
    follow(&a, &carol, &remote_bob).await;

    let loud = post(
        &b,
        &bob,
        json!({"status": format!("#quiet hello @alice@{} and @carol@{}", a.domain(), a.domain())}),
    )
    .await;
    let loud_uri = loud["uri"].as_str().unwrap().to_string();
    eventually("bob's post in carol's home", || async {
        let h = a.get("/api/v1/timelines/home", Some(&carol)).await.json();
        uris(&h).contains(&loud_uri).then_some(())
    })
    .await;
    let local = post(&a, &alice, json!({"status": "#quiet local voice"})).await;
    for token in [None, Some(alice.as_str()), Some(carol.as_str())] {
        for path in ["/api/v1/timelines/public", "/api/v1/timelines/tag/quiet"] {
            let list = uris(&a.get(path, token).await.json());
            assert!(!list.contains(&loud_uri), "{path} {token:?}: {list:?}");
            assert!(
                list.contains(&local["uri"].as_str().unwrap().to_string()),
                "{path}"
            );
        }
    }
    let list = uris(
        &a.get("/api/v1/timelines/public?remote=true", None)
            .await
            .json(),
    );
    assert!(list.is_empty(), "{list:?}");
    // carol follows bob: notified. alice doesn't: nothing.
    let n = a.get("/api/v1/notifications", Some(&carol)).await.json();
    assert!(
        n.as_array().unwrap().iter().any(|n| n["type"] == "mention"),
        "{n}"
    );
    let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
    assert_eq!(n, json!([]));
    // A follow from a silenced server needs approval, even of an unlocked account, and
    // brings no notification; once approved it is a follow on both sides.
    let alice_at_b = resolve(&b, &bob, "alice", &a.domain()).await;
    b.post_json(
        &format!("/api/v1/accounts/{alice_at_b}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    let requests = eventually("bob's follow request at a", || async {
        let r = a.get("/api/v1/follow_requests", Some(&alice)).await.json();
        (!r.as_array()?.is_empty()).then_some(r)
    })
    .await;
    assert_eq!(requests[0]["id"], remote_bob.as_str());
    let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
    assert_eq!(n, json!([]));
    assert_eq!(
        relationship(&b, &bob, &alice_at_b).await["following"],
        false
    );
    let r = a
        .post_json(
            &format!("/api/v1/follow_requests/{remote_bob}/authorize"),
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    eventually("b to see the follow accepted", || async {
        (relationship(&b, &bob, &alice_at_b).await["following"] == true).then_some(())
    })
    .await;

    // alice's home does not get the post either (she doesn't follow bob).
    let h = uris(&a.get("/api/v1/timelines/home", Some(&alice)).await.json());
    assert!(!h.contains(&loud_uri));
}

/// Media from a reject-media server: its accounts get the default avatar and header.
#[tokio::test]
async fn reject_media_servers_show_default_avatars() {
    let peer = FakePeer::start().await;
    let host = peer.base.trim_start_matches("http://").to_string();
    let peer_host = host.split(':').next().unwrap().to_string();
    let a = TestApp::federated_with(|c| c.reject_media_domains = vec![peer_host]).await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let id = resolve(&a, &alice, "old", &host).await;
    let acct = a.get(&format!("/api/v1/accounts/{id}"), None).await.json();
    let base = format!("http://{}", a.domain());
    assert_eq!(
        acct["avatar"],
        format!("{base}/avatars/original/missing.png")
    );
    assert_eq!(acct["avatar_static"], acct["avatar"]);
    assert_eq!(
        acct["header"],
        format!("{base}/headers/original/missing.png")
    );

    // Custom emoji are media too: a post from the peer shows them on another instance,
    // not on this one.
    let other = TestApp::federated().await;
    let note = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/creates/emoji", peer.base), "type": "Create",
        "actor": format!("{}/users/old", peer.base),
        "object": {
            "id": format!("{}/notes/emoji", peer.base), "type": "Note",
            "attributedTo": format!("{}/users/old", peer.base),
            "content": "<p>:blobcat: hello</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "tag": [{"type": "Emoji", "name": ":blobcat:", "id": "https://cdn.example/emoji/1",
                     "icon": {"type": "Image", "url": "https://cdn.example/blobcat.png"}}]
        }
    });
    for app in [&a, &other] {
        assert_eq!(peer.deliver(app, note.clone()).await, StatusCode::ACCEPTED);
    }
    for (app, expected) in [(&other, 1), (&a, 0)] {
        let status = eventually("the peer's post", || async {
            let list = app.get("/api/v1/timelines/public", None).await.json();
            list.as_array().and_then(|l| l.first().cloned())
        })
        .await;
        assert_eq!(
            status["emojis"].as_array().map(Vec::len),
            Some(expected),
            "{status}"
        );
    }
    // So are those of its accounts' names, wherever the account is shown.
    let old_uri = format!("{}/users/old", peer.base);
    let stored = bonsai_db::accounts::find_by_uri(other.db.db.reader(), &old_uri)
        .await
        .unwrap()
        .unwrap();
    let person = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/updates/profile", peer.base), "type": "Update", "actor": old_uri,
        "object": {
            "id": old_uri, "type": "Person", "preferredUsername": "old", "name": "Old :blobcat:",
            "inbox": format!("{}/inbox", peer.base),
            "publicKey": {"id": format!("{old_uri}#main-key"), "owner": old_uri,
                          "publicKeyPem": stored.public_key_pem},
            "tag": [{"type": "Emoji", "name": ":blobcat:", "id": "https://cdn.example/emoji/1",
                     "icon": {"type": "Image", "url": "https://cdn.example/blobcat.png"}}]
        }
    });
    for (app, expected) in [(&other, 1), (&a, 0)] {
        assert_eq!(
            peer.deliver(app, person.clone()).await,
            StatusCode::ACCEPTED
        );
        let found = eventually("the renamed account", || async {
            let r = app
                .get(
                    &format!("/api/v2/search?q=%40old%40{host}&type=accounts"),
                    None,
                )
                .await
                .json();
            let account = r["accounts"][0].clone();
            (account["display_name"] == "Old :blobcat:").then_some(account)
        })
        .await;
        assert_eq!(
            found["emojis"].as_array().map(Vec::len),
            Some(expected),
            "{found}"
        );
        let list = app.get("/api/v1/timelines/public", None).await.json();
        assert_eq!(
            list[0]["account"]["emojis"].as_array().map(Vec::len),
            Some(expected),
            "{list}"
        );
    }
}

#[tokio::test]
async fn reports_are_checked_and_forwarded_as_flags() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (alice_id, alice) = a.user("alice", "read write follow").await;
    let (bob_id, bob) = b.user("bob", "read write follow").await;
    let (_, carol) = a.user("carol", "read write follow").await;
    let spam = post(&b, &bob, json!({"status": "buy now"})).await;
    let remote_bob = resolve(&a, &alice, "bob", &b.domain()).await;
    let r = a
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true&type=statuses",
                spam["uri"].as_str().unwrap()
            ),
            Some(&alice),
        )
        .await
        .json();
    let spam_here = r["statuses"][0]["id"].as_str().unwrap().to_string();
    let carols = post(&a, &carol, json!({"status": "not bob's"})).await;
    let carols_id = carols["id"].as_str().unwrap();

    // Errors, in Mastodon's shape.
    let long = "x".repeat(1001);
    for (body, status) in [
        (json!({"comment": "x"}), StatusCode::NOT_FOUND),
        (json!({"account_id": "999999"}), StatusCode::NOT_FOUND),
        (json!({"account_id": "nope"}), StatusCode::NOT_FOUND),
        (
            json!({"account_id": remote_bob, "comment": long}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"account_id": remote_bob, "category": "rude"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"account_id": remote_bob, "rule_ids": ["1"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"account_id": remote_bob, "status_ids": [carols_id]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"account_id": remote_bob, "status_ids": ["123"]}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = a
            .post_json("/api/v1/reports", Some(&alice), body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.json()["error"].is_string(), "{body}: {}", r.text());
    }
    let (_, reader) = a.user("reader", "read").await;
    let r = a
        .post_json(
            "/api/v1/reports",
            Some(&reader),
            json!({"account_id": remote_bob}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        a.post_json("/api/v1/reports", None, json!({"account_id": remote_bob}))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // A local report, not forwarded (form-encoded, arrays as `x[]`, booleans as 1/0).
    let r = a
        .post_form(
            "/api/v1/reports",
            Some(&alice),
            &[
                ("account_id", &remote_bob),
                ("status_ids[]", &spam_here),
                ("forward", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let local = r.json();
    assert_eq!(local["forwarded"], false);
    assert_eq!(local["category"], "other");
    assert_eq!(local["comment"], "");

    // Forwarded: the Report entity, then a Flag at b.
    let r = a
        .post_json(
            "/api/v1/reports",
            Some(&alice),
            json!({"account_id": remote_bob, "status_ids": [spam_here], "comment": "spam, obviously",
                   "forward": true, "category": "spam"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert!(report["id"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(report["action_taken"], false);
    assert_eq!(report["action_taken_at"], Value::Null);
    assert_eq!(report["category"], "spam");
    assert_eq!(report["comment"], "spam, obviously");
    assert_eq!(report["forwarded"], true);
    assert_eq!(report["status_ids"], json!([spam_here]));
    assert_eq!(report["rule_ids"], Value::Null);
    assert_eq!(report["target_account"]["id"], remote_bob.as_str());
    assert_eq!(
        report["target_account"]["acct"],
        format!("bob@{}", b.domain())
    );
    assert!(report["created_at"].as_str().unwrap().ends_with('Z'));

    let page = Page {
        limit: 20,
        ..Page::default()
    };
    let received = eventually("b to store the forwarded report", || async {
        let list = b.services.reports(&page).await.unwrap();
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(received.len(), 1, "only the forwarded report reaches b");
    let got = &received[0];
    assert_eq!(got.target.account.id.to_string(), bob_id);
    assert_eq!(got.report.comment, "spam, obviously");
    assert_eq!(
        got.report.status_ids,
        vec![spam["id"].as_str().unwrap().parse::<i64>().unwrap()]
    );
    // Sent by a's instance actor, never by the reporter.
    assert_eq!(got.reporter.uri, format!("http://{}/actor", a.domain()));
    assert!(got
        .report
        .uri
        .as_deref()
        .unwrap()
        .starts_with(&format!("http://{}/", a.domain())));
    // a keeps both reports, by alice.
    let mine = a.services.reports(&page).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|v| v.reporter.id.to_string() == alice_id));
}

#[tokio::test]
async fn flags_from_other_servers_become_reports_once() {
    let a = TestApp::federated().await;
    let peer = FakePeer::start().await;
    let (alice_id, alice) = a.user("alice", "read write follow").await;
    let (_, carol) = a.user("carol", "read write follow").await;
    let bad = post(&a, &alice, json!({"status": "something"})).await;
    let other = post(&a, &carol, json!({"status": "carol's"})).await;
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/flags/1", peer.base),
        "type": "Flag",
        "actor": format!("{}/users/old", peer.base),
        "content": "please look",
        "object": [
            format!("http://{}/users/alice", a.domain()),
            bad["uri"], other["uri"], "https://elsewhere.example/notes/1"
        ]
    });
    assert_eq!(peer.deliver(&a, flag.clone()).await, StatusCode::ACCEPTED);
    let page = Page {
        limit: 20,
        ..Page::default()
    };
    let list = eventually("a to store the Flag", || async {
        let list = a.services.reports(&page).await.unwrap();
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(list.len(), 1);
    let r = &list[0];
    assert_eq!(r.target.account.id.to_string(), alice_id);
    assert_eq!(
        r.report.status_ids,
        vec![bad["id"].as_str().unwrap().parse::<i64>().unwrap()],
        "carol's post is not alice's and is left out"
    );
    assert_eq!(r.report.comment, "please look");
    assert_eq!(r.report.category, "other");
    assert!(!r.report.forwarded);
    let host = peer.base.trim_start_matches("http://");
    assert_eq!(r.reporter.acct(), format!("old@{host}"));

    // The same Flag again changes nothing.
    assert_eq!(peer.deliver(&a, flag).await, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(a.services.reports(&page).await.unwrap().len(), 1);
    // A Flag naming no local account is ignored.
    let stray = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/flags/2", peer.base), "type": "Flag",
        "actor": format!("{}/users/old", peer.base), "object": ["https://elsewhere.example/users/x"]
    });
    assert_eq!(peer.deliver(&a, stray).await, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(a.services.reports(&page).await.unwrap().len(), 1);
}
