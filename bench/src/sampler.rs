//! Once a second: the server's RSS and CPU from /proc, and the last second's request figures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

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
    pub cpu_s: Option<f64>,
    pub requests: u64,
    pub errors: u64,
    pub p99_ms: Option<f64>,
    pub home_p99_ms: Option<f64>,
    /// Deliveries that reached a simulated inbox in that second (burst).
    pub deliveries: u64,
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
            cpu_s: proc.map(|p| p.cpu_s),
            requests: w.requests,
            errors: w.errors,
            p99_ms: w.p99_ms,
            home_p99_ms: w.home_p99_ms,
            deliveries,
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
                me.tick();
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
