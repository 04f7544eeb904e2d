//! `GET /metrics` in Prometheus' text format, for the operator's own scraper: answered only
//! to clients on this machine (loopback, directly or through a reverse proxy on the host
//! that passes `X-Forwarded-For`), 404 to everyone else, so a public instance doesn't
//! publish its queue depths.

use std::fmt::Write as _;

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use bonsai_service::metrics::{Metrics, QueueStats};

use crate::error::{ApiError, ApiResult};
use crate::throttle::client_ip;
use crate::AppState;

pub async fn metrics(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    if !client_ip(&req).is_some_and(|ip| ip.is_loopback()) {
        return Err(ApiError::not_found());
    }
    let m = state.services.metrics().await?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        render(&m),
    )
        .into_response())
}

fn render(m: &Metrics) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let per_queue = |f: &dyn Fn(&QueueStats) -> f64| {
        m.queues
            .iter()
            .map(|q| (format!("{{queue=\"{}\"}}", q.queue), f(q)))
            .collect::<Vec<_>>()
    };
    family(
        "bonsai_build_info",
        "gauge",
        "Version of the running server.",
        vec![(
            format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")),
            1.0,
        )],
    );
    family(
        "bonsai_jobs_waiting",
        "gauge",
        "Jobs not given up, due now or scheduled for a retry.",
        per_queue(&|q| q.waiting as f64),
    );
    family(
        "bonsai_jobs_due",
        "gauge",
        "Jobs that could run now.",
        per_queue(&|q| q.due as f64),
    );
    family(
        "bonsai_jobs_failed",
        "gauge",
        "Jobs given up after their retries.",
        per_queue(&|q| q.failed as f64),
    );
    family(
        "bonsai_jobs_lag_seconds",
        "gauge",
        "How long the longest-due job has been waiting for a worker.",
        per_queue(&|q| {
            q.oldest_due
                .map(|t| (m.now.millis() - t.millis()).max(0) as f64 / 1000.0)
                .unwrap_or(0.0)
        }),
    );
    let p = &m.process;
    let one = |v: Option<f64>| v.map(|v| vec![(String::new(), v)]).unwrap_or_default();
    family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        one(p.resident_bytes.map(|b| b as f64)),
    );
    family(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        one(p.cpu_seconds),
    );
    family(
        "process_threads",
        "gauge",
        "Number of OS threads in the process.",
        one(p.threads.map(|t| t as f64)),
    );
    family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        one(p.start_time_seconds),
    );
    out
}
