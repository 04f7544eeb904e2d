//! One typed config: defaults <- `bonsai.toml` <- `BONSAI_*` environment variables, validated
//! once, with errors that name the key.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use bonsai_federation::client::{user_agent, ClientConfig, HostOverrides, HostTarget, IpCidr};
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
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    federation_allow_addresses: Option<ListOrString>,
    federation_hosts: Option<MapOrString>,
    federation_blocked_domains: Option<ListOrString>,
    federation_allowed_domains: Option<ListOrString>,
    federation_silenced_domains: Option<ListOrString>,
    federation_reject_media_domains: Option<ListOrString>,
    authorized_fetch: Option<bool>,
    streaming_max_connections: Option<u32>,
    extra_ca_file: Option<PathBuf>,
    media_dir: Option<PathBuf>,
    media_image_size_limit: Option<u64>,
    media_video_size_limit: Option<u64>,
    media_upload_concurrency: Option<u64>,
}

/// A list in `bonsai.toml`, or the comma-separated form the environment variable takes.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ListOrString {
    List(Vec<String>),
    String(String),
}

/// A table `{ "a.test" = "127.0.0.2" }`, or `a.test=127.0.0.2,b.test=127.0.0.3`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MapOrString {
    Map(HashMap<String, String>),
    String(String),
}

