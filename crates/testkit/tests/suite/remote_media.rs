//! Media on remote posts: stored from Create, replaced by Update, shown on statuses, and not
//! kept from servers whose media is rejected.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::federation::{eventually, FakePeer};
use bonsai_testkit::TestApp;

const AS: &str = "https://www.w3.org/ns/activitystreams";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn note(peer: &FakePeer, attachment: Value) -> Value {
    json!({
        "id": format!("{}/notes/media", peer.base), "type": "Note",
        "attributedTo": format!("{}/users/old", peer.base),
        "content": "<p>look at these</p>",
        "to": [PUBLIC],
        "published": "2026-01-01T00:00:00Z",
        "attachment": attachment
    })
}

fn create(peer: &FakePeer) -> Value {
    let attachment = json!([
        {"type": "Document", "mediaType": "image/png",
         "url": format!("{}/media/cat.png", peer.base),
         "name": "A cat on a keyboard", "blurhash": "U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU",
         "focalPoint": [0.25, -0.5], "width": 1200, "height": 800},
        {"type": "Document", "mediaType": "video/mp4",
         "url": format!("{}/media/clip.mp4", peer.base), "name": null}
    ]);
    json!({"@context": AS, "id": format!("{}/creates/media", peer.base), "type": "Create",
        "actor": format!("{}/users/old", peer.base), "object": note(peer, attachment)})
}

/// Lets `token`'s user follow old@peer, the peer accepting.
async fn follow_peer(app: &TestApp, token: &str, peer: &FakePeer) {
    let host = peer.base.trim_start_matches("http://").to_string();
    let r = app
        .get(
            &format!("/api/v2/search?q=%40old%40{host}&resolve=true&type=accounts"),
            Some(token),
        )
        .await
        .json();
    let id = r["accounts"][0]["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/accounts/{id}/follow"),
        Some(token),
        json!({}),
    )
    .await;
    let follow = eventually("the Follow at the peer", || async {
        peer.received
            .lock()
            .unwrap()
            .iter()
            .find(|v| v["type"] == "Follow")
            .cloned()
    })
    .await;
    let accept = json!({"@context": AS, "id": format!("{}/accepts/1", peer.base), "type": "Accept",
        "actor": format!("{}/users/old", peer.base), "object": follow});
    assert_eq!(peer.deliver(app, accept).await, StatusCode::ACCEPTED);
    eventually("the follow to be accepted", || async {
        let r = app
            .get(
                &format!("/api/v1/accounts/relationships?id[]={id}"),
                Some(token),
            )
            .await
            .json();
        (r[0]["following"] == true).then_some(())
    })
    .await;
}

async fn first_status(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    eventually(path, || async {
        let list = app.get(path, token).await.json();
        list.as_array().and_then(|l| l.first().cloned())
    })
    .await
}

