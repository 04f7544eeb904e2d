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

/// The home timeline is the newest statuses the viewer may see from themselves and the accounts
/// they follow, whatever each author's volume: an author whose newest statuses are all hidden
/// from the viewer (direct messages to someone else) still shows their older visible ones, and
/// every page — max_id, since_id, min_id — matches the merged list exactly.
#[tokio::test]
async fn home_merges_followees_exactly_whatever_their_volume() {
    let app = TestApp::new().await;
    let (_, viewer) = app.user("reader", "read write follow").await;
    let (_, busy) = app.user("busy", "read write").await;
    let (_, quiet) = app.user("quiet", "read write").await;
    let (_, secret) = app.user("secretive", "read write").await;
    let (_, stranger) = app.user("stranger", "read write").await;
    // The recipient of the direct messages below.
    app.user("other", "read write").await;
    for name in ["busy", "quiet", "secretive"] {
        let acct = app
            .get(&format!("/api/v1/accounts/lookup?acct={name}"), None)
            .await
            .json();
        let id = acct["id"].as_str().unwrap().to_string();
        let r = app
            .post_form(&format!("/api/v1/accounts/{id}/follow"), Some(&viewer), &[])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // (token, text, visibility, seen by the viewer) in posting order.
    let mut plan: Vec<(&str, String, &str, bool)> = Vec::new();
    for i in 0..3 {
        plan.push((&quiet, format!("quiet {i}"), "public", true));
    }
    for i in 0..2 {
        plan.push((&secret, format!("secret public {i}"), "public", true));
        plan.push((&secret, format!("secret private {i}"), "private", true));
    }
    for i in 0..12 {
        plan.push((&busy, format!("busy {i}"), "unlisted", true));
        plan.push((&stranger, format!("stranger {i}"), "public", false));
        if i % 3 == 0 {
            plan.push((&viewer, format!("own {i}"), "private", true));
        }
    }
    // The secretive account's newest statuses are all hidden from the viewer.
    for i in 0..8 {
        plan.push((&secret, format!("@other dm {i}"), "direct", false));
    }
    plan.push((&quiet, "quiet last".to_string(), "public", true));
    let mut expected = Vec::new();
    for (token, text, visibility, seen) in &plan {
        let r = app
            .post_json(
                "/api/v1/statuses",
                Some(token),
                json!({"status": text, "visibility": visibility}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        if *seen {
            expected.push(r.json()["id"].as_str().unwrap().to_string());
        }
    }
    expected.reverse();
    let ids = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    for limit in [1usize, 2, 3, 5, 40] {
        let mut seen = Vec::new();
        let mut url = Some(format!("/api/v1/timelines/home?limit={limit}"));
        while let Some(u) = url {
            let r = app.get(&u, Some(&viewer)).await;
            let page = ids(r.json());
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= limit);
            seen.extend(page);
            url = link(&r.header("link"), "next");
        }
        assert_eq!(seen, expected, "limit {limit}: newest first, each once");
    }
    // Pages above a cursor, newest first: min_id (just above) and since_id (newest above).
    let n = expected.len();
    for limit in [1usize, 4, 7] {
        let cursor = &expected[n - 3];
        let up = ids(app
            .get(
                &format!("/api/v1/timelines/home?min_id={cursor}&limit={limit}"),
                Some(&viewer),
            )
            .await
            .json());
        let want: Vec<String> = expected[n - 3 - limit.min(n - 3)..n - 3].to_vec();
        assert_eq!(up, want, "min_id page of {limit}");
        let since = ids(app
            .get(
                &format!("/api/v1/timelines/home?since_id={cursor}&limit={limit}"),
                Some(&viewer),
            )
            .await
            .json());
        assert_eq!(
            since,
            expected[..limit.min(n - 3)].to_vec(),
            "since_id page of {limit}"
        );
    }
}
