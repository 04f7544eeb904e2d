//! Account migration between Bonsai instances: the new account lists the old one as an alias
//! (`alsoKnownAs`), the old one moves (`movedTo`, `Move`), and followers here and on other
//! servers follow the new account.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use bonsai_service::ErrorKind;
use bonsai_testkit::TestApp;

use crate::federation::eventually;

const AP: &str = "application/activity+json";

async fn actor_doc(app: &TestApp, username: &str) -> Value {
    let r = app
        .request(
            Method::GET,
            &format!("/users/{username}"),
            None,
            None,
            &[("accept", AP)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// `viewer` on `app` resolves `acct` (`user@domain`) and follows it; waits for the accept.
async fn follow_remote(app: &TestApp, viewer: &str, acct: &str) -> String {
    let found = app
        .get(
            &format!("/api/v2/search?q=%40{acct}&resolve=true&type=accounts"),
            Some(viewer),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let id = found.json()["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(viewer),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    eventually(&format!("{acct} to accept the follow"), || async {
        following(app, viewer, &id).await.then_some(())
    })
    .await;
    id
}

async fn following(app: &TestApp, viewer: &str, id: &str) -> bool {
    let r = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(viewer),
        )
        .await
        .json();
    r[0]["following"] == true
}

#[tokio::test]
async fn an_account_moves_to_another_instance_with_its_followers() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let c = TestApp::federated().await;
    let (alice_id, _) = a.user("alice", "read write follow").await;
    let (_, dave) = a.user("dave", "read write follow").await;
    let (alice2_id, _) = b.user("alice2", "read write follow").await;
    let (_, carol) = c.user("carol", "read write follow").await;
    let alice_uri = format!("http://{}/users/alice", a.domain());
    let alice2_uri = format!("http://{}/users/alice2", b.domain());
    let alice_num: i64 = alice_id.parse().unwrap();
    let alice2_num: i64 = alice2_id.parse().unwrap();

    // carol@c and dave@a follow alice@a.
    let alice_at_c = follow_remote(&c, &carol, &format!("alice@{}", a.domain())).await;
    let r = a
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&dave),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(following(&a, &dave, &alice_id).await);

    // Without the alias on alice2@b the move is refused, and nothing changes.
    let err = a
        .services
        .move_account(alice_num, &alice2_uri)
        .await
        .expect_err("a move to an account without the alias");
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(err.message.contains("alias"), "{}", err.message);
    assert!(err.message.contains(&alice_uri), "{}", err.message);
    let shown = a
        .get(&format!("/api/v1/accounts/{alice_id}"), Some(&dave))
        .await
        .json();
    assert!(shown.get("moved").is_none(), "{shown}");
    assert!(actor_doc(&a, "alice").await.get("movedTo").is_none());
    assert!(following(&a, &dave, &alice_id).await);
    assert!(following(&c, &carol, &alice_at_c).await);

    // alice2@b names alice@a as an alias (fetched from a); b's actor document says so.
    let alice2 = b
        .services
        .add_account_alias(alice2_num, &alice_uri)
        .await
        .expect("alias");
    assert_eq!(alice2.also_known_as, vec![alice_uri.clone()]);
    // Adding it again changes nothing; aliasing oneself is refused.
    let again = b
        .services
        .add_account_alias(alice2_num, &format!("alice@{}", a.domain()))
        .await
        .expect("same alias by acct");
    assert_eq!(again.also_known_as, vec![alice_uri.clone()]);
    let own = b
        .services
        .add_account_alias(alice2_num, &alice2_uri)
        .await
        .expect_err("alias to oneself");
    assert_eq!(own.kind, ErrorKind::Validation);
    let doc = actor_doc(&b, "alice2").await;
    assert_eq!(doc["alsoKnownAs"], json!([alice_uri]));

    // The move: alice@a -> alice2@b.
    let new = a
        .services
        .move_account(alice_num, &alice2_uri)
        .await
        .expect("move");
    assert_eq!(new.uri, alice2_uri);
    let doc = actor_doc(&a, "alice").await;
    assert_eq!(doc["movedTo"], alice2_uri.as_str());
    let shown = a
        .get(&format!("/api/v1/accounts/{alice_id}"), Some(&dave))
        .await
        .json();
    assert_eq!(
        shown["moved"]["acct"],
        format!("alice2@{}", b.domain()),
        "{shown}"
    );
    assert_eq!(shown["moved"]["uri"], alice2_uri.as_str());
    assert!(shown["moved"].get("moved").is_none());
    let looked_up = a
        .get("/api/v1/accounts/lookup?acct=alice", Some(&dave))
        .await
        .json();
    assert_eq!(looked_up["moved"]["uri"], alice2_uri.as_str());
    // Moving to the same account again is refused.
    let twice = a
        .services
        .move_account(alice_num, &alice2_uri)
        .await
        .expect_err("second move to the same account");
    assert_eq!(twice.kind, ErrorKind::Validation);

    // Both followers now follow alice2@b (dave's follow is local to a, carol's came by Move).
    let followers = eventually("carol@c and dave@a following alice2@b", || async {
        let f = b
            .get(&format!("/api/v1/accounts/{alice2_id}/followers"), None)
            .await
            .json();
        let mut accts: Vec<String> = f
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x["acct"].as_str().map(str::to_string))
            .collect();
        accts.sort();
        (accts.len() == 2).then_some(accts)
    })
    .await;
    assert_eq!(
        followers,
        vec![
            format!("carol@{}", c.domain()),
            format!("dave@{}", a.domain())
        ]
    );
    let alice2_at_a = shown["moved"]["id"].as_str().unwrap().to_string();
    eventually("dave to follow alice2 on a", || async {
        following(&a, &dave, &alice2_at_a).await.then_some(())
    })
    .await;
    assert!(!following(&a, &dave, &alice_id).await);
    assert!(!following(&c, &carol, &alice_at_c).await);
    // c learnt of the move too: alice@a shows `moved` there.
    let at_c = c
        .get(&format!("/api/v1/accounts/{alice_at_c}"), Some(&carol))
        .await
        .json();
    assert_eq!(at_c["moved"]["uri"], alice2_uri.as_str(), "{at_c}");

    // The alias can be removed again (by its id); the actor document drops it.
    let alice2 = b
        .services
        .remove_account_alias(alice2_num, &alice_uri)
        .await
        .expect("remove alias");
    assert!(alice2.also_known_as.is_empty());
    assert!(actor_doc(&b, "alice2").await.get("alsoKnownAs").is_none());
    let gone = b
        .services
        .remove_account_alias(alice2_num, &alice_uri)
        .await
        .expect_err("not an alias any more");
    assert_eq!(gone.kind, ErrorKind::NotFound);
}

