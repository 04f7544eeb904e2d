use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use bonsai_core::model::Role;
use bonsai_db::{Db, DbOptions};
use bonsai_service::accounts::NewLocalAccount;
use bonsai_service::jobs::Queue;
use bonsai_service::Services;

use crate::config::{Config, EXAMPLE};

#[derive(Parser)]
#[command(
    name = "bonsai",
    version,
    about = "A small Mastodon-compatible fediverse server"
)]
pub struct Args {
    /// Config file (default: ./bonsai.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations.
    Migrate,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Validate or print configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Manage local accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// The job queues (deliveries, inbox processing).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Reports filed by users here and received from other servers (Flag).
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Waiting, due and failed jobs per queue.
    Status,
    /// Make waiting jobs due now, e.g. deliveries to a server that was down and is back.
    Retry {
        #[arg(long, default_value = "delivery", value_parser = ["delivery", "inbox", "fetch", "media"])]
        queue: String,
        /// Also revive jobs that were given up, with a fresh count of attempts.
        #[arg(long)]
        failed: bool,
    },
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// List reports, newest first.
    List {
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Show reports older than this report id (paging).
        #[arg(long)]
        max_id: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create a local account; prints its id.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "user", value_parser = ["admin", "moderator", "user"])]
        role: String,
    },
    /// List local accounts.
    List,
    /// Add or remove an alias (`alsoKnownAs`): an account that may move to this one.
    Alias {
        #[arg(long)]
        username: String,
        /// The other account's ActivityPub id (or `user@domain`).
        #[arg(long, conflicts_with = "remove", required_unless_present = "remove")]
        add: Option<String>,
        /// An alias to drop.
        #[arg(long)]
        remove: Option<String>,
    },
    /// Move an account to another one (here or elsewhere) that lists it as an alias: its
    /// followers follow the new account.
    Move {
        #[arg(long)]
        username: String,
        /// The new account's ActivityPub id (or `user@domain`).
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check the configuration and name the offending key on error.
    Check,
    /// Print a commented example configuration.
    Example,
}

pub async fn run(args: Args) -> Result<()> {
    if let Command::Config {
        command: ConfigCommand::Example,
    } = args.command
    {
        print!("{EXAMPLE}");
        return Ok(());
    }
    let config = Config::load(args.config.as_deref())?;
    init_logging(&config.log);
    match args.command {
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            println!(
                "configuration ok: {}://{} listening on {}, database {}",
                config.instance.protocol,
                config.instance.domain,
                config.listen,
                redact(&config.database_url)
            );
            Ok(())
        }
        Command::Config { .. } => Ok(()),
        Command::Migrate => {
            let db = open_db(&config).await?;
            let n = db.migrate().await.context("migrating the database")?;
            println!("applied {n} migration(s)");
            db.close().await;
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Account { command },
        } => {
            let services = services(&config).await?;
            let result = account_command(&services, command).await;
            services.db().close().await;
            result
        }
        Command::Admin {
            command: AdminCommand::Jobs { command },
        } => {
            let services = services(&config).await?;
            let result = jobs_command(&services, command).await;
            services.db().close().await;
            result
        }
        Command::Admin {
            command: AdminCommand::Reports { command },
        } => {
            let services = services(&config).await?;
            let result = reports_command(&services, command).await;
            services.db().close().await;
            result
        }
        Command::Serve => serve(config).await,
    }
}

async fn reports_command(services: &Services, command: ReportsCommand) -> Result<()> {
    match command {
        ReportsCommand::List { limit, max_id } => {
            let page = bonsai_core::model::Page {
                max_id,
                since_id: None,
                min_id: None,
                limit: limit.clamp(1, 1000),
            };
            let list = services.reports(&page).await?;
            println!(
                "{:<20} {:<25} {:<30} {:<30} {:<10} {:<9} STATUSES / COMMENT",
                "ID", "CREATED", "REPORTER", "TARGET", "CATEGORY", "FORWARDED"
            );
            for v in list {
                let r = &v.report;
                let statuses: Vec<String> = r.status_ids.iter().map(i64::to_string).collect();
                let comment: String = r
                    .comment
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .take(200)
                    .collect();
                println!(
                    "{:<20} {:<25} {:<30} {:<30} {:<10} {:<9} [{}] {}",
                    r.id,
                    r.created_at.to_rfc3339(),
                    v.reporter.acct(),
                    v.target.account.acct(),
                    r.category,
                    r.forwarded,
                    statuses.join(","),
                    comment
                );
            }
            Ok(())
        }
    }
}

async fn jobs_command(services: &Services, command: JobsCommand) -> Result<()> {
    match command {
        JobsCommand::Status => {
            println!(
                "{:<10} {:>8} {:>8} {:>8} {:>9}  OLDEST WAITING",
                "QUEUE", "WAITING", "DUE", "FAILED", "LAG"
            );
            let now = bonsai_core::timestamp::Timestamp::now();
            for q in services.job_stats().await? {
                let oldest = q
                    .oldest
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "-".into());
                // How long the longest-due job has waited for a worker.
                let lag = q
                    .oldest_due
                    .map(|t| format!("{:.1}s", (now.millis() - t.millis()).max(0) as f64 / 1e3))
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<10} {:>8} {:>8} {:>8} {lag:>9}  {oldest}",
                    q.queue, q.waiting, q.due, q.failed
                );
            }
            Ok(())
        }
        JobsCommand::Retry { queue, failed } => {
            let q = Queue::parse(&queue).ok_or_else(|| anyhow!("unknown queue {queue}"))?;
            let n = services.retry_jobs_now(q, failed).await?;
            println!("{n} {queue} job(s) due now");
            Ok(())
        }
    }
}

