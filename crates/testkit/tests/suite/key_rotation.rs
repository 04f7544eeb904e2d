//! A remote actor that rotates its key is refetched once, and signatures that keep failing
//! do not turn into a fetch each (the refetch is rate-limited).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::json;

use bonsai_testkit::TestApp;

#[tokio::test]
async fn rotated_keys_are_refetched_once_and_bad_signatures_are_not_amplified() {
    use axum::routing::get;
    let a = TestApp::federated().await;
    a.user("alice", "read").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let id = format!("{base}/users/zed");
    let old_key = bonsai_federation::keys::generate_rsa_2048().unwrap();
    let new_key = bonsai_federation::keys::generate_rsa_2048().unwrap();
    let published = Arc::new(Mutex::new(old_key.public_pem.clone()));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (doc_pem, counter, doc_id) = (published.clone(), fetches.clone(), id.clone());
    let app = axum::Router::new().route(
        "/users/zed",
        get(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let pem = doc_pem.lock().unwrap().clone();
            (
                [("content-type", "application/activity+json")],
                json!({
                    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": doc_id, "type": "Person", "preferredUsername": "zed",
                    "inbox": format!("{doc_id}/inbox"),
                    "publicKey": { "id": format!("{doc_id}#main-key"), "owner": doc_id, "publicKeyPem": pem }
                })
                .to_string(),
            )
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut n = 0;
    let mut deliver = |pem: String| {
        n += 1;
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{id}/follows/{n}"),
            "type": "Follow",
            "actor": id,
            "object": format!("http://{}/users/alice", a.domain())
        });
        let body = activity.to_string().into_bytes();
        let uri: axum::http::Uri = format!("http://{}/inbox", a.domain()).parse().unwrap();
        let mut headers = HeaderMap::new();
        bonsai_federation::signatures::sign_request(
            &Method::POST,
            &uri,
            &mut headers,
            Some(&body),
            &format!("{id}#main-key"),
            &pem,
            std::time::SystemTime::now(),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let a = &a;
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
            a.request(
                Method::POST,
                "/inbox",
                None,
                Some(("application/activity+json", body)),
                &refs,
            )
            .await
            .status
        }
    };

    // First contact: the key is fetched and the signature verifies.
    assert_eq!(
        deliver(old_key.private_pem.clone()).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 1);

    // zed rotates its key. Our copy was fetched a while ago (made so here), so the failing
    // signature makes us fetch the actor once more, and the new key verifies.
    *published.lock().unwrap() = new_key.public_pem.clone();
    sqlx::query("UPDATE accounts SET updated_at = $1 WHERE uri = $2")
        .bind(bonsai_core::timestamp::Timestamp::now().millis() - 120_000)
        .bind(id.clone())
        .execute(a.db.db.writer())
        .await
        .unwrap();
    assert_eq!(
        deliver(new_key.private_pem.clone()).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 2);

    // Signatures by a key nobody published keep failing with 401, without a fetch each:
    // the actor was just refreshed.
    let stranger = bonsai_federation::keys::generate_rsa_2048().unwrap();
    for _ in 0..3 {
        assert_eq!(
            deliver(stranger.private_pem.clone()).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // The real key still works.
    assert_eq!(
        deliver(new_key.private_pem.clone()).await,
        StatusCode::ACCEPTED
    );
}