/// The repository side: aliases (local and remote) and `moved_to_account_id`, which a deleted
/// target clears.
#[tokio::test]
async fn aliases_and_moves_are_stored() {
    use bonsai_core::model::{Account, RemoteEndpoints};
    use bonsai_core::timestamp::Timestamp;
    use bonsai_db::accounts;

    let app = TestApp::new().await;
    let (id, _) = app.user("alice", "read").await;
    let id: i64 = id.parse().unwrap();
    let db = &app.db.db;
    let local = accounts::find(db.reader(), id).await.unwrap().unwrap();
    assert!(local.also_known_as.is_empty() && local.moved_to_account_id.is_none());

    let remote = Account {
        id: id + 1,
        username: "bob".into(),
        domain: Some("remote.test".into()),
        uri: "https://remote.test/users/bob".into(),
        url: "https://remote.test/@bob".into(),
        private_key_pem: None,
        also_known_as: vec!["https://old.test/users/bob".into()],
        ..local.clone()
    };
    let ep = RemoteEndpoints {
        inbox_url: "https://remote.test/users/bob/inbox".into(),
        ..Default::default()
    };
    let mut tx = db.begin().await.unwrap();
    accounts::upsert_remote(&mut tx, &remote, &ep, Timestamp::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let got = accounts::find(db.reader(), remote.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.also_known_as, remote.also_known_as);
    // A refreshed actor replaces its aliases.
    let refreshed = Account {
        also_known_as: vec![local.uri.clone(), "https://x.test/u/b".into()],
        ..remote.clone()
    };
    let mut tx = db.begin().await.unwrap();
    accounts::upsert_remote(&mut tx, &refreshed, &ep, Timestamp::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let got = accounts::find_by_uri(db.reader(), &remote.uri)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.also_known_as, refreshed.also_known_as);

    let now = Timestamp::now();
    accounts::set_also_known_as(db.writer(), id, std::slice::from_ref(&remote.uri), now)
        .await
        .unwrap();
    accounts::set_moved_to(db.writer(), id, remote.id, now)
        .await
        .unwrap();
    let got = accounts::find(db.reader(), id).await.unwrap().unwrap();
    assert_eq!(got.also_known_as, vec![remote.uri.clone()]);
    assert_eq!(got.moved_to_account_id, Some(remote.id));
    assert_eq!(got.updated_at, now);

    // The target goes: the old account no longer points anywhere.
    let mut tx = db.begin().await.unwrap();
    accounts::delete_remote(&mut tx, remote.id).await.unwrap();
    tx.commit().await.unwrap();
    let got = accounts::find(db.reader(), id).await.unwrap().unwrap();
    assert_eq!(got.moved_to_account_id, None);
}

/// An account that moved shows `moved` (the target, with its own emoji but never its own
/// `moved`) and its custom emoji wherever the API renders it, not only on its profile.
#[tokio::test]
async fn a_moved_account_shows_moved_and_emoji_everywhere() {
    let app = TestApp::new().await;
    let (bob_id, bob) = app.user("bob", "read write follow").await;
    let (bob2_id, bob2) = app.user("bob2", "read write follow").await;
    let (carol_id, carol) = app.user("carol", "read write follow").await;
    let emoji = bonsai_core::model::CustomEmoji {
        shortcode: "bonsai".into(),
        domain: None,
        uri: String::new(),
        image_url: "https://cdn.test/bonsai.png".into(),
        visible_in_picker: true,
    };
    let now = bonsai_core::timestamp::Timestamp::now();
    bonsai_db::emojis::upsert_remote(app.db.db.writer(), 1, &emoji, now)
        .await
        .unwrap();
    for (token, name) in [(&bob, "Bob :bonsai:"), (&bob2, ":bonsai: Bob, moved")] {
        let body = json!({"display_name": name}).to_string().into_bytes();
        let r = app
            .request(
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(token),
                Some(("application/json", body)),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/follow"),
            Some(&bob),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .post_json("/api/v1/statuses", Some(&bob), json!({"status": "hi"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let post_id = r.json()["id"].as_str().unwrap().to_string();
    app.services
        .add_account_alias(bob2_id.parse().unwrap(), "bob")
        .await
        .expect("alias");
    app.services
        .move_account(bob_id.parse().unwrap(), "bob2")
        .await
        .expect("move");

    let check = |v: &Value, place: &str| {
        assert_eq!(v["acct"], "bob", "{place}: {v}");
        assert_eq!(v["emojis"][0]["shortcode"], "bonsai", "{place}: {v}");
        assert_eq!(v["emojis"].as_array().map(Vec::len), Some(1), "{place}");
        assert_eq!(v["moved"]["acct"], "bob2", "{place}: {v}");
        assert_eq!(v["moved"]["id"], bob2_id.as_str(), "{place}");
        assert_eq!(
            v["moved"]["emojis"][0]["url"], "https://cdn.test/bonsai.png",
            "{place}: {v}"
        );
        assert!(v["moved"].get("moved").is_none(), "{place}: {v}");
    };
    let find_bob = |list: &Value| -> Value {
        list.as_array()
            .and_then(|l| l.iter().find(|a| a["acct"] == "bob"))
            .cloned()
            .unwrap_or(Value::Null)
    };

    let shown = app
        .get(&format!("/api/v1/accounts/{bob_id}"), Some(&carol))
        .await;
    check(&shown.json(), "profile");
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&bob))
        .await;
    check(&me.json(), "verify_credentials");

    let notes = app.get("/api/v1/notifications", Some(&carol)).await.json();
    let follow = notes
        .as_array()
        .and_then(|l| l.iter().find(|n| n["type"] == "follow"))
        .cloned()
        .unwrap_or(Value::Null);
    check(&follow["account"], "follow notification");
    let id = follow["id"].as_str().unwrap_or_default();
    let one = app
        .get(&format!("/api/v1/notifications/{id}"), Some(&carol))
        .await;
    check(&one.json()["account"], "one notification");

    let followers = app
        .get(&format!("/api/v1/accounts/{carol_id}/followers"), None)
        .await;
    check(&find_bob(&followers.json()), "followers");
    let following = app
        .get(&format!("/api/v1/accounts/{bob_id}/following"), None)
        .await
        .json();
    assert_eq!(following[0]["acct"], "carol", "{following}");
    assert!(following[0].get("moved").is_none(), "{following}");

    let found = app
        .get("/api/v2/search?q=bob&type=accounts", Some(&carol))
        .await;
    check(&find_bob(&found.json()["accounts"]), "v2 search");
    let found = app.get("/api/v1/accounts/search?q=bob", Some(&carol)).await;
    check(&find_bob(&found.json()), "v1 account search");
    let looked_up = app.get("/api/v1/accounts/lookup?acct=bob", None).await;
    check(&looked_up.json(), "lookup");

    let public = app.get("/api/v1/timelines/public", None).await.json();
    let status = public
        .as_array()
        .and_then(|l| l.iter().find(|s| s["id"] == post_id.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    check(&status["account"], "status in a timeline");
    let boost = app
        .post_json(
            &format!("/api/v1/statuses/{post_id}/reblog"),
            Some(&carol),
            json!({}),
        )
        .await;
    assert_eq!(boost.status, StatusCode::OK, "{}", boost.text());
    check(&boost.json()["reblog"]["account"], "boosted status");
    let home = app.get("/api/v1/timelines/home", Some(&carol)).await.json();
    check(&home[0]["reblog"]["account"], "boost in home");
    assert_eq!(home[0]["account"]["acct"], "carol");
    assert!(home[0]["account"].get("moved").is_none());

    let report = app
        .post_json(
            "/api/v1/reports",
            Some(&carol),
            json!({"account_id": bob_id, "comment": "moved away"}),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    check(&report.json()["target_account"], "report");

    let r = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&carol),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let blocks = app.get("/api/v1/blocks", Some(&carol)).await;
    check(&find_bob(&blocks.json()), "blocks");
}
