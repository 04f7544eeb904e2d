use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use sqlx::{Connection, Executor};

use bonsai_db::{Backend, Db, DbOptions};

static COUNTER: AtomicU64 = AtomicU64::new(0);
static ANNOUNCE: Once = Once::new();
static SWEEP: std::sync::OnceLock<()> = std::sync::OnceLock::new();

/// A migrated, empty database that is removed when dropped.
pub struct TestDb {
    pub db: Db,
    pub backend: Backend,
    /// Where it is: other processes (a `bonsai serve` under test) can open it too.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Schema { admin_url: String, schema: String },
}

fn unique() -> String {
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

/// The PostgreSQL URL tests should use, if any.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("BONSAI_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("BONSAI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("BONSAI_REQUIRE_POSTGRES=1 but BONSAI_TEST_DATABASE_URL is not set");
    }
    url
}

/// A fresh database on the backend the environment selects.
pub async fn test_db() -> TestDb {
    let (db, url, backend, cleanup) = match postgres_url() {
        Some(base) => {
            ANNOUNCE.call_once(|| eprintln!("bonsai-testkit: running storage tests on PostgreSQL"));
            let schema = format!("t_{}", unique());
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(&base)
                .await
                .expect("connect to BONSAI_TEST_DATABASE_URL");
            if SWEEP.set(()).is_ok() {
                sweep_stale_schemas(&mut admin).await;
            }
            admin
                .execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .expect("create test schema");
            let _ = admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            let mut opts = DbOptions::new(url.clone());
            opts.max_connections = 4;
            let db = Db::connect(&opts).await.expect("connect to test schema");
            (
                db,
                url,
                Backend::Postgres,
                Cleanup::Schema {
                    admin_url: base,
                    schema,
                },
            )
        }
        None => {
            ANNOUNCE.call_once(|| {
                eprintln!(
                    "bonsai-testkit: running storage tests on SQLite ONLY — set \
                     BONSAI_TEST_DATABASE_URL=postgres://… to run them on PostgreSQL too"
                )
            });
            let dir = std::env::temp_dir().join(format!("bonsai-test-{}", unique()));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            let url = format!("sqlite://{}", dir.join("test.db").display());
            let db = Db::connect(&DbOptions::new(url.clone()))
                .await
                .expect("open test sqlite");
            (db, url, Backend::Sqlite, Cleanup::Dir(dir))
        }
    };
    db.migrate().await.expect("migrate test database");
    TestDb {
        db,
        backend,
        url,
        cleanup,
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                // Drop runs inside the test's runtime, which must keep running: a transaction
                // dropped without commit is rolled back by the pool on that runtime, and until
                // then it holds locks that DROP SCHEMA would wait for. So the schema is removed
                // from a detached thread; whatever a finished process leaves behind is swept by
                // the next run (see `sweep_stale_schemas`).
                let (url, schema) = (admin_url.clone(), schema.clone());
                std::thread::spawn(move || drop_schema(&url, &schema));
            }
        }
    }
}

fn drop_schema(url: &str, schema: &str) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        if let Ok(mut c) = sqlx::AnyConnection::connect(url).await {
            let _ = c.execute("SET lock_timeout = '10s'").await;
            let _ = c
                .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
                .await;
            let _ = c.close().await;
        }
    });
}

/// Removes test schemas whose process is gone (schema names carry the creating pid).
async fn sweep_stale_schemas(admin: &mut sqlx::AnyConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    else {
        return;
    };
    for name in names {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if pid.is_some() && !alive {
            let _ = admin
                .execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
                .await;
        }
    }
}
