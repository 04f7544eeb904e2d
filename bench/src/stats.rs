//! Per-endpoint counters and latency histograms, plus a one-second window the sampler drains to
//! plot p99 over time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use crate::hist::Histogram;

/// The endpoint whose p99 has a target of its own.
pub const HOME: &str = "GET /api/v1/timelines/home";

#[derive(Default)]
struct Endpoint {
    hist: Histogram,
    ok: u64,
    errors: BTreeMap<String, u64>,
    sample_error: Option<String>,
}

#[derive(Default)]
struct Inner {
    endpoints: BTreeMap<&'static str, Endpoint>,
    window_all: Histogram,
    window_home: Histogram,
    window_requests: u64,
    window_errors: u64,
}

/// Shared by every request task; the lock is held for a few hundred nanoseconds per request.
#[derive(Clone, Default)]
pub struct Stats(Arc<Mutex<Inner>>);

pub enum Outcome<'a> {
    Status(u16),
    Failed(&'static str, &'a str),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub requests: u64,
    pub errors: u64,
    pub p99_ms: Option<f64>,
    pub home_p99_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    pub endpoint: String,
    pub requests: u64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub first_error: Option<String>,
    pub throughput_per_s: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking request task must not take the report down with it.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record(&self, endpoint: &'static str, latency: Duration, outcome: Outcome<'_>) {
        let micros = latency.as_micros().min(u128::from(u64::MAX)) as u64;
        let mut inner = self.lock();
        let failed = match &outcome {
            Outcome::Status(s) => !(200..400).contains(s),
            Outcome::Failed(..) => true,
        };
        inner.window_requests += 1;
        if failed {
            inner.window_errors += 1;
        }
        // Only answered requests go into latency: a timeout's "latency" is the timeout.
        if let Outcome::Status(_) = outcome {
            inner.window_all.record(micros);
            if endpoint == HOME {
                inner.window_home.record(micros);
            }
        }
        let e = inner.endpoints.entry(endpoint).or_default();
        match outcome {
            Outcome::Status(s) => {
                e.hist.record(micros);
                if failed {
                    *e.errors.entry(s.to_string()).or_default() += 1;
                } else {
                    e.ok += 1;
                }
            }
            Outcome::Failed(label, detail) => {
                *e.errors.entry(label.to_string()).or_default() += 1;
                if e.sample_error.is_none() {
                    e.sample_error = Some(detail.chars().take(200).collect());
                }
            }
        }
    }

    /// Notes the body of the first failed response of an endpoint, for the report.
    pub fn note_error(&self, endpoint: &'static str, detail: &str) {
        let mut inner = self.lock();
        let e = inner.endpoints.entry(endpoint).or_default();
        if e.sample_error.is_none() {
            e.sample_error = Some(detail.chars().take(200).collect());
        }
    }

    /// The last second's figures; resets the window.
    pub fn take_window(&self) -> Window {
        let mut inner = self.lock();
        let q = |h: &Histogram| (h.count() > 0).then(|| ms(h.quantile(0.99)));
        let w = Window {
            requests: inner.window_requests,
            errors: inner.window_errors,
            p99_ms: q(&inner.window_all),
            home_p99_ms: q(&inner.window_home),
        };
        inner.window_all.reset();
        inner.window_home.reset();
        inner.window_requests = 0;
        inner.window_errors = 0;
        w
    }

    pub fn report(&self, elapsed: Duration) -> Vec<EndpointReport> {
        let inner = self.lock();
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut all = Histogram::new();
        let mut total_ok = 0;
        let mut total_errors: BTreeMap<String, u64> = BTreeMap::new();
        let mut out: Vec<EndpointReport> = inner
            .endpoints
            .iter()
            .map(|(name, e)| {
                all.merge(&e.hist);
                total_ok += e.ok;
                for (k, v) in &e.errors {
                    *total_errors.entry(k.clone()).or_default() += v;
                }
                row(name, &e.hist, e.ok, &e.errors, e.sample_error.clone(), secs)
            })
            .collect();
        out.push(row("all", &all, total_ok, &total_errors, None, secs));
        out
    }
}

fn row(
    name: &str,
    h: &Histogram,
    ok: u64,
    errors: &BTreeMap<String, u64>,
    first_error: Option<String>,
    secs: f64,
) -> EndpointReport {
    let failed: u64 = errors.values().sum();
    EndpointReport {
        endpoint: name.to_string(),
        requests: ok + failed,
        ok,
        errors: errors.clone(),
        first_error,
        throughput_per_s: ok as f64 / secs,
        mean_ms: h.mean() / 1000.0,
        p50_ms: ms(h.quantile(0.50)),
        p95_ms: ms(h.quantile(0.95)),
        p99_ms: ms(h.quantile(0.99)),
        max_ms: ms(h.max()),
    }
}
