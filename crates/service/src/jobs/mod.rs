//! The job runner: one worker loop per queue, each with its own concurrency limit, claiming
//! due jobs from the database with a lease. Retries back off the way Sidekiq does for
//! Mastodon (attempt⁴ + 15 s + jitter), so deliveries keep trying for days.

mod backoff;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinHandle;

use bonsai_core::timestamp::Timestamp;
use bonsai_db::jobs::{self, Job};

use crate::error::{DbResultExt, Result};
use crate::Services;

pub use backoff::retry_delay;

/// A queue and how many of its jobs may run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Verified activities from remote servers, processed off the request path.
    Inbox,
    /// Activities to send to remote inboxes.
    Delivery,
    /// Background fetches that complete threads (a remote post's replies).
    Fetch,
    /// Audio/video processing of uploads, and removing deleted posts' files.
    Media,
}

impl Queue {
    pub const ALL: [Queue; 4] = [Queue::Inbox, Queue::Delivery, Queue::Fetch, Queue::Media];

    pub fn name(self) -> &'static str {
        match self {
            Queue::Inbox => "inbox",
            Queue::Delivery => "delivery",
            Queue::Fetch => "fetch",
            Queue::Media => "media",
        }
    }

    pub fn parse(name: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.name() == name)
    }

    fn concurrency(self) -> usize {
        match self {
            Queue::Inbox => 2,
            Queue::Delivery => 8,
            Queue::Fetch => 1,
            // ffmpeg is the big spender: one at a time (the processor bounds it too).
            Queue::Media => 1,
        }
    }

    /// How long a claimed job may run before another worker may take it over. A media job
    /// runs ffprobe, the transcode and the preview frame, each bounded by the processor's
    /// ffmpeg timeout (10 min by default): its lease must outlast all three, or a second node
    /// would start the same transcode while the first is still at it.
    fn lease_secs(self) -> i64 {
        match self {
            Queue::Media => 40 * 60,
            _ => LEASE_SECS,
        }
    }

    /// After this many attempts a job is given up (delivery: ~3.5 days of retries).
    pub fn max_attempts(self) -> i64 {
        match self {
            Queue::Inbox => 8,
            Queue::Delivery => 16,
            Queue::Fetch => 3,
            Queue::Media => 3,
        }
    }
}

/// What running a job came to.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Try again; `after` overrides the backoff (e.g. a server's `Retry-After`).
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Never try again (e.g. the remote answered 4xx).
    Fail {
        error: String,
    },
}

/// Wakes idle workers when a job is enqueued in this process.
#[derive(Default)]
pub struct JobSignal {
    notify: Notify,
}

impl JobSignal {
    pub fn wake(&self) {
        self.notify.notify_waiters();
    }
}

/// How long a claimed job may run before another worker may take it over (most queues).
const LEASE_SECS: i64 = 300;
/// How often idle workers look for due jobs (retries come due without a wake-up).
const POLL: Duration = Duration::from_secs(2);

impl Services {
    /// Enqueues inside the caller's transaction, so the job exists exactly when the write does.
    /// Jobs sharing a `group` run one at a time, in order.
    pub(crate) async fn enqueue(
        &self,
        conn: &mut bonsai_db::Conn,
        queue: Queue,
        group: Option<&str>,
        payload: &serde_json::Value,
    ) -> Result<()> {
        jobs::enqueue(
            &mut *conn,
            self.next_id(),
            queue.name(),
            group,
            &payload.to_string(),
            Timestamp::now(),
        )
        .await
        .or_internal()
    }

    /// Makes `queue`'s waiting jobs due now (and revives failed ones with `failed_too`):
    /// `bonsai admin jobs retry`, for when a peer is back after an outage. Running servers
    /// pick them up at their next poll.
    pub async fn retry_jobs_now(&self, queue: Queue, failed_too: bool) -> Result<u64> {
        let n = jobs::retry_now(self.db().writer(), queue.name(), failed_too)
            .await
            .or_internal()?;
        self.job_signal().wake();
        Ok(n)
    }

    /// Every queue's waiting, due and failed counts.
    pub async fn job_stats(&self) -> Result<Vec<jobs::QueueStats>> {
        jobs::stats(self.db().reader()).await.or_internal()
    }

    /// Starts one worker loop per queue, and the recurring maintenance (today: the sweep of
    /// unattached uploads, a plain interval task — every node may run it, it is idempotent);
    /// they stop when `shutdown` turns true.
    pub fn spawn_workers(&self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let mut handles: Vec<JoinHandle<()>> = Queue::ALL
            .into_iter()
            .map(|q| tokio::spawn(worker(self.clone(), q, shutdown.clone())))
            .collect();
        let services = self.clone();
        handles.push(tokio::spawn(async move {
            services.media_sweeper(shutdown).await
        }));
        handles
    }

    async fn run_job(&self, queue: Queue, job: &Job) -> Outcome {
        let payload: serde_json::Value = match serde_json::from_str(&job.payload) {
            Ok(v) => v,
            Err(e) => {
                return Outcome::Fail {
                    error: format!("unreadable payload: {e}"),
                }
            }
        };
        match queue {
            Queue::Inbox => self.process_inbox_job(&payload).await,
            Queue::Delivery => self.deliver_job(&payload).await,
            Queue::Fetch => self.fetch_replies_job(&payload).await,
            Queue::Media => self.media_job(&payload).await,
        }
    }

    async fn finish(&self, queue: Queue, job: &Job, outcome: Outcome) {
        let db = self.db().writer();
        let result = match outcome {
            Outcome::Done => jobs::complete(db, job.id).await,
            Outcome::Fail { error } => {
                tracing::warn!(queue = queue.name(), job = job.id, %error, "job failed for good");
                jobs::fail(db, job.id, &error).await
            }
            Outcome::Retry { error, after } => {
                if job.attempts >= queue.max_attempts() {
                    tracing::warn!(queue = queue.name(), job = job.id, %error, "job gave up after retries");
                    jobs::fail(db, job.id, &error).await
                } else {
                    let delay = after.unwrap_or_else(|| retry_delay(job.attempts, job.id));
                    tracing::info!(queue = queue.name(), job = job.id, %error, retry_in = ?delay, "job will retry");
                    jobs::retry(
                        db,
                        job.id,
                        Timestamp::now().plus_secs(delay.as_secs() as i64),
                        &error,
                    )
                    .await
                }
            }
        };
        if let Err(e) = result {
            // The lease runs out and the job is retried: nothing is lost.
            tracing::error!(error = %e, job = job.id, "could not record a job's outcome");
        }
    }
}

async fn worker(services: Services, queue: Queue, mut shutdown: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(queue.concurrency()));
    loop {
        if *shutdown.borrow() {
            break;
        }
        let free = permits.available_permits() as i64;
        let claimed = if free > 0 {
            match jobs::claim(services.db(), queue.name(), free, queue.lease_secs()).await {
                Ok(j) => j,
                Err(e) => {
                    tracing::error!(error = %e, queue = queue.name(), "claiming jobs failed");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let idle = claimed.is_empty();
        for job in claimed {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let services = services.clone();
            tokio::spawn(async move {
                let outcome = services.run_job(queue, &job).await;
                services.finish(queue, &job, outcome).await;
                drop(permit);
            });
        }
        if idle {
            tokio::select! {
                _ = services.job_signal().notify.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => {}
            }
        } else if permits.available_permits() == 0 {
            // Busy: wait for a slot rather than spinning on claims.
            let _ = permits.acquire().await;
        }
    }
    // Let running jobs finish (bounded by the lease if they hang).
    let _ = permits.acquire_many(queue.concurrency() as u32).await;
}
