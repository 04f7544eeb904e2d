//! Job queue depth and lag from the server's Prometheus endpoint (`GET /metrics`), scraped
//! once a second next to RSS. Bonsai answers it to loopback clients with
//! `bonsai_jobs_waiting{queue="…"}`, `bonsai_jobs_due`, `bonsai_jobs_failed` and
//! `bonsai_jobs_lag_seconds`; a server without it (404, or no such series) is skipped quietly
//! after the first answer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::http::{Client, Origin};
use crate::sampler::Sample;

/// One queue at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueSample {
    pub queue: String,
    /// Jobs not given up: due now or scheduled for a retry.
    pub waiting: f64,
    /// Jobs that could run now.
    pub due: f64,
    /// Jobs given up after their retries.
    pub failed: f64,
    /// How long the longest-due job has waited for a worker.
    pub lag_s: f64,
}

/// `name{labels} value` → (name, queue label, value); other lines (comments, other series,
/// malformed values) → `None`.
fn parse_line(line: &str) -> Option<(&str, Option<&str>, f64)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (series, rest) = match line.find('{') {
        Some(open) => {
            let close = open + line[open..].find('}')?;
            (&line[..close + 1], &line[close + 1..])
        }
        None => line.split_at(line.find(char::is_whitespace)?),
    };
    // A timestamp may follow the value.
    let value: f64 = rest.split_whitespace().next()?.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        Some((n, l)) => (n, Some(l.trim_end_matches('}'))),
        None => (series, None),
    };
    let queue = labels.and_then(|l| {
        l.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == "queue").then(|| v.trim().trim_matches('"'))
        })
    });
    Some((name, queue, value))
}

/// The job series of a Prometheus text page, one entry per queue (sorted by name); `None`
/// when the page does not declare the `bonsai_jobs_*` families. A declared family without
/// samples means no queue has a job: an empty list.
pub fn parse(text: &str) -> Option<Vec<QueueSample>> {
    let mut queues: BTreeMap<String, QueueSample> = BTreeMap::new();
    let mut any = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("# TYPE bonsai_jobs_") || l.starts_with("# HELP bonsai_jobs_") {
            any = true;
            continue;
        }
        let Some((name, queue, value)) = parse_line(line) else {
            continue;
        };
        let Some(field) = name.strip_prefix("bonsai_jobs_") else {
            continue;
        };
        let Some(queue) = queue else { continue };
        if !value.is_finite() {
            continue;
        }
        let q = queues
            .entry(queue.to_string())
            .or_insert_with(|| QueueSample {
                queue: queue.to_string(),
                ..QueueSample::default()
            });
        match field {
            "waiting" => q.waiting = value,
            "due" => q.due = value,
            "failed" => q.failed = value,
            "lag_seconds" => q.lag_s = value,
            _ => continue,
        }
        any = true;
    }
    any.then(|| queues.into_values().collect())
}

/// Scrapes `/metrics` of the server under test until it turns out not to have one.
pub struct Scraper {
    client: Client,
    enabled: AtomicBool,
}

impl Scraper {
    pub fn new(origin: Origin) -> Self {
        Scraper {
            // Short deadline: a slow answer must not hold up the once-a-second sample.
            client: Client::new(origin, Duration::from_millis(800), 1),
            enabled: AtomicBool::new(true),
        }
    }

    /// The queues now; `None` when the server has no job metrics (it is not asked again) or
    /// did not answer in time.
    pub async fn scrape(&self) -> Option<Vec<QueueSample>> {
        if !self.enabled.load(Ordering::Relaxed) {
            return None;
        }
        let res = match self.client.get("/metrics", None).await {
            Ok(r) => r,
            // Busy or restarting: try again next second.
            Err(_) => return None,
        };
        let parsed = res
            .ok()
            .then(|| parse(&String::from_utf8_lossy(&res.body)))
            .flatten();
        if parsed.is_none() {
            self.enabled.store(false, Ordering::Relaxed);
        }
        parsed
    }
}

/// One queue over a run (or its workload): peak and mean depth and lag from the 1 Hz samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueReport {
    pub queue: String,
    pub samples: usize,
    pub peak_lag_s: f64,
    pub mean_lag_s: f64,
    pub peak_waiting: f64,
    pub mean_waiting: f64,
    pub peak_due: f64,
    pub mean_due: f64,
    /// Given-up jobs in the last sample of the window.
    pub final_failed: f64,
}

