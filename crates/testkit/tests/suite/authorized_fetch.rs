//! The instance actor and authorized-fetch mode: our fetches are signed as `/actor`, and a
//! server in authorized-fetch mode answers ActivityPub GETs only to servers that sign them.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};

use bonsai_testkit::TestApp;

use crate::federation::eventually;

const AP: &str = "application/activity+json";

async fn ap_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app
        .request(Method::GET, path, None, None, &[("accept", AP)])
        .await;
    (r.status, r.json())
}

#[tokio::test]
async fn the_instance_actor_is_an_application_with_a_stable_key() {
    let app = TestApp::new().await;
    let (status, actor) = ap_get(&app, "/actor").await;
    assert_eq!(status, StatusCode::OK, "{actor}");
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["id"], "https://bonsai.test/actor");
    assert_eq!(actor["preferredUsername"], "bonsai.test");
    assert_eq!(actor["inbox"], "https://bonsai.test/actor/inbox");
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(
        actor["publicKey"]["id"],
        "https://bonsai.test/actor#main-key"
    );
    assert_eq!(actor["publicKey"]["owner"], "https://bonsai.test/actor");
    let pem = actor["publicKey"]["publicKeyPem"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");

    // Kept in the database: another process (here, a second Services on the same
    // database) signs with the same key.
    let http = bonsai_federation::client::HttpClient::new(
        bonsai_federation::client::ClientConfig::new("Bonsai-test"),
    )
    .unwrap();
    let second =
        bonsai_service::Services::new(app.db.db.clone(), app.services.config().clone(), http);
    let again = second.instance_actor_document().await.unwrap();
    assert_eq!(
        serde_json::to_value(&again).unwrap()["publicKey"]["publicKeyPem"],
        pem
    );

    // WebFinger knows it as acct:domain@domain, and its outbox is an empty collection.
    let jrd = app
        .get(
            "/.well-known/webfinger?resource=acct:bonsai.test@bonsai.test",
            None,
        )
        .await
        .json();
    assert_eq!(jrd["subject"], "acct:bonsai.test@bonsai.test");
    let self_link = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(self_link["href"], "https://bonsai.test/actor");
    let (status, outbox) = ap_get(&app, "/actor/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 0);
    // A browser gets a page, not JSON.
    let page = app.get("/actor", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<html"));
}

#[tokio::test]
async fn fetches_of_remote_documents_are_signed_by_the_instance_actor() {
    use axum::routing::get;
    let a = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    // A remote server that records the headers of every fetch of its actor.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let key = bonsai_federation::keys::generate_rsa_2048().unwrap();
    let id = format!("{base}/users/zed");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": "zed",
        "inbox": format!("{base}/inbox"),
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key.public_pem }
    })
    .to_string();
    let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let sink = seen.clone();
    let host = base.trim_start_matches("http://").to_string();
    let jrd = json!({
        "subject": format!("acct:zed@{host}"),
        "links": [{ "rel": "self", "type": AP, "href": id }]
    })
    .to_string();
    let app = axum::Router::new()
        .route(
            "/users/zed",
            get(move |headers: HeaderMap| async move {
                sink.lock().unwrap().push(headers);
                ([("content-type", AP)], doc)
            }),
        )
        .route(
            "/.well-known/webfinger",
            get(move || async move { ([("content-type", "application/jrd+json")], jrd) }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // A profile URL pasted into search resolves to the account (fetched once, signed) ...
    let q: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let found = a
        .get(&format!("/api/v2/search?q={q}&resolve=true"), Some(&alice))
        .await
        .json();
    assert_eq!(
        found["accounts"][0]["acct"],
        format!("zed@{host}"),
        "{found}"
    );
    assert!(found["statuses"].as_array().unwrap().is_empty());
    assert_eq!(seen.lock().unwrap().len(), 1);
    // ... and so does its acct, now known.
    let found = a
        .get(
            &format!("/api/v2/search?q=%40zed%40{host}&resolve=true&type=accounts"),
            Some(&alice),
        )
        .await
        .json();
    assert_eq!(found["accounts"][0]["username"], "zed", "{found}");

    // The fetch carried a draft-cavage signature by a's instance actor, and it verifies
    // against the key a publishes at /actor.
    let headers = seen
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("a fetched zed");
    let sig = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .expect("signed fetch")
        .to_string();
    assert!(
        sig.contains(&format!("keyId=\"http://{}/actor#main-key\"", a.domain())),
        "{sig}"
    );
    let uri: axum::http::Uri = id.parse().unwrap();
    let parsed = bonsai_federation::signatures::parse(&Method::GET, &uri, &headers).unwrap();
    let (_, actor) = ap_get(&a, "/actor").await;
    bonsai_federation::signatures::verify(
        &parsed,
        actor["publicKey"]["publicKeyPem"].as_str().unwrap(),
        None,
        std::time::SystemTime::now(),
    )
    .expect("the signature verifies with the instance actor's key");
}

#[tokio::test]
async fn authorized_fetch_serves_documents_only_to_signed_requests() {
    let a = TestApp::federated_with(|c| c.authorized_fetch = true).await;
    let b = TestApp::federated().await;
    let (_, alice) = a.user("alice", "read write follow").await;
    let (_, bob) = b.user("bob", "read write follow").await;
    let status = a
        .post_json(
            "/api/v1/statuses",
            Some(&alice),
            json!({"status": "guarded but public"}),
        )
        .await
        .json();
    let status_path = format!("/users/alice/statuses/{}", status["id"].as_str().unwrap());

    // Unsigned ActivityPub GETs are refused with 401 and Mastodon's error shape ...
    for path in [
        "/users/alice",
        status_path.as_str(),
        "/users/alice/outbox",
        "/users/alice/followers",
    ] {
        let (code, body) = ap_get(&a, path).await;
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // Collections are JSON whatever the Accept header says: guarded without one too.
    let replies_path = format!("{status_path}/replies?page=true");
    for path in ["/users/alice/outbox", replies_path.as_str()] {
        let r = a.get(path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.text());
    }
    // ... while the instance actor, WebFinger, NodeInfo and HTML pages stay public.
    assert_eq!(ap_get(&a, "/actor").await.0, StatusCode::OK);
    assert_eq!(
        a.get(
            &format!("/.well-known/webfinger?resource=acct:alice@{}", a.domain()),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(a.get("/nodeinfo/2.0", None).await.status, StatusCode::OK);
    assert_eq!(a.get("/@alice", None).await.status, StatusCode::OK);
    // Without the mode, the same GET is answered.
    assert_eq!(ap_get(&b, "/users/bob").await.0, StatusCode::OK);

    // A signature by a key that isn't the keyId's is refused too.
    let forged_key = bonsai_federation::keys::generate_rsa_2048().unwrap();
    let uri: axum::http::Uri = format!("http://{}/users/alice", a.domain())
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("accept", AP.parse().unwrap());
    bonsai_federation::signatures::sign_request(
        &Method::GET,
        &uri,
        &mut headers,
        None,
        &format!("http://{}/actor#main-key", b.domain()),
        &forged_key.private_pem,
        std::time::SystemTime::now(),
    )
    .unwrap();
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
    let r = a
        .request(Method::GET, "/users/alice", None, None, &refs)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());

    // A real server signs its fetches, so b still finds alice, follows her and gets her
    // posts: federation works in the mode.
    let found = b
        .get(
            &format!(
                "/api/v2/search?q=%40alice%40{}&resolve=true&type=accounts",
                a.domain()
            ),
            Some(&bob),
        )
        .await
        .json();
    let alice_at_b = found["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("b could not resolve alice: {found}"))
        .to_string();
    b.post_json(
        &format!("/api/v1/accounts/{alice_at_b}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    eventually("alice's follower from b", || async {
        let me = a
            .get("/api/v1/accounts/verify_credentials", Some(&alice))
            .await
            .json();
        (me["followers_count"] == 1).then_some(())
    })
    .await;
    a.post_json(
        "/api/v1/statuses",
        Some(&alice),
        json!({"status": "to my followers", "visibility": "private"}),
    )
    .await;
    eventually("alice's private post at b", || async {
        let h = b.get("/api/v1/timelines/home", Some(&bob)).await.text();
        h.contains("to my followers").then_some(())
    })
    .await;
    // And a post URL resolves for b through a signed fetch.
    let q: String =
        form_urlencoded::byte_serialize(status["uri"].as_str().unwrap().as_bytes()).collect();
    let found = b
        .get(
            &format!("/api/v2/search?q={q}&resolve=true&type=statuses"),
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(
        found["statuses"][0]["uri"], status["uri"],
        "b resolves a's post: {found}"
    );
}