/// PEM files `serve` terminates TLS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub log: String,
    pub instance: InstanceConfig,
    /// Set: `serve` speaks https itself.
    pub tls: Option<TlsFiles>,
    /// Non-public ranges the outbound client may reach anyway (tests: `127.0.0.0/8`).
    pub federation_allow_addresses: Vec<IpCidr>,
    /// Host name -> address[:port], before DNS, for the outbound client (tests: `a.test`).
    pub federation_hosts: HostOverrides,
    /// PEM bundle the outbound client trusts besides the system store.
    pub extra_ca_file: Option<PathBuf>,
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

        let streaming_max = parse_num(
            "streaming_max_connections",
            fc.streaming_max_connections.map(i64::from),
            1000,
        )?;
        if !(1..=100_000).contains(&streaming_max) {
            bail!(
                "{} must be between 1 and 100000",
                key_name("streaming_max_connections")
            );
        }

        let mut instance = InstanceConfig::for_domain(domain, protocol);
        instance.streaming_max_connections = streaming_max as usize;
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
        instance.authorized_fetch = match env("authorized_fetch") {
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" | "" => false,
                _ => bail!(
                    "{} must be true or false, got {v:?}",
                    key_name("authorized_fetch")
                ),
            },
            None => fc.authorized_fetch.unwrap_or(false),
        };
        instance.media = bonsai_service::MediaConfig::in_data_dir(&data_dir);
        if let Some(dir) = env("media_dir").map(PathBuf::from).or(fc.media_dir) {
            instance.media.dir = dir;
        }
        let size = |key: &str, file: Option<u64>, default: u64| -> Result<u64> {
            let v = parse_num(key, file.map(|v| v as i64), default as i64)?;
            // At least a byte; at most 4 GiB (the body is streamed to disk, never held).
            if !(1..=4 << 30).contains(&v) {
                bail!("{} must be between 1 and 4294967296 bytes", key_name(key));
            }
            Ok(v as u64)
        };
        instance.media.image_size_limit = size(
            "media_image_size_limit",
            fc.media_image_size_limit,
            instance.media.image_size_limit,
        )?;
        instance.media.video_size_limit = size(
            "media_video_size_limit",
            fc.media_video_size_limit,
            instance.media.video_size_limit,
        )?;
        let uploads = parse_num(
            "media_upload_concurrency",
            fc.media_upload_concurrency.map(|v| v as i64),
            instance.media.upload_concurrency as i64,
        )?;
        if !(1..=64).contains(&uploads) {
            bail!(
                "{} must be between 1 and 64",
                key_name("media_upload_concurrency")
            );
        }
        instance.media.upload_concurrency = uploads as usize;
        let tls = match (
            path_key("tls_cert", fc.tls_cert)?,
            path_key("tls_key", fc.tls_key)?,
        ) {
            (Some(cert), Some(key)) => {
                // Parsed here too, so that `config check` catches a bad certificate or key.
                crate::tls::server_config(&cert, &key)?;
                Some(TlsFiles { cert, key })
            }
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => bail!(
                "{} and {} must be given together",
                key_name("tls_cert"),
                key_name("tls_key")
            ),
        };
        let domains = |key: &str, file: Option<ListOrString>| -> Result<Vec<String>> {
            let list: Vec<String> = match env(key) {
                Some(v) => v.split(',').map(str::to_string).collect(),
                None => match file {
                    Some(ListOrString::List(items)) => items,
                    Some(ListOrString::String(v)) => v.split(',').map(str::to_string).collect(),
                    None => Vec::new(),
                },
            };
            let list: Vec<String> = list
                .iter()
                .map(|d| d.trim().trim_start_matches('.').to_lowercase())
                .filter(|d| !d.is_empty())
                .collect();
            if let Some(bad) = list
                .iter()
                .find(|d| d.contains(['/', ':', '@']) || d.contains(char::is_whitespace))
            {
                bail!("{} must be domain names, got {bad:?}", key_name(key));
            }
            Ok(list)
        };
        instance.blocked_domains =
            domains("federation_blocked_domains", fc.federation_blocked_domains)?;
        let allowed = domains("federation_allowed_domains", fc.federation_allowed_domains)?;
        instance.allowed_domains = (!allowed.is_empty()).then_some(allowed);
        instance.silenced_domains = domains(
            "federation_silenced_domains",
            fc.federation_silenced_domains,
        )?;
        instance.reject_media_domains = domains(
            "federation_reject_media_domains",
            fc.federation_reject_media_domains,
        )?;
        let allow = match env("federation_allow_addresses") {
            Some(v) => IpCidr::parse_list(&v),
            None => match fc.federation_allow_addresses {
                Some(ListOrString::List(items)) => items.iter().map(|i| i.parse()).collect(),
                Some(ListOrString::String(v)) => IpCidr::parse_list(&v),
                None => Ok(Vec::new()),
            },
        }
        .with_context(|| {
            format!(
                "{} must be address ranges such as 127.0.0.0/8, ::1/128",
                key_name("federation_allow_addresses")
            )
        })?;
        let hosts = match env("federation_hosts") {
            Some(v) => parse_hosts(host_pairs(&v)),
            None => match &fc.federation_hosts {
                Some(MapOrString::Map(m)) => {
                    parse_hosts(m.iter().map(|(h, a)| (h.as_str(), a.as_str())))
                }
                Some(MapOrString::String(v)) => parse_hosts(host_pairs(v)),
                None => Ok(HostOverrides::default()),
            },
        }
        .with_context(|| {
            format!(
                "{} must map host names to addresses, like a.test=127.0.0.2 or a.test=127.0.0.1:8443",
                key_name("federation_hosts")
            )
        })?;
        let extra_ca_file = path_key("extra_ca_file", fc.extra_ca_file)?;
        if let Some(path) = &extra_ca_file {
            bonsai_federation::client::read_pem_certs(path)
                .with_context(|| key_name("extra_ca_file"))?;
        }
        Ok(Config {
            listen,
            data_dir,
            database_url,
            database_max_connections: max_conn as u32,
            log: pick("log", fc.log, "info"),
            instance,
            tls,
            federation_allow_addresses: allow,
            federation_hosts: hosts,
            extra_ca_file,
        })
    }

    /// Settings for the one outbound HTTP client (`bonsai_federation::client::HttpClient`):
    /// https only unless `protocol` is http, User-Agent naming this instance.
    pub fn http_client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(user_agent(&self.instance.base_url()));
        c.allow_addresses = self.federation_allow_addresses.clone();
        c.hosts = self.federation_hosts.clone();
        c.extra_ca_file = self.extra_ca_file.clone();
        c.allow_http = self.instance.protocol == "http";
        c
    }
}

/// An optional file path that, when given, must be a readable file.
fn path_key(key: &str, file: Option<PathBuf>) -> Result<Option<PathBuf>> {
    let Some(path) = env(key).map(PathBuf::from).or(file) else {
        return Ok(None);
    };
    std::fs::read(&path)
        .with_context(|| format!("{}: cannot read {}", key_name(key), path.display()))?;
    Ok(Some(path))
}

/// `a.test=127.0.0.2, b.test=127.0.0.3` as pairs.
fn host_pairs(list: &str) -> impl Iterator<Item = (&str, &str)> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