async fn account_command(services: &Services, command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Create {
            username,
            email,
            password,
            role,
        } => {
            let role = Role::parse(&role).ok_or_else(|| anyhow!("unknown role {role}"))?;
            let (account, _) = services
                .create_local_account(NewLocalAccount {
                    username,
                    email,
                    password,
                    role,
                    approved: true,
                    locale: None,
                    reason: None,
                    allow_reserved: true,
                    extra_errors: Vec::new(),
                })
                .await
                .map_err(|e| anyhow!("{}", bonsai_service::Error::from(e)))?;
            println!("{}", account.id);
            Ok(())
        }
        AccountCommand::List => {
            println!(
                "{:<20} {:<30} {:<30} {:<10}",
                "ID", "USERNAME", "EMAIL", "ROLE"
            );
            for (account, user) in services.list_local_accounts().await? {
                let (email, role) = user.map(|u| (u.email, u.role.as_str())).unwrap_or_default();
                println!(
                    "{:<20} {:<30} {:<30} {:<10}",
                    account.id, account.username, email, role
                );
            }
            Ok(())
        }
        AccountCommand::Alias {
            username,
            add,
            remove,
        } => {
            let account = services
                .local_account(&username)
                .await
                .with_context(|| format!("no local account @{username}"))?;
            let account = match (add, remove) {
                (Some(uri), _) => services.add_account_alias(account.id, &uri).await?,
                (None, Some(uri)) => services.remove_account_alias(account.id, &uri).await?,
                (None, None) => return Err(anyhow!("give --add or --remove")),
            };
            println!("aliases of @{}:", account.username);
            for uri in &account.also_known_as {
                println!("  {uri}");
            }
            Ok(())
        }
        AccountCommand::Move { username, to } => {
            let account = services
                .local_account(&username)
                .await
                .with_context(|| format!("no local account @{username}"))?;
            let new = services.move_account(account.id, &to).await?;
            println!("@{} moved to {}", account.username, new.uri);
            Ok(())
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Hides the password in a database URL for printing.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn open_db(config: &Config) -> Result<Db> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("cannot create data directory {}", config.data_dir.display())
        })?;
    }
    let mut opts = DbOptions::new(config.database_url.clone());
    opts.max_connections = config.database_max_connections;
    Db::connect(&opts)
        .await
        .with_context(|| format!("cannot open database {}", redact(&config.database_url)))
}

async fn services(config: &Config) -> Result<Services> {
    let db = open_db(config).await?;
    db.migrate().await.context("migrating the database")?;
    // The one outbound HTTP client (SSRF-guarded, bounded), from the federation_* keys.
    let http = bonsai_federation::client::HttpClient::new(config.http_client_config())
        .context("building the outbound HTTP client (`extra_ca_file`)")?;
    Ok(Services::new(db, config.instance.clone(), http))
}

async fn serve(config: Config) -> Result<()> {
    // Before anything else: a bad certificate should stop the start at once.
    let tls = match &config.tls {
        Some(files) => Some(crate::tls::server_config(&files.cert, &files.key)?),
        None => None,
    };
    let services = services(&config).await?;
    if let Some((account, email, password)) = services.ensure_initial_admin().await? {
        // Printed once, to stdout, so the person starting the server can sign in at once.
        println!("Created the first admin account:");
        println!("  username: {}", account.username);
        println!("  e-mail:   {email}");
        println!("  password: {password}");
        println!(
            "Sign in at {}/oauth/authorize through any Mastodon app, and keep this password safe.",
            config.instance.base_url()
        );
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        listen = %config.listen,
        tls = tls.is_some(),
        url = %config.instance.base_url(),
        version = %bonsai_api::version_string(),
        "bonsai is serving"
    );
    // Job workers (inbox processing, deliveries) run beside the server and stop with it.
    let (stop_workers, workers_stopped) = tokio::sync::watch::channel(false);
    let workers = services.spawn_workers(workers_stopped);
    let app = bonsai_api::app(services.clone());
    // The peer address feeds rate limiting (loopback is exempt, as in Mastodon).
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        std::net::SocketAddr,
    >(app);
    // Streaming connections never finish on their own: at the signal they are closed
    // (WebSocket close 1001, end of the event stream) so graceful shutdown can complete.
    let streams = services.streams().clone();
    let shutdown = async move {
        shutdown_signal().await;
        streams.close();
    };
    match tls {
        Some(tls) => {
            use axum::serve::ListenerExt;
            let listener = crate::tls::TlsListener::new(listener, tls)?.tap_io(crate::tls::tune);
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
    .context("server error")?;
    let _ = stop_workers.send(true);
    // Running jobs get a moment to finish; anything unfinished is retried after restart.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), join_workers(workers)).await;
    services.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

async fn join_workers(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}
