//! Once a second: the server's RSS and CPU from /proc, and the last second's request figures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::metrics::{QueueSample, Scraper};
use crate::procfs::{self, ProcSample};
use crate::stats::Stats;

#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Seconds since the bench started sampling.
    pub t_s: f64,
    pub phase: String,
    pub rss_kib: Option<u64>,
    pub hwm_kib: Option<u64>,
    pub anon_kib: Option<u64>,
    /// RSS of the server's child processes (ffmpeg, say), summed; `None` without a PID.
    pub children_rss_kib: Option<u64>,
    pub cpu_s: Option<f64>,
    pub requests: u64,
    pub errors: u64,
    pub p99_ms: Option<f64>,
    pub home_p99_ms: Option<f64>,
    /// Deliveries that reached a simulated inbox in that second (burst: first arrivals of the
    /// post; small-instance and soak: every verified delivery).
    pub deliveries: u64,
    /// The server's job queues (`GET /metrics`): `None` when not scraped (no such endpoint,
    /// or no answer in time), empty when no queue had a job.
    pub jobs: Option<Vec<QueueSample>>,
}

impl Sample {
    /// A sample at `t_s` with nothing measured.
    #[cfg(test)]
    pub fn empty(t_s: f64) -> Sample {
        Sample {
            t_s,
            phase: String::new(),
            rss_kib: None,
            hwm_kib: None,
            anon_kib: None,
            children_rss_kib: None,
            cpu_s: None,
            requests: 0,
            errors: 0,
            p99_ms: None,
            home_p99_ms: None,
            deliveries: 0,
            jobs: None,
        }
    }

    /// Jobs waiting over all queues, if scraped.
    pub fn jobs_waiting(&self) -> Option<f64> {
        self.jobs
            .as_ref()
            .map(|j| j.iter().fold(0.0, |a, q| a + q.waiting))
    }

    pub fn jobs_due(&self) -> Option<f64> {
        self.jobs
            .as_ref()
            .map(|j| j.iter().fold(0.0, |a, q| a + q.due))
    }

    /// The largest lag over all queues, if scraped.
    pub fn jobs_lag_s(&self) -> Option<f64> {
        self.jobs
            .as_ref()
            .map(|j| j.iter().map(|q| q.lag_s).fold(0.0, f64::max))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    pub t_s: f64,
    pub label: String,
}

#[derive(Default)]
struct State {
    phase: String,
    samples: Vec<Sample>,
    marks: Vec<Mark>,
}

#[derive(Clone)]
pub struct Sampler {
    start: Instant,
    pids: Arc<Vec<u32>>,
    stats: Stats,
    state: Arc<Mutex<State>>,
    deliveries: Arc<AtomicU64>,
    metrics: Option<Arc<Scraper>>,
}

impl Sampler {
    pub fn new(pids: Vec<u32>, stats: Stats) -> Self {
        Sampler {
            start: Instant::now(),
            pids: Arc::new(pids),
            stats,
            state: Arc::new(Mutex::new(State {
                phase: "start".into(),
                ..State::default()
            })),
            deliveries: Arc::new(AtomicU64::new(0)),
            metrics: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts deliveries at simulated inboxes from `counter`, drained into each sample.
    pub fn with_deliveries(mut self, counter: Arc<AtomicU64>) -> Self {
        self.deliveries = counter;
        self
    }

    /// Scrapes the server's job metrics with every sample the background task takes.
    pub fn with_metrics(mut self, scraper: Arc<Scraper>) -> Self {
        self.metrics = Some(scraper);
        self
    }

    pub fn has_pids(&self) -> bool {
        !self.pids.is_empty()
    }

    pub fn elapsed_s(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Starts a new phase and marks it on the plot.
    pub fn phase(&self, label: &str) {
        let t_s = self.elapsed_s();
        let mut st = self.lock();
        st.phase = label.to_string();
        st.marks.push(Mark {
            t_s,
            label: label.to_string(),
        });
    }

    pub fn read(&self) -> Option<ProcSample> {
        procfs::sample_all(&self.pids)
    }

    /// Takes one sample now (also drains the request window).
    pub fn tick(&self) -> Option<ProcSample> {
        self.tick_with(None)
    }

    /// Takes one sample now, with the job queues scraped just before.
    fn tick_with(&self, jobs: Option<Vec<QueueSample>>) -> Option<ProcSample> {
        let proc = self.read();
        let w = self.stats.take_window();
        let deliveries = self.deliveries.swap(0, Ordering::Relaxed);
        let t_s = self.elapsed_s();
        let mut st = self.lock();
        let phase = st.phase.clone();
        st.samples.push(Sample {
            t_s,
            phase,
            rss_kib: proc.map(|p| p.rss_kib),
            hwm_kib: proc.map(|p| p.hwm_kib),
            anon_kib: proc.map(|p| p.anon_kib),
            children_rss_kib: proc.map(|_| procfs::descendants_rss_kib(&self.pids)),
            cpu_s: proc.map(|p| p.cpu_s),
            requests: w.requests,
            errors: w.errors,
            p99_ms: w.p99_ms,
            home_p99_ms: w.home_p99_ms,
            deliveries,
            jobs,
        });
        proc
    }

    pub fn spawn(&self) -> JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            every.tick().await;
            loop {
                every.tick().await;
                let jobs = match &me.metrics {
                    Some(m) => m.scrape().await,
                    None => None,
                };
                me.tick_with(jobs);
            }
        })
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.lock().samples.clone()
    }

    pub fn marks(&self) -> Vec<Mark> {
        self.lock().marks.clone()
    }
}