#[tokio::test]
async fn remote_attachments_are_shown_and_replaced_by_edits() {
    let a = TestApp::federated().await;
    let peer = FakePeer::start().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    follow_peer(&a, &alice, &peer).await;

    assert_eq!(peer.deliver(&a, create(&peer)).await, StatusCode::ACCEPTED);
    let home = first_status(&a, "/api/v1/timelines/home", Some(&alice)).await;
    let public = first_status(&a, "/api/v1/timelines/public", None).await;
    let id = home["id"].as_str().unwrap().to_string();
    assert_eq!(public["id"], home["id"]);
    let single = a.get(&format!("/api/v1/statuses/{id}"), None).await.json();
    for status in [&home, &public, &single] {
        let media = status["media_attachments"].as_array().unwrap();
        assert_eq!(media.len(), 2, "{status}");
        let cat = &media[0];
        let cat_url = format!("{}/media/cat.png", peer.base);
        assert!(cat["id"].as_str().unwrap().parse::<i64>().is_ok());
        assert_eq!(cat["type"], "image");
        assert_eq!(cat["url"], cat_url.as_str());
        assert_eq!(cat["remote_url"], cat_url.as_str());
        assert_eq!(cat["preview_url"], cat_url.as_str());
        assert_eq!(cat["preview_remote_url"], Value::Null);
        assert_eq!(cat["text_url"], Value::Null);
        assert_eq!(cat["description"], "A cat on a keyboard");
        assert_eq!(cat["blurhash"], "U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU");
        assert_eq!(cat["meta"]["original"]["width"], 1200);
        assert_eq!(cat["meta"]["original"]["height"], 800);
        assert_eq!(cat["meta"]["original"]["size"], "1200x800");
        assert_eq!(cat["meta"]["original"]["aspect"], 1.5);
        assert_eq!(cat["meta"]["focus"]["x"], 0.25);
        assert_eq!(cat["meta"]["focus"]["y"], -0.5);
        let clip = &media[1];
        assert_eq!(clip["type"], "video");
        assert_eq!(
            clip["url"],
            format!("{}/media/clip.mp4", peer.base).as_str()
        );
        assert_eq!(clip["description"], Value::Null);
        assert_eq!(clip["blurhash"], Value::Null);
        assert_eq!(clip["meta"], Value::Null);
    }
    assert_eq!(
        single["media_attachments"], home["media_attachments"],
        "the same rows everywhere"
    );
    let cat_id = single["media_attachments"][0]["id"].clone();

    // An edit: the cat gets new alt text (same file, same id), the clip makes way for audio.
    let attachment = json!([
        {"type": "Audio", "url": format!("{}/media/purr.ogg", peer.base), "name": "purring"},
        {"type": "Document", "mediaType": "image/png",
         "url": format!("{}/media/cat.png", peer.base), "name": "A cat, asleep on a keyboard"}
    ]);
    let mut edited = note(&peer, attachment);
    edited["updated"] = json!("2026-01-02T00:00:00Z");
    let update = json!({"@context": AS, "id": format!("{}/updates/media", peer.base), "type": "Update",
        "actor": format!("{}/users/old", peer.base), "object": edited});
    assert_eq!(peer.deliver(&a, update).await, StatusCode::ACCEPTED);
    let after = eventually("the edit", || async {
        let s = a.get(&format!("/api/v1/statuses/{id}"), None).await.json();
        (!s["edited_at"].is_null()).then_some(s)
    })
    .await;
    let media = after["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 2, "{after}");
    assert_eq!(media[0]["type"], "audio");
    assert_eq!(media[0]["description"], "purring");
    assert_eq!(media[1]["id"], cat_id);
    assert_eq!(media[1]["description"], "A cat, asleep on a keyboard");
    assert_eq!(
        media[1]["meta"],
        Value::Null,
        "the edit dropped size and focus"
    );
    let home = first_status(&a, "/api/v1/timelines/home", Some(&alice)).await;
    assert_eq!(home["media_attachments"], after["media_attachments"]);
    let rows = bonsai_db::media::of_statuses(a.db.db.reader(), &[id.parse().unwrap()])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the clip's row is gone");

    // An edit without attachments leaves none.
    let mut bare = note(&peer, json!([]));
    bare["updated"] = json!("2026-01-03T00:00:00Z");
    let update = json!({"@context": AS, "id": format!("{}/updates/bare", peer.base), "type": "Update",
        "actor": format!("{}/users/old", peer.base), "object": bare});
    assert_eq!(peer.deliver(&a, update).await, StatusCode::ACCEPTED);
    eventually("the second edit", || async {
        let s = a.get(&format!("/api/v1/statuses/{id}"), None).await.json();
        (s["media_attachments"].as_array().is_some_and(Vec::is_empty)).then_some(())
    })
    .await;

    // A deleted post takes its media rows with it.
    let mut again = note(&peer, create(&peer)["object"]["attachment"].clone());
    again["id"] = json!(format!("{}/notes/media2", peer.base));
    let create2 = json!({"@context": AS, "id": format!("{}/creates/media2", peer.base), "type": "Create",
        "actor": format!("{}/users/old", peer.base), "object": again});
    assert_eq!(peer.deliver(&a, create2).await, StatusCode::ACCEPTED);
    let second = eventually("the second post", || async {
        let s = first_status(&a, "/api/v1/timelines/public", None).await;
        (s["id"] != id.as_str()).then_some(s)
    })
    .await;
    assert_eq!(second["media_attachments"].as_array().unwrap().len(), 2);
    let second_id: i64 = second["id"].as_str().unwrap().parse().unwrap();
    let delete = json!({"@context": AS, "id": format!("{}/deletes/media2", peer.base), "type": "Delete",
        "actor": format!("{}/users/old", peer.base),
        "object": {"id": format!("{}/notes/media2", peer.base), "type": "Tombstone"}});
    assert_eq!(peer.deliver(&a, delete).await, StatusCode::ACCEPTED);
    eventually("the media rows to go", || async {
        bonsai_db::media::of_statuses(a.db.db.reader(), &[second_id])
            .await
            .unwrap()
            .is_empty()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn reject_media_servers_get_no_attachments() {
    let peer = FakePeer::start().await;
    let host = peer.base.trim_start_matches("http://").to_string();
    let peer_host = host.split(':').next().unwrap().to_string();
    let a = TestApp::federated_with(|c| c.reject_media_domains = vec![peer_host]).await;
    assert_eq!(peer.deliver(&a, create(&peer)).await, StatusCode::ACCEPTED);
    let status = first_status(&a, "/api/v1/timelines/public", None).await;
    assert!(status["content"]
        .as_str()
        .unwrap()
        .contains("look at these"));
    assert_eq!(status["media_attachments"], json!([]), "{status}");
    let id: i64 = status["id"].as_str().unwrap().parse().unwrap();
    let rows = bonsai_db::media::of_statuses(a.db.db.reader(), &[id])
        .await
        .unwrap();
    assert!(rows.is_empty(), "nothing stored: {rows:?}");
}
