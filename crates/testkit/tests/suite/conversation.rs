//! Three real instances on loopback, under names without ports (`i<PORT>.test`), so people
//! mention each other as `@user@host`: a conversation in every visibility, and each post
//! reaches exactly its audience — no more, on any of the three servers.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use bonsai_testkit::TestApp;

use crate::federation::{eventually, ids};

/// The local id of `user@host` on `on`, resolved through WebFinger as an app would.
async fn resolve(on: &TestApp, token: &str, acct: &str) -> String {
    let r = on
        .get(
            &format!("/api/v2/search?q=%40{acct}&resolve=true&type=accounts"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{acct} not resolved: {}", r.text()))
        .to_string()
}

async fn post(on: &TestApp, token: &str, body: Value) -> Value {
    let r = on.post_json("/api/v1/statuses", Some(token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn uris(on: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    let r = on.get(path, token).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.json()
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["uri"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `on` stores a copy of the post with `uri` at all: search by URL without
/// resolving only finds what is already in the database.
async fn knows(on: &TestApp, token: &str, uri: &str) -> bool {
    let q: String = form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    let r = on
        .get(
            &format!("/api/v2/search?q={q}&resolve=false&type=statuses"),
            Some(token),
        )
        .await
        .json();
    !ids(&r["statuses"]).is_empty()
}

#[tokio::test]
async fn a_conversation_in_every_visibility_reaches_exactly_its_audience() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let c = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, carol) = a.user("carol", "read write follow").await;
    let (bob_id, bob) = b.user("bob", "read write follow").await;
    let (_, dave) = c.user("dave", "read write follow").await;
    let (_, erin) = c.user("erin", "read write follow").await;
    let (da, db, dc) = (a.domain(), b.domain(), c.domain());
    assert!(!da.contains(':'), "test domains carry no port: {da}");

    // erin is locked: alice's follow waits for her approval.
    let r = c
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&erin),
            Some(("application/json", br#"{"locked": true}"#.to_vec())),
            &[],
        )
        .await;
    assert_eq!(r.json()["locked"], true, "{}", r.text());

    // alice and dave follow bob (unlocked: accepted by his server at once).
    let bob_at_a = resolve(&a, &alice, &format!("bob@{db}")).await;
    let bob_at_c = resolve(&c, &dave, &format!("bob@{db}")).await;
    a.post_json(
        &format!("/api/v1/accounts/{bob_at_a}/follow"),
        Some(&alice),
        json!({}),
    )
    .await;
    c.post_json(
        &format!("/api/v1/accounts/{bob_at_c}/follow"),
        Some(&dave),
        json!({}),
    )
    .await;
    eventually("bob to have two followers", || async {
        let acct = b
            .get(&format!("/api/v1/accounts/{bob_id}"), None)
            .await
            .json();
        (acct["followers_count"] == 2).then_some(())
    })
    .await;

    // alice asks to follow erin; erin sees the request and approves it.
    let erin_at_a = resolve(&a, &alice, &format!("erin@{dc}")).await;
    let rel = a
        .post_json(
            &format!("/api/v1/accounts/{erin_at_a}/follow"),
            Some(&alice),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rel["requested"], true, "{rel}");
    assert_eq!(rel["following"], false, "{rel}");
    let requests = eventually("erin to see alice's request", || async {
        let r = c.get("/api/v1/follow_requests", Some(&erin)).await.json();
        (!ids(&r).is_empty()).then_some(r)
    })
    .await;
    assert_eq!(requests[0]["acct"], format!("alice@{da}"));
    let notes = c.get("/api/v1/notifications", Some(&erin)).await.json();
    assert_eq!(notes[0]["type"], "follow_request", "{notes}");
    let alice_at_c = requests[0]["id"].as_str().unwrap().to_string();
    let r = c
        .post_json(
            &format!("/api/v1/follow_requests/{alice_at_c}/authorize"),
            Some(&erin),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["followed_by"], true, "{}", r.text());
    eventually("alice's follow of erin to be accepted", || async {
        let r = a
            .get(
                &format!("/api/v1/accounts/relationships?id[]={erin_at_a}"),
                Some(&alice),
            )
            .await
            .json();
        (r[0]["following"] == true && r[0]["requested"] == false).then_some(())
    })
    .await;

    // bob posts once in each visibility; the direct one is for alice alone, and the public
    // one mentions dave.
    let public = post(
        &b,
        &bob,
        json!({"status": format!("hello @dave@{dc}, and everyone")}),
    )
    .await;
    let unlisted = post(
        &b,
        &bob,
        json!({"status": "quietly public", "visibility": "unlisted"}),
    )
    .await;
    let private = post(
        &b,
        &bob,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    let direct = post(
        &b,
        &bob,
        json!({"status": format!("@alice@{da} just between us"), "visibility": "direct"}),
    )
    .await;
    let uri = |s: &Value| s["uri"].as_str().unwrap().to_string();
    let (pu, un, pr, dm) = (uri(&public), uri(&unlisted), uri(&private), uri(&direct));
    assert_eq!(direct["mentions"][0]["acct"], format!("alice@{da}"));

    // alice (follower, addressee of the DM) gets all four; dave (follower) gets three.
    let home_a = eventually("all four posts in alice's home", || async {
        let h = uris(&a, "/api/v1/timelines/home", Some(&alice)).await;
        (h.len() >= 4).then_some(h)
    })
    .await;
    // Remote posts are numbered as they arrive, and four posts in a row may arrive in any
    // order: what matters here is who got which.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(home_a.clone()),
        sorted(vec![dm.clone(), pr.clone(), un.clone(), pu.clone()])
    );
    let home_c = eventually("three posts in dave's home", || async {
        let h = uris(&c, "/api/v1/timelines/home", Some(&dave)).await;
        (h.len() >= 3).then_some(h)
    })
    .await;
    assert_eq!(
        sorted(home_c),
        sorted(vec![pr.clone(), un.clone(), pu.clone()])
    );

    // Notifications: alice is mentioned in the DM (and it says so), dave in the public post.
    let n = a
        .get("/api/v1/notifications?types[]=mention", Some(&alice))
        .await
        .json();
    assert_eq!(n.as_array().map(Vec::len), Some(1), "{n}");
    assert_eq!(n[0]["status"]["uri"], dm);
    assert_eq!(n[0]["status"]["visibility"], "direct");
    let n = eventually("dave's mention", || async {
        let n = c
            .get("/api/v1/notifications?types[]=mention", Some(&dave))
            .await
            .json();
        (!ids(&n).is_empty()).then_some(n)
    })
    .await;
    assert_eq!(n[0]["status"]["uri"], pu);

    // No leaks: server c never received the DM; carol (on a, following nobody) cannot
    // open the private post or the DM by id, and neither appears anywhere public.
    assert!(
        !knows(&c, &dave, &dm).await,
        "c stored a DM not meant for it"
    );
    assert!(knows(&c, &dave, &pr).await);
    for s in [&dm, &pr] {
        let found = a
            .get(
                &format!(
                    "/api/v2/search?q={}&type=statuses",
                    form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                ),
                Some(&carol),
            )
            .await
            .json();
        assert!(ids(&found["statuses"]).is_empty(), "carol found {s}");
    }
    let home_carol = uris(&a, "/api/v1/timelines/home", Some(&carol)).await;
    assert!(home_carol.is_empty(), "{home_carol:?}");
    for (server, token) in [(&a, &alice), (&c, &dave)] {
        let federated = uris(server, "/api/v1/timelines/public?remote=true", Some(token)).await;
        assert_eq!(
            federated,
            vec![pu.clone()],
            "only the public post is public"
        );
    }
    // bob's server answers the DM's and the private post's URLs to nobody unauthenticated.
    for (status, path) in [(&direct, "statuses"), (&private, "statuses")] {
        let r = b
            .request(
                Method::GET,
                &format!("/users/bob/{path}/{}", status["id"].as_str().unwrap()),
                None,
                None,
                &[("accept", "application/activity+json")],
            )
            .await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status == StatusCode::UNAUTHORIZED,
            "{} {}",
            r.status,
            r.text()
        );
    }

    // alice answers the DM privately: it reaches bob as a direct reply in the thread, and
    // nobody else.
    let dm_at_a = a
        .get("/api/v1/timelines/home", Some(&alice))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uri"] == dm.as_str())
        .and_then(|s| s["id"].as_str())
        .unwrap()
        .to_string();
    let reply = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{db} agreed"), "visibility": "direct", "in_reply_to_id": dm_at_a}),
    )
    .await;
    let reply_uri = uri(&reply);
    let n = eventually("bob to be notified of alice's reply", || async {
        let n = b
            .get("/api/v1/notifications?types[]=mention", Some(&bob))
            .await
            .json();
        (!ids(&n).is_empty()).then_some(n)
    })
    .await;
    assert_eq!(n[0]["status"]["uri"], reply_uri);
    assert_eq!(n[0]["status"]["visibility"], "direct");
    assert_eq!(n[0]["status"]["in_reply_to_id"], direct["id"]);
    let ctx = b
        .get(
            &format!(
                "/api/v1/statuses/{}/context",
                direct["id"].as_str().unwrap()
            ),
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(ctx["descendants"][0]["uri"], reply_uri, "{ctx}");
    assert!(!knows(&c, &dave, &reply_uri).await);

    // erin's followers-only post reaches alice (approved follower) and not dave.
    let erins = post(
        &c,
        &erin,
        json!({"status": "for my approved followers", "visibility": "private"}),
    )
    .await;
    eventually("erin's private post in alice's home", || async {
        let h = uris(&a, "/api/v1/timelines/home", Some(&alice)).await;
        h.contains(&uri(&erins)).then_some(())
    })
    .await;
    let home_c = uris(&c, "/api/v1/timelines/home", Some(&dave)).await;
    assert!(!home_c.contains(&uri(&erins)));
    assert!(
        !knows(&b, &bob, &uri(&erins)).await,
        "b got erin's private post"
    );

    // bob renames himself: his followers' servers are sent the new profile at once.
    let r = b
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&bob),
            Some((
                "application/json",
                br#"{"display_name": "Bob, renamed", "note": "new bio"}"#.to_vec(),
            )),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for (server, token, id) in [(&a, &alice, &bob_at_a), (&c, &dave, &bob_at_c)] {
        eventually("bob's new name on his followers' servers", || async {
            let acct = server
                .get(&format!("/api/v1/accounts/{id}"), Some(token))
                .await
                .json();
            (acct["display_name"] == "Bob, renamed"
                && acct["note"].as_str().is_some_and(|n| n.contains("new bio")))
            .then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_resolved_post_brings_its_replies_along() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;
    let (_, carol) = b.user("carol", "read write follow").await;
    let root = post(&b, &bob, json!({"status": "a thread starts"})).await;
    let rid = root["id"].as_str().unwrap();
    let mut public_replies = Vec::new();
    for (token, text) in [
        (&bob, "bob adds"),
        (&carol, "carol answers"),
        (&carol, "carol again"),
    ] {
        let r = post(&b, token, json!({"status": text, "in_reply_to_id": rid})).await;
        public_replies.push(r["uri"].as_str().unwrap().to_string());
    }
    let hidden = post(
        &b,
        &carol,
        json!({"status": "only for followers", "in_reply_to_id": rid, "visibility": "private"}),
    )
    .await;

    // alice pastes the root's URL into search: the root comes at once, its public replies
    // follow in the background (the private one never).
    let q: String =
        form_urlencoded::byte_serialize(root["uri"].as_str().unwrap().as_bytes()).collect();
    let found = a
        .get(
            &format!("/api/v2/search?q={q}&resolve=true&type=statuses"),
            Some(&alice),
        )
        .await
        .json();
    let root_at_a = found["statuses"][0]["id"].as_str().unwrap().to_string();
    let descendants = eventually("the replies at a", || async {
        let ctx = a
            .get(
                &format!("/api/v1/statuses/{root_at_a}/context"),
                Some(&alice),
            )
            .await
            .json();
        let d: Vec<String> = ctx["descendants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["uri"].as_str().map(str::to_string))
            .collect();
        (d.len() >= 3).then_some(d)
    })
    .await;
    let mut got = descendants.clone();
    got.sort();
    public_replies.sort();
    assert_eq!(got, public_replies);
    assert!(!knows(&a, &alice, hidden["uri"].as_str().unwrap()).await);
}
