//! Starting Bonsai for a run: a fresh data directory, HTTP on a free loopback port, open
//! registrations, and nothing inherited from the caller's `BONSAI_*` environment (a stray
//! `BONSAI_DATABASE_URL` must never point the bench at a real database).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::http::{Client, Origin};

pub struct Spawned {
    child: Child,
    pub pid: u32,
    pub origin: Origin,
    pub admin: AdminCli,
    pub ready_after: Duration,
    keep_data: bool,
}

/// Runs the server's admin CLI against the same data and settings as the spawned server.
#[derive(Clone)]
pub struct AdminCli {
    bin: PathBuf,
    data_dir: PathBuf,
    env: Vec<(String, String)>,
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn fresh_dir() -> Result<PathBuf, String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("bonsai-bench-{}-{nanos:09}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn command(bin: &Path, dir: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("BONSAI_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null());
    cmd
}

pub struct SpawnOptions<'a> {
    pub bin: &'a Path,
    /// Port to listen on; `None` picks a free one.
    pub port: Option<u16>,
    pub log: &'a Path,
    /// Extra `KEY=VALUE` settings, applied after the bench's own.
    pub extra_env: &'a [(String, String)],
    pub keep_data: bool,
}

pub async fn spawn(opts: SpawnOptions<'_>) -> Result<Spawned, String> {
    let bin =
        std::fs::canonicalize(opts.bin).map_err(|e| format!("{}: {e}", opts.bin.display()))?;
    let port = match opts.port {
        Some(p) => p,
        None => free_port()?,
    };
    let data_dir = fresh_dir()?;
    let host = format!("127.0.0.1:{port}");
    let mut env = vec![
        (
            "BONSAI_DATA_DIR".to_string(),
            data_dir.display().to_string(),
        ),
        ("BONSAI_LISTEN".to_string(), host.clone()),
        ("BONSAI_DOMAIN".to_string(), host.clone()),
        ("BONSAI_PROTOCOL".to_string(), "http".to_string()),
        ("BONSAI_REGISTRATIONS".to_string(), "open".to_string()),
        ("BONSAI_LOG".to_string(), "warn".to_string()),
    ];
    env.extend(opts.extra_env.iter().cloned());
    let log = std::fs::File::create(opts.log)
        .map_err(|e| format!("cannot create {}: {e}", opts.log.display()))?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let child = command(&bin, &data_dir, &env)
        .arg("serve")
        .stdout(log)
        .stderr(log2)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let origin = Origin::parse(&format!("http://{host}"))?;
    let mut server = Spawned {
        child,
        pid,
        origin: origin.clone(),
        admin: AdminCli { bin, data_dir, env },
        ready_after: Duration::ZERO,
        keep_data: opts.keep_data,
    };
    let probe = Client::new(origin, Duration::from_secs(2), 1);
    let deadline = started + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let tail = log_tail(opts.log);
            return Err(format!(
                "the server exited with {status} before it was ready:\n{tail}"
            ));
        }
        if let Ok(res) = probe.get("/readyz", None).await {
            if res.ok() {
                break;
            }
        }
        if Instant::now() > deadline {
            server.stop().await;
            return Err("the server was not ready within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.ready_after = started.elapsed();
    Ok(server)
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl AdminCli {
    /// `bonsai admin account create …` against this server's data; returns the account id.
    pub async fn create_account(
        &self,
        username: &str,
        email: &str,
        password: &str,
    ) -> Result<String, String> {
        let mut cmd = command(&self.bin, &self.data_dir, &self.env);
        cmd.args([
            "admin",
            "account",
            "create",
            "--username",
            username,
            "--email",
            email,
            "--password",
            password,
        ])
        .kill_on_drop(true);
        let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
            .await
            .map_err(|_| "admin CLI timed out after 60 s".to_string())?
            .map_err(|e| format!("cannot run the admin CLI: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "admin CLI failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

impl Spawned {
    /// SIGTERM (graceful shutdown), then SIGKILL after 10 s; removes the data directory.
    pub async fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        if !self.keep_data {
            let _ = std::fs::remove_dir_all(&self.admin.data_dir);
        }
    }
}
