//! Objects as other servers see them: deleted posts answer 410 Gone with a Tombstone, Notes
//! carry Mastodon's `replies` collection (and the collection is served, public replies only),
//! and custom emoji on remote posts reach the client API.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use bonsai_testkit::TestApp;

use crate::federation::{eventually, FakePeer};

const AP: &str = "application/activity+json";

async fn ap_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app
        .request(Method::GET, path, None, None, &[("accept", AP)])
        .await;
    let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    (r.status, body)
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post_json("/api/v1/statuses", Some(token), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn deleted_posts_answer_gone_with_a_tombstone() {
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice", "read write").await;
    app.user("bob", "read write").await;
    let s = post(&app, &alice, json!({"status": "soon gone"})).await;
    let id = id_of(&s);
    let path = format!("/users/alice/statuses/{id}");
    let (status, note) = ap_get(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(note["type"], "Note");

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

    // Servers get 410 and the Tombstone; the same for the /@alice/{id} form.
    for p in [path.clone(), format!("/@alice/{id}")] {
        let r = app
            .request(Method::GET, &p, None, None, &[("accept", AP)])
            .await;
        assert_eq!(r.status, StatusCode::GONE, "{p}");
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/activity+json"));
        let t = r.json();
        assert_eq!(t["type"], "Tombstone");
        assert_eq!(
            t["id"],
            format!("https://bonsai.test/users/alice/statuses/{id}")
        );
    }
    // People get a page that says so, also 410.
    let r = app
        .request(Method::GET, &format!("/@alice/{id}"), None, None, &[])
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text().contains("deleted"));
    // The Mastodon API still says 404 (as Mastodon does).
    let r = app
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Only that id, under that account: others stay 404.
    let (status, _) = ap_get(&app, &format!("/users/bob/statuses/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ap_get(&app, "/users/alice/statuses/1234567").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ap_get(&app, &format!("/users/nobody/statuses/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A private post is 404, not 410, while it exists.
    let p = post(
        &app,
        &alice,
        json!({"status": "friends", "visibility": "private"}),
    )
    .await;
    let (status, _) = ap_get(&app, &format!("/users/alice/statuses/{}", id_of(&p))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notes_carry_replies_and_the_collection_lists_public_ones() {
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice", "read write").await;
    let (_, bob) = app.user("bob", "read write").await;
    let parent = post(&app, &alice, json!({"status": "a thread"})).await;
    let pid = id_of(&parent);
    let base = format!("https://bonsai.test/users/alice/statuses/{pid}");
    let replies = format!("{base}/replies");

    // Before any reply: an empty first page pointing at other accounts' replies.
    let (_, note) = ap_get(&app, &format!("/users/alice/statuses/{pid}")).await;
    assert_eq!(note["replies"]["id"], replies);
    assert_eq!(note["replies"]["type"], "Collection");
    assert_eq!(note["replies"]["first"]["type"], "CollectionPage");
    assert_eq!(note["replies"]["first"]["partOf"], replies);
    assert_eq!(
        note["replies"]["first"]["next"],
        format!("{replies}?only_other_accounts=true&page=true")
    );

    let reply = |text: &str, visibility: &str| json!({"status": text, "in_reply_to_id": pid, "visibility": visibility});
    let mut made = Vec::new();
    for (token, body) in [
        (&alice, reply("self 1", "public")),
        (&alice, reply("self 2", "unlisted")),
        (&alice, reply("self private", "private")),
        (&alice, reply("self direct", "direct")),
        (&bob, reply("@alice other public", "public")),
        (&bob, reply("@alice other private", "private")),
    ] {
        made.push(post(&app, token, body).await);
    }
    let uri = |i: usize| made[i]["uri"].as_str().unwrap().to_string();
    let sid = |i: usize| id_of(&made[i]);

    // The Note embeds the author's own public and unlisted replies, by id.
    let (_, note) = ap_get(&app, &format!("/users/alice/statuses/{pid}")).await;
    assert_eq!(note["replies"]["first"]["items"], json!([uri(0), uri(1)]));
    assert_eq!(
        note["replies"]["first"]["next"],
        format!("{replies}?min_id={}&page=true", sid(1))
    );

    // The collection: first page embedded, local replies as Notes.
    let (status, c) = ap_get(&app, &format!("/users/alice/statuses/{pid}/replies")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["id"], replies);
    assert_eq!(c["type"], "Collection");
    let first = &c["first"];
    assert_eq!(first["type"], "CollectionPage");
    assert_eq!(first["id"], format!("{replies}?page=true"));
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "Note");
    assert_eq!(items[0]["id"], uri(0));
    assert_eq!(items[0]["inReplyTo"], base);
    assert_eq!(items[1]["id"], uri(1));
    assert_eq!(
        first["next"],
        format!("{replies}?only_other_accounts=true&page=true")
    );

    // Others' replies: only the public one; the last page has no next.
    let (_, page) = ap_get(
        &app,
        &format!("/users/alice/statuses/{pid}/replies?page=true&only_other_accounts=true"),
    )
    .await;
    assert_eq!(page["type"], "CollectionPage");
    assert_eq!(page["partOf"], replies);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], uri(4));
    assert!(page.get("next").is_none());

    // min_id pages on.
    let (_, page) = ap_get(
        &app,
        &format!(
            "/users/alice/statuses/{pid}/replies?page=true&min_id={}",
            sid(0)
        ),
    )
    .await;
    assert_eq!(page["id"], format!("{replies}?min_id={}&page=true", sid(0)));
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![uri(1)]);

    // Never a private or direct post anywhere in it.
    let all = format!(
        "{}{}",
        ap_get(&app, &format!("/users/alice/statuses/{pid}/replies"))
            .await
            .1,
        ap_get(
            &app,
            &format!("/users/alice/statuses/{pid}/replies?page=true&only_other_accounts=true")
        )
        .await
        .1
    );
    for hidden in [2, 3, 5] {
        assert!(!all.contains(&uri(hidden)), "reply {hidden} leaked");
    }

    // Notes in the outbox (and so in deliveries) carry the collection too.
    let (_, outbox) = ap_get(&app, "/users/alice/outbox?page=true").await;
    let create = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["object"]["id"] == base)
        .cloned()
        .unwrap();
    assert_eq!(create["object"]["replies"]["id"], replies);
    assert_eq!(
        create["object"]["replies"]["first"]["type"],
        "CollectionPage"
    );

    // A private post has no public replies collection; nor has someone else's id or a bad id.
    let private = post(
        &app,
        &alice,
        json!({"status": "hush", "visibility": "private"}),
    )
    .await;
    for path in [
        format!("/users/alice/statuses/{}/replies", id_of(&private)),
        format!("/users/bob/statuses/{pid}/replies"),
        "/users/alice/statuses/nope/replies".to_string(),
    ] {
        let (status, body) = ap_get(&app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn remote_custom_emoji_reach_the_client_api() {
    let a = TestApp::federated().await;
    let peer = FakePeer::start().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let old_uri = format!("{}/users/old", peer.base);
    let ctx = "https://www.w3.org/ns/activitystreams";
    let url = format!("{}/notes/emoji", peer.base);
    let note = json!({
        "id": url, "type": "Note", "attributedTo": old_uri,
        "content": "<p>hello :blobcat: and :plain: and :ghost:</p>",
        "summary": "about :blobfox:",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2026-01-01T00:00:00Z",
        "tag": [
            {"type": "Emoji", "id": "https://peer.example/emojis/1", "name": ":blobcat:",
             "icon": {"type": "Image", "mediaType": "image/png", "url": "https://peer.example/e/blobcat.png"}},
            {"type": "Emoji", "name": "blobfox",
             "icon": {"type": "Image", "url": "https://peer.example/e/blobfox.png"}},
            {"type": "Emoji", "name": ":plain:",
             "icon": {"type": "Image", "url": "http://peer.example/e/plain.png"}},
            {"type": "Emoji", "name": ":unused:",
             "icon": {"type": "Image", "url": "https://peer.example/e/unused.png"}}
        ]
    });
    let create = json!({"@context": ctx, "id": format!("{}/creates/emoji", peer.base),
        "type": "Create", "actor": old_uri, "object": note});
    assert_eq!(peer.deliver(&a, create).await, StatusCode::ACCEPTED);
    let found = eventually("the post to arrive", || async {
        let r = a
            .get(
                &format!("/api/v2/search?q={url}&type=statuses"),
                Some(&alice),
            )
            .await
            .json();
        r["statuses"].as_array().filter(|s| !s.is_empty()).cloned()
    })
    .await;
    let status = &found[0];
    let mut emojis = status["emojis"].as_array().unwrap().clone();
    emojis.sort_by_key(|e| e["shortcode"].as_str().unwrap().to_string());
    assert_eq!(
        Value::Array(emojis),
        json!([
            {"shortcode": "blobcat", "url": "https://peer.example/e/blobcat.png",
             "static_url": "https://peer.example/e/blobcat.png", "visible_in_picker": false},
            {"shortcode": "blobfox", "url": "https://peer.example/e/blobfox.png",
             "static_url": "https://peer.example/e/blobfox.png", "visible_in_picker": false},
        ])
    );
    // The same through the single-status endpoint.
    let id = status["id"].as_str().unwrap();
    let one = a.get(&format!("/api/v1/statuses/{id}"), Some(&alice)).await;
    assert_eq!(one.json()["emojis"].as_array().unwrap().len(), 2);

    // An edit moves an emoji to a new image; the post shows the new one.
    let mut edited = note_with(&url, &old_uri, "https://peer.example/e/blobcat2.png");
    edited["updated"] = json!("2026-01-02T00:00:00Z");
    let update = json!({"@context": ctx, "id": format!("{}/updates/emoji", peer.base),
        "type": "Update", "actor": old_uri, "object": edited});
    assert_eq!(peer.deliver(&a, update).await, StatusCode::ACCEPTED);
    eventually("the edited emoji", || async {
        let r = a
            .get(&format!("/api/v1/statuses/{id}"), Some(&alice))
            .await
            .json();
        (r["emojis"][0]["url"] == "https://peer.example/e/blobcat2.png").then_some(())
    })
    .await;

    // The author's profile names emoji too: an Update of the actor brings them.
    let stored = bonsai_db::accounts::find_by_uri(a.db.db.reader(), &old_uri)
        .await
        .unwrap()
        .unwrap();
    let person = json!({
        "id": old_uri, "type": "Person", "preferredUsername": "old",
        "name": "Old :blobcat:", "summary": "<p>I like :party_parrot:</p>",
        "inbox": format!("{}/inbox", peer.base),
        "followers": format!("{old_uri}/followers"),
        "publicKey": {"id": format!("{old_uri}#main-key"), "owner": old_uri,
                      "publicKeyPem": stored.public_key_pem},
        "tag": [
            {"type": "Emoji", "name": ":party_parrot:",
             "icon": {"type": "Image", "url": "https://peer.example/e/parrot.gif"}},
            {"type": "Emoji", "name": ":evil:",
             "icon": {"type": "Image", "url": "javascript:alert(1)"}}
        ]
    });
    let update = json!({"@context": ctx, "id": format!("{}/updates/profile", peer.base),
        "type": "Update", "actor": old_uri, "object": person});
    assert_eq!(peer.deliver(&a, update).await, StatusCode::ACCEPTED);
    let account_id = stored.id.to_string();
    let profile = eventually("the profile emoji", || async {
        let r = a
            .get(&format!("/api/v1/accounts/{account_id}"), Some(&alice))
            .await
            .json();
        (r["emojis"].as_array().map(Vec::len) == Some(2)).then_some(r)
    })
    .await;
    assert_eq!(profile["display_name"], "Old :blobcat:");
    let mut codes: Vec<&str> = profile["emojis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shortcode"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    // blobcat came with the post; party_parrot with the profile; evil was refused.
    assert_eq!(codes, vec!["blobcat", "party_parrot"]);
    let r = a
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice))
        .await
        .json();
    assert_eq!(r["account"]["emojis"].as_array().unwrap().len(), 2);

    // Every other place the account is rendered shows its emoji too.
    let codes_of = |account: &Value| -> Vec<String> {
        let mut codes: Vec<String> = account["emojis"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["shortcode"].as_str().map(str::to_string))
            .collect();
        codes.sort_unstable();
        codes
    };
    let both = vec!["blobcat".to_string(), "party_parrot".to_string()];
    let public = a.get("/api/v1/timelines/public", None).await.json();
    assert_eq!(codes_of(&public[0]["account"]), both, "{public}");
    let host = peer.base.trim_start_matches("http://");
    let found = a
        .get(
            &format!("/api/v2/search?q=%40old%40{host}&type=accounts"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(codes_of(&found["accounts"][0]), both, "{found}");
    // old@peer follows alice and boosts her post: her notifications and followers list.
    let alice_id = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let alice_uri = format!("http://{}/users/alice", a.domain());
    let follow = json!({"@context": ctx, "id": format!("{}/follows/1", peer.base),
        "type": "Follow", "actor": old_uri, "object": alice_uri});
    assert_eq!(peer.deliver(&a, follow).await, StatusCode::ACCEPTED);
    let hers = post(&a, &alice, json!({"status": "boost me"})).await;
    let announce = json!({"@context": ctx, "id": format!("{}/announces/1", peer.base),
        "type": "Announce", "actor": old_uri, "object": hers["uri"],
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2026-01-03T00:00:00Z"});
    assert_eq!(peer.deliver(&a, announce).await, StatusCode::ACCEPTED);
    let notes = eventually("the follow and reblog notifications", || async {
        let n = a.get("/api/v1/notifications", Some(&alice)).await.json();
        (n.as_array().map(Vec::len) == Some(2)).then_some(n)
    })
    .await;
    for n in notes.as_array().unwrap() {
        assert_eq!(codes_of(&n["account"]), both, "{n}");
    }
    let followers = a
        .get(&format!("/api/v1/accounts/{alice_id}/followers"), None)
        .await
        .json();
    assert_eq!(codes_of(&followers[0]), both, "{followers}");

    // Our own posts name no remote emoji, even with the same shortcode.
    let mine = post(&a, &alice, json!({"status": "local :blobcat:"})).await;
    assert_eq!(mine["emojis"], json!([]));
}

fn note_with(id: &str, author: &str, blobcat: &str) -> Value {
    json!({
        "id": id, "type": "Note", "attributedTo": author,
        "content": "<p>edited :blobcat:</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2026-01-01T00:00:00Z",
        "tag": [{"type": "Emoji", "name": ":blobcat:", "icon": {"type": "Image", "url": blobcat}}]
    })
}
