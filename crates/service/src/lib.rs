//! The use-cases. Each public function authorises, checks visibility, runs one transaction and
//! returns domain views that `api` renders. Handlers call exactly one of these.

mod crypto;
mod error;
mod password;
mod text;

pub mod accounts;
pub mod activitypub;
pub mod blocks;
pub mod config;
pub mod convert;
pub mod discovery;
pub mod domain_blocks;
pub mod edits;
pub mod federation;
pub mod instance;
pub mod instance_actor;
pub mod interactions;
pub mod jobs;
pub mod media;
pub mod metrics;
pub mod moves;
pub mod notifications;
pub mod oauth;
pub mod relationships;
pub mod reports;
pub mod search;
pub mod statuses;
pub mod stream;
pub mod throttle;
pub mod timelines;
pub mod views;

use std::sync::Arc;

use bonsai_core::id::IdGenerator;
use bonsai_db::Db;
use bonsai_federation::client::HttpClient;

pub use config::{InstanceConfig, MediaConfig, Registrations};
pub use error::{Error, ErrorKind, Result};
pub use oauth::Viewer;

/// Everything the use-cases need, built once at start and shared.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: InstanceConfig,
    ids: IdGenerator,
    passwords: password::Hasher,
    throttle: throttle::Throttle,
    job_signal: jobs::JobSignal,
    http: HttpClient,
    /// Loaded (or generated) on first use.
    instance_key: tokio::sync::OnceCell<Arc<instance_actor::InstanceKey>>,
    signing_keys: federation::SigningKeyCache,
    /// Real-time events for the streaming API.
    streams: Arc<stream::StreamBus>,
    media: media::MediaParts,
}

impl Services {
    /// `http` is the one outbound client (SSRF-guarded, bounded) for everything that leaves
    /// the process.
    pub fn new(db: Db, config: InstanceConfig, http: HttpClient) -> Self {
        let streams = Arc::new(stream::StreamBus::new(config.streaming_max_connections));
        Self {
            inner: Arc::new(Inner {
                db,
                passwords: password::Hasher::new(config.password_hash_concurrency),
                ids: IdGenerator::new(),
                throttle: throttle::Throttle::default(),
                job_signal: jobs::JobSignal::default(),
                http,
                instance_key: tokio::sync::OnceCell::new(),
                signing_keys: federation::SigningKeyCache::default(),
                streams,
                media: media::MediaParts::new(&config),
                config,
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &InstanceConfig {
        &self.inner.config
    }

    /// Request throttling shared by every node of this process.
    pub fn throttle(&self) -> &throttle::Throttle {
        &self.inner.throttle
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    pub(crate) fn job_signal(&self) -> &jobs::JobSignal {
        &self.inner.job_signal
    }

    /// Local senders' decoded private keys, for signing deliveries.
    pub(crate) fn signing_keys(&self) -> &federation::SigningKeyCache {
        &self.inner.signing_keys
    }

    pub(crate) fn media(&self) -> &media::MediaParts {
        &self.inner.media
    }

    pub(crate) fn next_id(&self) -> i64 {
        self.inner.ids.next()
    }

    pub(crate) fn passwords(&self) -> &password::Hasher {
        &self.inner.passwords
    }
}