/// Per queue over the samples with `from <= t_s <= to` that were scraped; a queue missing
/// from a scraped sample had no jobs then (zero depth and lag).
pub fn report(samples: &[Sample], from: f64, to: f64) -> Vec<QueueReport> {
    let scraped: Vec<&[QueueSample]> = samples
        .iter()
        .filter(|s| s.t_s >= from && s.t_s <= to)
        .filter_map(|s| s.jobs.as_deref())
        .collect();
    let mut out: BTreeMap<&str, QueueReport> = BTreeMap::new();
    for q in scraped.iter().flat_map(|s| s.iter()) {
        out.entry(q.queue.as_str()).or_insert_with(|| QueueReport {
            queue: q.queue.clone(),
            samples: scraped.len(),
            ..QueueReport::default()
        });
    }
    for (name, r) in &mut out {
        for s in &scraped {
            let Some(q) = s.iter().find(|q| q.queue == *name) else {
                r.final_failed = 0.0;
                continue;
            };
            r.peak_lag_s = r.peak_lag_s.max(q.lag_s);
            r.mean_lag_s += q.lag_s;
            r.peak_waiting = r.peak_waiting.max(q.waiting);
            r.mean_waiting += q.waiting;
            r.peak_due = r.peak_due.max(q.due);
            r.mean_due += q.due;
            r.final_failed = q.failed;
        }
    }
    out.into_values()
        .map(|mut r| {
            let n = r.samples.max(1) as f64;
            r.mean_lag_s /= n;
            r.mean_waiting /= n;
            r.mean_due /= n;
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"# HELP bonsai_build_info Version of the running server.
# TYPE bonsai_build_info gauge
bonsai_build_info{version="0.1.0"} 1
# HELP bonsai_jobs_waiting Jobs not given up, due now or scheduled for a retry.
# TYPE bonsai_jobs_waiting gauge
bonsai_jobs_waiting{queue="inbox"} 3
bonsai_jobs_waiting{queue="delivery"} 120
bonsai_jobs_due{queue="inbox"} 2
bonsai_jobs_due{queue="delivery"} 100
bonsai_jobs_failed{queue="delivery"} 4
bonsai_jobs_lag_seconds{queue="inbox"} 0.25
bonsai_jobs_lag_seconds{queue="delivery"} 1.5 1700000000000
bonsai_jobs_lag_seconds{queue="fetch"} NaN
process_resident_memory_bytes 12345678
garbage line {
"#;

    #[test]
    fn parses_job_series_per_queue() {
        let q = parse(PAGE).expect("job series");
        assert_eq!(
            q,
            vec![
                QueueSample {
                    queue: "delivery".into(),
                    waiting: 120.0,
                    due: 100.0,
                    failed: 4.0,
                    lag_s: 1.5,
                },
                QueueSample {
                    queue: "inbox".into(),
                    waiting: 3.0,
                    due: 2.0,
                    failed: 0.0,
                    lag_s: 0.25,
                },
            ]
        );
    }

    #[test]
    fn a_page_without_job_series_is_none() {
        // Declared but empty: no queue has a job.
        assert_eq!(
            parse("# HELP bonsai_jobs_waiting Jobs.\n# TYPE bonsai_jobs_waiting gauge\n"),
            Some(Vec::new())
        );
        assert_eq!(parse(""), None);
        assert_eq!(parse("process_cpu_seconds_total 1.5\n"), None);
        assert_eq!(parse("<html>Not Found</html>"), None);
        assert_eq!(
            parse_line(r#"x{queue="a",other="b"} 7"#),
            Some(("x", Some("a"), 7.0))
        );
        assert_eq!(parse_line("y 2"), Some(("y", None, 2.0)));
    }

    #[test]
    fn reports_peak_and_mean_in_the_window() {
        let mk = |t: f64, lag: f64, waiting: f64| {
            let mut s = Sample::empty(t);
            s.jobs = Some(vec![QueueSample {
                queue: "delivery".into(),
                waiting,
                due: waiting,
                failed: t,
                lag_s: lag,
            }]);
            s
        };
        let mut idle = Sample::empty(5.0);
        idle.jobs = Some(Vec::new());
        let samples = vec![
            mk(0.0, 50.0, 999.0),
            mk(1.0, 1.0, 10.0),
            mk(2.0, 3.0, 30.0),
            // Not scraped: left out.
            Sample::empty(3.0),
            mk(4.0, 4.0, 40.0),
            // Scraped, no job anywhere: counts as zero.
            idle,
        ];
        let r = report(&samples, 0.5, 5.0);
        assert_eq!(r.len(), 1);
        let d = &r[0];
        assert_eq!((d.queue.as_str(), d.samples), ("delivery", 4));
        assert_eq!((d.peak_lag_s, d.mean_lag_s), (4.0, 2.0));
        assert_eq!((d.peak_waiting, d.mean_waiting), (40.0, 20.0));
        assert_eq!(d.final_failed, 0.0);
        assert_eq!(report(&samples, 0.5, 4.0)[0].final_failed, 4.0);
        assert!(report(&samples, 10.0, 20.0).is_empty());
    }
}
