use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::{DbError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(url.to_string()))
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    /// PostgreSQL pool size; SQLite uses one writer and this many readers (capped at 4).
    pub max_connections: u32,
    /// SQLite page cache per connection, in KiB (bounded memory).
    pub sqlite_cache_kib: u32,
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            sqlite_cache_kib: 2048,
        }
    }
}

/// Both pools point at the same database. On PostgreSQL they are the same pool; on SQLite
/// writes go through a single connection (SQLite has one writer anyway, and queueing in the
/// pool beats retrying on SQLITE_BUSY) while reads use a small pool that WAL lets run beside it.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    pub async fn connect(opts: &DbOptions) -> Result<Self> {
        install_default_drivers();
        let backend = Backend::from_url(&opts.url)?;
        match backend {
            Backend::Postgres => {
                let connect = AnyConnectOptions::from_str(&opts.url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .idle_timeout(Duration::from_secs(300))
                    .connect_with(connect)
                    .await?;
                Ok(Self {
                    backend,
                    writer: pool.clone(),
                    reader: pool,
                })
            }
            Backend::Sqlite => {
                let url = sqlite_url_with_create(&opts.url);
                let connect = AnyConnectOptions::from_str(&url)?;
                let cache = format!("PRAGMA cache_size = -{}", opts.sqlite_cache_kib);
                let writer = sqlite_pool(connect.clone(), 1, cache.clone(), true).await?;
                let readers = opts.max_connections.clamp(1, 4);
                let reader = sqlite_pool(connect, readers, cache, false).await?;
                Ok(Self {
                    backend,
                    writer,
                    reader,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For reads that need no transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// For a single write statement that needs no transaction around it.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.writer.begin().await?)
    }

    /// Cheap liveness check for readiness probes.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Creates the database file on first start unless the URL says otherwise.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

async fn sqlite_pool(
    connect: AnyConnectOptions,
    size: u32,
    cache_pragma: String,
    writer: bool,
) -> Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(size)
        .min_connections(if writer { 1 } else { 0 })
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            let cache_pragma = cache_pragma.clone();
            Box::pin(async move {
                // WAL lets readers run beside the writer; NORMAL is durable across crashes of
                // the process (not of the OS) and much faster; busy_timeout covers checkpoints.
                conn.execute("PRAGMA busy_timeout = 5000").await?;
                if writer {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                }
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute(cache_pragma.as_str()).await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await?;
    Ok(pool)
}
