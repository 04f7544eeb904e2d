use axum::http::StatusCode;
use serde_json::json;

use bonsai_testkit::TestApp;

/// Follows `Link` headers the way client libraries do.
fn link(header: &Option<String>, rel: &str) -> Option<String> {
    header.as_ref()?.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\"")).then(|| {
            url.trim_start_matches('<')
                .trim_end_matches('>')
                .trim_start_matches("https://bonsai.test")
                .to_string()
        })
    })
}

#[tokio::test]
async fn home_and_public_paginate_through_link_headers() {
    let app = TestApp::new().await;
    let (_, t) = app.user("pager", "read write").await;
    let mut posted = Vec::new();
    for i in 0..25 {
        let s = app
            .post_json(
                "/api/v1/statuses",
                Some(&t),
                json!({"status": format!("post {i}")}),
            )
            .await
            .json();
        posted.push(s["id"].as_str().unwrap().to_string());
    }
    posted.reverse();
    for base in [
        "/api/v1/timelines/home?limit=10",
        "/api/v1/timelines/public?local=true&limit=10",
    ] {
        let mut seen = Vec::new();
        let mut url = Some(base.to_string());
        let mut pages = 0;
        while let Some(u) = url {
            let r = app.get(&u, Some(&t)).await;
            assert_eq!(r.status, StatusCode::OK);
            let items = r.json();
            let items = items.as_array().unwrap();
            if items.is_empty() {
                break;
            }
            seen.extend(items.iter().map(|s| s["id"].as_str().unwrap().to_string()));
            url = link(&r.header("link"), "next");
            if let Some(n) = &url {
                assert!(n.contains("limit=10"), "other parameters are kept: {n}");
            }
            pages += 1;
            assert!(pages < 10);
        }
        assert_eq!(seen, posted, "{base}: every post once, newest first");
        // And back up with prev from the middle.
        let r = app
            .get(&format!("{base}&max_id={}", posted[15]), Some(&t))
            .await;
        let prev = link(&r.header("link"), "prev").unwrap();
        let up = app.get(&prev, Some(&t)).await.json();
        let up: Vec<String> = up
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            up,
            posted[6..16].to_vec(),
            "min_id gives the page just above, newest first"
        );
    }
    // since_id gives the newest items above it; limit is capped at 40.
    let r = app
        .get(
            &format!("/api/v1/timelines/home?since_id={}&limit=3", posted[10]),
            Some(&t),
        )
        .await
        .json();
    assert_eq!(r[0]["id"], posted[0].as_str());
    let r = app
        .get("/api/v1/timelines/home?limit=1000", Some(&t))
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn tag_timeline_and_anonymous_public() {
    let app = TestApp::new().await;
    let (_, t) = app.user("tagger", "read write").await;
    app.post_json(
        "/api/v1/statuses",
        Some(&t),
        json!({"status": "about #Bonsai trees"}),
    )
    .await;
    app.post_json(
        "/api/v1/statuses",
        Some(&t),
        json!({"status": "about nothing"}),
    )
    .await;
    app.post_json(
        "/api/v1/statuses",
        Some(&t),
        json!({"status": "hidden #bonsai", "visibility": "unlisted"}),
    )
    .await;
    let r = app.get("/api/v1/timelines/tag/bonsai", None).await.json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/timelines/public", None).await.json();
    assert_eq!(r.as_array().unwrap().len(), 2);
    let r = app
        .get("/api/v1/timelines/public?remote=true", None)
        .await
        .json();
    assert_eq!(r.as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/api/v1/timelines/home", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
