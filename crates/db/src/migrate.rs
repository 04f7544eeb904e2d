//! Versioned migrations, one file per dialect with the same version number. Applied in order,
//! each in its own transaction together with its row in `schema_migrations`.

use sqlx::Executor;

use crate::error::{DbError, Result};
use crate::pool::{Backend, Db};
use bonsai_core::timestamp::Timestamp;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

static MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init"),
    migration!(2, "0002_favourites"),
    migration!(3, "0003_jobs_and_remote_accounts"),
    migration!(4, "0004_follow_uris"),
    migration!(5, "0005_notifications"),
    migration!(6, "0006_status_edits"),
    migration!(7, "0007_blocks"),
    migration!(8, "0008_unavailable_domains"),
    migration!(9, "0009_tombstones_and_emojis"),
    migration!(10, "0010_domain_blocks_and_reports"),
    migration!(12, "0012_settings"),
    migration!(13, "0013_job_groups"),
    migration!(14, "0014_media_attachments"),
    migration!(15, "0015_account_moves"),
    migration!(16, "0016_local_media"),
];

pub fn migrations() -> &'static [Migration] {
    MIGRATIONS
}

impl Db {
    /// Applies every migration not yet applied; returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let mut tx = self.begin().await?;
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        tx.commit().await?;

        let mut applied = 0;
        for m in MIGRATIONS {
            let mut tx = self.begin().await?;
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend() {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await
                .map_err(|source| DbError::Migration {
                    version: m.version,
                    name: m.name,
                    source,
                })?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(m.version)
                .bind(Timestamp::now().millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
            applied += 1;
        }
        Ok(applied)
    }
}