fn parse_hosts<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<HostOverrides> {
    pairs
        .map(|(host, addr)| {
            let host = host.trim().to_ascii_lowercase();
            let target: HostTarget = addr
                .parse()
                .with_context(|| format!("{host:?}: {addr:?} is not an IP address[:port]"))?;
            if host.is_empty() || host.contains(['/', ':', ' ']) {
                bail!("{host:?} is not a host name");
            }
            Ok((host, target))
        })
        .collect()
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

# Terminate TLS in Bonsai itself (PEM files: certificate chain, private key); both or neither.
# Without them, put a TLS-terminating reverse proxy in front.
# tls_cert = "/etc/bonsai/fullchain.pem"
# tls_key = "/etc/bonsai/privkey.pem"
# A CA bundle the outbound client trusts besides the system store (SSL_CERT_FILE is honoured).
# extra_ca_file = "/etc/bonsai/private-ca.pem"
# Non-public address ranges the outbound client may reach anyway: for tests and private
# networks only. Loopback, private, link-local and similar addresses are refused otherwise.
# federation_allow_addresses = ["127.0.0.0/8", "::1/128"]
# Host names resolved without DNS by the outbound client (tests); a port replaces the URL's.
# federation_hosts = { "a.test" = "127.0.0.2", "b.test" = "127.0.0.3:8443" }
# Mastodon's authorized-fetch ("secure") mode: ActivityPub documents only for signed
# requests from servers this instance federates with.
# authorized_fetch = false
# Open streaming API connections (WebSocket and server-sent events) at most; more are refused
# with 503. Each costs a task and up to a few hundred KiB of buffers while a client lags.
streaming_max_connections = 1000
# Servers this instance does not talk to at all (subdomains included).
# federation_blocked_domains = ["spam.example"]
# Allow-list mode: when set, only these servers (and their subdomains) federate.
# federation_allowed_domains = ["friends.example"]
# Servers whose accounts are limited (Mastodon's "silence"): kept out of public timelines;
# their posts and notifications reach only local users who follow them.
# federation_silenced_domains = ["loud.example"]
# Servers whose media (avatars, headers, attachments) is neither stored nor shown.
# federation_reject_media_domains = ["pics.example"]

# Uploaded media: stored under media_dir (default: <data_dir>/media), served at /system/….
# Upload bodies are streamed to <data_dir>/uploads, never held in memory.
# media_dir = "/var/lib/bonsai/media"
# Largest upload, in bytes (Mastodon's defaults: 16 MB images, 99 MB video and audio).
# media_image_size_limit = 16777216
# media_video_size_limit = 103809024
# Uploads streamed in at once; more wait their turn.
# media_upload_concurrency = 4
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

    fn load(toml_text: &str) -> Result<Config> {
        Config::from_sources(toml::from_str(toml_text)?)
    }

    #[test]
    fn tls_and_federation_keys() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("bonsai-config-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let key_pair = rcgen::KeyPair::generate()?;
        let cert =
            rcgen::CertificateParams::new(vec!["a.test".to_string()])?.self_signed(&key_pair)?;
        let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert_file, cert.pem())?;
        std::fs::write(&key_file, key_pair.serialize_pem())?;
        let (p, k) = (cert_file.display(), key_file.display());

        let c = load("")?;
        assert!(c.tls.is_none() && c.federation_allow_addresses.is_empty());
        assert!(!c.http_client_config().allow_http);

        let c = load(&format!(
            "tls_cert = \"{p}\"\ntls_key = \"{k}\"\nextra_ca_file = \"{p}\"\n\
             protocol = \"http\"\ndomain = \"a.test\"\n\
             federation_allow_addresses = [\"127.0.0.0/8\", \"::1\"]\n\
             federation_hosts = {{ \"A.test\" = \"127.0.0.2\" }}\n"
        ))?;
        assert!(c.tls.is_some());
        assert_eq!(c.federation_allow_addresses.len(), 2);
        let client = c.http_client_config();
        assert!(client.allow_http);
        assert_eq!(client.hosts.get("a.test"), Some("127.0.0.2".parse()?));
        assert!(
            client.user_agent.ends_with("(+http://a.test/)"),
            "{}",
            client.user_agent
        );
        assert_eq!(client.extra_ca_file.as_deref(), Some(cert_file.as_path()));

        let c = load(
            "federation_allow_addresses = \"10.0.0.0/8, 127.0.0.1\"\n\
             federation_hosts = \"b.test=::1, c.test=127.0.0.1:8443\"",
        )?;
        assert_eq!(c.federation_allow_addresses.len(), 2);
        assert_eq!(c.federation_hosts.get("b.test"), Some("::1".parse()?));
        let c_test = c.federation_hosts.get("c.test");
        assert_eq!(c_test.and_then(|t| t.port), Some(8443));

        let err = |text: &str| {
            load(text)
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default()
        };
        assert!(err(&format!("tls_cert = \"{p}\"")).contains("BONSAI_TLS_KEY"));
        assert!(err(&format!("tls_key = \"{k}\"")).contains("BONSAI_TLS_CERT"));
        let missing = dir.join("missing.pem");
        let e = err(&format!(
            "tls_cert = \"{}\"\ntls_key = \"{k}\"",
            missing.display()
        ));
        assert!(
            e.contains("BONSAI_TLS_CERT") && e.contains("missing.pem"),
            "{e}"
        );
        // A certificate where the key should be, and a key where the CA bundle should be.
        let e = err(&format!("tls_cert = \"{p}\"\ntls_key = \"{p}\""));
        assert!(e.contains("BONSAI_TLS_KEY"), "{e}");
        let e = err(&format!("extra_ca_file = \"{}\"", missing.display()));
        assert!(e.contains("BONSAI_EXTRA_CA_FILE"), "{e}");
        let e = err(&format!("extra_ca_file = \"{k}\""));
        assert!(
            e.contains("BONSAI_EXTRA_CA_FILE") && e.contains("no certificate"),
            "{e}"
        );
        let e = err("federation_allow_addresses = [\"127.0.0.0/33\"]");
        assert!(e.contains("BONSAI_FEDERATION_ALLOW_ADDRESSES"), "{e}");
        let e = err("federation_hosts = \"a.test=nope\"");
        assert!(e.contains("BONSAI_FEDERATION_HOSTS"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn streaming_connection_cap_has_a_default_and_bounds() -> Result<()> {
        assert_eq!(load("")?.instance.streaming_max_connections, 1000);
        assert_eq!(
            load("streaming_max_connections = 5")?
                .instance
                .streaming_max_connections,
            5
        );
        let e = load("streaming_max_connections = 0")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("BONSAI_STREAMING_MAX_CONNECTIONS"), "{e}");
        Ok(())
    }

    #[test]
    fn media_settings_default_into_the_data_dir() -> Result<()> {
        let c = load("data_dir = \"/srv/b\"")?;
        assert_eq!(c.instance.media.dir, PathBuf::from("/srv/b/media"));
        assert_eq!(c.instance.media.upload_dir, PathBuf::from("/srv/b/uploads"));
        assert_eq!(c.instance.media.image_size_limit, 16 * 1024 * 1024);
        let c = load("media_dir = \"/m\"\nmedia_video_size_limit = 1000")?;
        assert_eq!(c.instance.media.dir, PathBuf::from("/m"));
        assert_eq!(c.instance.media.video_size_limit, 1000);
        assert!(load("media_image_size_limit = 0").is_err());
        Ok(())
    }

    #[test]
    fn authorized_fetch_is_off_unless_asked_for() -> Result<()> {
        assert!(!load("")?.instance.authorized_fetch);
        assert!(load("authorized_fetch = true")?.instance.authorized_fetch);
        assert!(load("authorized_fetch = \"yes\"").is_err());
        Ok(())
    }

    #[test]
    fn silenced_and_reject_media_domains() -> Result<()> {
        let c = load(
            "federation_silenced_domains = [\"Loud.example\", \".quiet.example\"]\n\
             federation_reject_media_domains = \"pics.example, cdn.example\"",
        )?;
        assert_eq!(
            c.instance.silenced_domains,
            vec!["loud.example".to_string(), "quiet.example".to_string()]
        );
        assert!(c.instance.silences("a.loud.example"));
        assert!(c.instance.rejects_media_from("cdn.example:8443"));
        let e = load("federation_silenced_domains = [\"https://x.example/\"]")
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(e.contains("BONSAI_FEDERATION_SILENCED_DOMAINS"), "{e}");
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
