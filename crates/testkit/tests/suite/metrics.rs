//! `/metrics`: Prometheus text for the operator's scraper on this machine, nobody else.

use axum::http::{Method, StatusCode};

use bonsai_core::timestamp::Timestamp;
use bonsai_testkit::TestApp;

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn metrics_show_queue_depth_and_lag_to_local_scrapers_only() {
    let app = TestApp::new().await;
    // A delivery due five seconds ago (no workers run in this test app) and a failed one.
    let now = Timestamp::now();
    bonsai_db::jobs::enqueue(
        app.db.db.writer(),
        1,
        "delivery",
        None,
        "{}",
        now.plus_secs(-5),
    )
    .await
    .unwrap();
    bonsai_db::jobs::enqueue(app.db.db.writer(), 2, "delivery", None, "{}", now)
        .await
        .unwrap();
    bonsai_db::jobs::fail(app.db.db.writer(), 2, "410")
        .await
        .unwrap();

    let local = "127.0.0.1:50000".parse().ok();
    let r = app
        .request_from(local, Method::GET, "/metrics", None, None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let text = r.text();
    assert_eq!(
        value(&text, "bonsai_jobs_waiting{queue=\"delivery\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, "bonsai_jobs_due{queue=\"delivery\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "bonsai_jobs_failed{queue=\"delivery\"}"),
        Some(1.0)
    );
    let lag = value(&text, "bonsai_jobs_lag_seconds{queue=\"delivery\"}").unwrap();
    assert!((5.0..60.0).contains(&lag), "lag {lag}");
    assert!(value(&text, "process_resident_memory_bytes").is_some_and(|b| b > 1e6));
    assert!(value(&text, "process_threads").is_some_and(|t| t >= 1.0));
    assert!(text.contains("# TYPE process_cpu_seconds_total counter"));

    // Anyone else — another address, or the world through a local reverse proxy, or a
    // request with no peer at all — gets a 404 as for any unknown path.
    let remote = "203.0.113.5:40000".parse().ok();
    for (peer, headers) in [
        (remote, vec![]),
        (local, vec![("x-forwarded-for", "198.51.100.7")]),
        (None, vec![]),
    ] {
        let r = app
            .request_from(peer, Method::GET, "/metrics", None, None, &headers)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{peer:?} {headers:?}");
        assert_eq!(r.json()["error"], "Record not found");
    }
}
