//! One typed config: defaults <- `bonsai.toml` <- `BONSAI_*` environment variables, validated
//! once, with errors that name the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use bonsai_service::{InstanceConfig, Registrations};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    domain: Option<String>,
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    protocol: Option<String>,
    registrations: Option<String>,
    title: Option<String>,
    description: Option<String>,
    contact_email: Option<String>,
    max_toot_chars: Option<usize>,
    access_token_lifetime: Option<i64>,
    log: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub log: String,
    pub instance: InstanceConfig,
}

/// Where a value came from, for error messages.
fn key_name(key: &str) -> String {
    format!("`{key}` (env BONSAI_{})", key.to_uppercase())
}

fn env(key: &str) -> Option<String> {
    std::env::var(format!("BONSAI_{}", key.to_uppercase()))
        .ok()
        .filter(|v| !v.is_empty())
}

impl Config {
    /// Loads `path` if given (it must exist), else `./bonsai.toml` if present.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let file = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("bonsai.toml")).filter(|p| p.exists()),
        };
        let fc: FileConfig = match &file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        Self::from_sources(fc)
    }

    fn from_sources(fc: FileConfig) -> Result<Self> {
        let pick = |key: &str, file: Option<String>, default: &str| -> String {
            env(key).or(file).unwrap_or_else(|| default.to_string())
        };
        let parse_num = |key: &str, file: Option<i64>, default: i64| -> Result<i64> {
            match env(key) {
                Some(v) => v.trim().parse().with_context(|| {
                    format!("{} must be a whole number, got {v:?}", key_name(key))
                }),
                None => Ok(file.unwrap_or(default)),
            }
        };

        let domain = pick("domain", fc.domain, "localhost:8080")
            .trim()
            .to_lowercase();
        if domain.is_empty()
            || domain.contains('/')
            || domain.contains(char::is_whitespace)
            || url::Url::parse(&format!("http://{domain}/")).is_err()
        {
            bail!(
                "{} must be a host name, optionally with :port, got {domain:?}",
                key_name("domain")
            );
        }
        let listen_raw = pick("listen", fc.listen, "127.0.0.1:8080");
        let listen: SocketAddr = listen_raw.parse().with_context(|| {
            format!(
                "{} must be an address like 127.0.0.1:8080, got {listen_raw:?}",
                key_name("listen")
            )
        })?;
        let data_dir = env("data_dir")
            .map(PathBuf::from)
            .or(fc.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = match env("database_url").or(fc.database_url) {
            Some(u) => u,
            None => format!("sqlite://{}", data_dir.join("bonsai.db").display()),
        };
        if bonsai_db::Backend::from_url(&database_url).is_err() {
            bail!(
                "{} must start with sqlite:// or postgres://",
                key_name("database_url")
            );
        }
        let protocol = pick("protocol", fc.protocol, "https");
        if protocol != "https" && protocol != "http" {
            bail!(
                "{} must be https or http, got {protocol:?}",
                key_name("protocol")
            );
        }
        let registrations: Registrations = pick("registrations", fc.registrations, "closed")
            .parse()
            .map_err(|e: String| anyhow::anyhow!("{}: {e}", key_name("registrations")))?;
        let max_toot_chars = parse_num("max_toot_chars", fc.max_toot_chars.map(|v| v as i64), 500)?;
        if !(1..=100_000).contains(&max_toot_chars) {
            bail!(
                "{} must be between 1 and 100000",
                key_name("max_toot_chars")
            );
        }
        let lifetime = parse_num("access_token_lifetime", fc.access_token_lifetime, 0)?;
        if lifetime < 0 {
            bail!(
                "{} must be 0 (never expire) or a number of seconds",
                key_name("access_token_lifetime")
            );
        }
        let max_conn = parse_num(
            "database_max_connections",
            fc.database_max_connections.map(i64::from),
            8,
        )?;
        if !(1..=200).contains(&max_conn) {
            bail!(
                "{} must be between 1 and 200",
                key_name("database_max_connections")
            );
        }

        let mut instance = InstanceConfig::for_domain(domain, protocol);
        instance.registrations = registrations;
        instance.max_toot_chars = max_toot_chars as usize;
        instance.access_token_lifetime_secs = lifetime;
        if let Some(t) = env("title").or(fc.title) {
            instance.title = t;
        }
        if let Some(d) = env("description").or(fc.description) {
            instance.description = d;
        }
        if let Some(e) = env("contact_email").or(fc.contact_email) {
            instance.contact_email = e;
        }
        Ok(Config {
            listen,
            data_dir,
            database_url,
            database_max_connections: max_conn as u32,
            log: pick("log", fc.log, "info"),
            instance,
        })
    }
}

pub const EXAMPLE: &str = r#"# bonsai.toml — every key is optional; BONSAI_<KEY> environment variables override it.

# Public host name people and other servers use (with :port when not 443/80).
domain = "social.example"
# Address to listen on. Put a TLS-terminating reverse proxy in front in production.
listen = "127.0.0.1:8080"
# "https" in production; "http" for local and test instances.
protocol = "https"
# Where the SQLite database (and, later, media) live.
data_dir = "./data"
# Leave unset for SQLite in data_dir; "postgres://user@host/db" selects PostgreSQL.
# database_url = "postgres://bonsai@127.0.0.1/bonsai"
# PostgreSQL pool size (SQLite uses one writer and up to 4 readers).
database_max_connections = 8
# Who may sign up: "closed", "approval" or "open".
registrations = "closed"
title = "Bonsai"
description = "A small, quiet corner of the fediverse."
contact_email = "admin@social.example"
max_toot_chars = 500
# Seconds an access token lives; 0 = until revoked (Mastodon's behaviour).
access_token_lifetime = 0
# Log filter, e.g. "info" or "bonsai=debug,info".
log = "info"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses() -> Result<()> {
        let fc: FileConfig = toml::from_str(EXAMPLE)?;
        let c = Config::from_sources(fc)?;
        assert_eq!(c.instance.domain, "social.example");
        Ok(())
    }

    #[test]
    fn unknown_key_is_named() {
        let err = toml::from_str::<FileConfig>("domian = \"x\"")
            .err()
            .map(|e| e.to_string());
        assert!(err.unwrap_or_default().contains("domian"));
    }
}
