//! What the use-cases need to know about this instance. Loaded and validated by the binary.

use std::path::PathBuf;
use std::str::FromStr;

/// Local media uploads: where files go and how big they may be.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Root of the filesystem media store (served at `/system/…`).
    pub dir: PathBuf,
    /// Where upload bodies are streamed and processed (never served).
    pub upload_dir: PathBuf,
    /// Mastodon's defaults: 16 MB for images, 99 MB for video and audio.
    pub image_size_limit: u64,
    pub video_size_limit: u64,
    /// Uploads streamed in at once; more wait (bounded) for a turn.
    pub upload_concurrency: usize,
    /// Processing bounds (pixels, durations, ffmpeg time and memory, concurrency).
    pub limits: bonsai_media::Limits,
}

impl MediaConfig {
    /// Everything below `data_dir`.
    pub fn in_data_dir(data_dir: &std::path::Path) -> Self {
        Self {
            dir: data_dir.join("media"),
            upload_dir: data_dir.join("uploads"),
            image_size_limit: 16 * 1024 * 1024,
            video_size_limit: 99 * 1024 * 1024,
            upload_concurrency: 4,
            limits: bonsai_media::Limits::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrations {
    Closed,
    Approval,
    Open,
}

impl FromStr for Registrations {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "closed" => Ok(Self::Closed),
            "approval" => Ok(Self::Approval),
            "open" => Ok(Self::Open),
            other => Err(format!(
                "unknown registrations mode {other:?}: use closed, approval or open"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct InstanceConfig {
    /// Public host name (with port when not the default), e.g. `social.example` or `127.0.0.1:8080`.
    pub domain: String,
    /// `https` in production, `http` for local and test instances.
    pub protocol: String,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub registrations: Registrations,
    pub max_toot_chars: usize,
    /// 0 = tokens never expire (Mastodon's behaviour).
    pub access_token_lifetime_secs: i64,
    /// Argon2 needs ~19 MiB per hash in flight; this bounds how many run at once.
    pub password_hash_concurrency: usize,
    /// Servers we refuse to federate with (a domain covers its subdomains).
    pub blocked_domains: Vec<String>,
    /// Allow-list mode: only these servers federate.
    pub allowed_domains: Option<Vec<String>>,
    /// Servers whose accounts are limited (Mastodon's "silence"): kept out of public
    /// timelines, their posts reach only local followers, and notifications from them reach
    /// only local users who follow them. A domain covers its subdomains.
    pub silenced_domains: Vec<String>,
    /// Servers whose media (avatars, headers, attachments) is neither fetched nor shown.
    pub reject_media_domains: Vec<String>,
    /// Mastodon's authorized-fetch ("secure") mode: our ActivityPub documents are served only
    /// to requests signed by a server we federate with (the instance actor excepted).
    pub authorized_fetch: bool,
    /// Open streaming connections (WebSocket and SSE) at most; more are refused with 503.
    pub streaming_max_connections: usize,
    pub media: MediaConfig,
}

/// `host` of `host` or `host:port`, lower case.
fn host_of(authority: &str) -> String {
    authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(h, _)| h)
        .to_lowercase()
}

/// Does one of `domains` cover `authority` (the same host or a subdomain)?
fn covered_by(domains: &[String], authority: &str) -> bool {
    let host = host_of(authority);
    domains
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

impl InstanceConfig {
    pub fn for_domain(domain: impl Into<String>, protocol: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            protocol: protocol.into(),
            title: "Bonsai".into(),
            description: "A small, quiet corner of the fediverse.".into(),
            contact_email: String::new(),
            registrations: Registrations::Closed,
            max_toot_chars: 500,
            access_token_lifetime_secs: 0,
            password_hash_concurrency: 2,
            blocked_domains: Vec::new(),
            allowed_domains: None,
            silenced_domains: Vec::new(),
            reject_media_domains: Vec::new(),
            authorized_fetch: false,
            streaming_max_connections: 1000,
            media: MediaConfig::in_data_dir(std::path::Path::new("./data")),
        }
    }

    /// `https://example.com` — no trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.protocol, self.domain)
    }

    /// May we federate with the server at `authority` (`host` or `host:port`)?
    pub fn federates_with(&self, authority: &str) -> bool {
        if covered_by(&self.blocked_domains, authority) {
            return false;
        }
        self.allowed_domains
            .as_ref()
            .is_none_or(|allowed| covered_by(allowed, authority))
    }

    /// Are accounts of the server at `authority` silenced (limited)?
    pub fn silences(&self, authority: &str) -> bool {
        covered_by(&self.silenced_domains, authority)
    }

    /// Is media from the server at `authority` rejected (not fetched, stored or shown)?
    pub fn rejects_media_from(&self, authority: &str) -> bool {
        covered_by(&self.reject_media_domains, authority)
    }

    pub fn streaming_url(&self) -> String {
        let scheme = if self.protocol == "https" {
            "wss"
        } else {
            "ws"
        };
        format!("{scheme}://{}", self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_subdomains_and_allow_lists_restrict() {
        let mut c = InstanceConfig::for_domain("me.example", "https");
        c.blocked_domains = vec!["bad.example".into()];
        assert!(!c.federates_with("bad.example"));
        assert!(!c.federates_with("x.BAD.example:8443"));
        assert!(c.federates_with("notbad.example"));
        c.allowed_domains = Some(vec!["friends.example".into()]);
        assert!(c.federates_with("a.friends.example"));
        assert!(!c.federates_with("other.example"));
    }

    #[test]
    fn silence_and_reject_media_cover_subdomains() {
        let mut c = InstanceConfig::for_domain("me.example", "https");
        c.silenced_domains = vec!["loud.example".into()];
        c.reject_media_domains = vec!["pics.example".into()];
        assert!(c.silences("loud.example"));
        assert!(c.silences("a.LOUD.example:8443"));
        assert!(!c.silences("notloud.example"));
        assert!(c.federates_with("loud.example"), "silenced still federates");
        assert!(c.rejects_media_from("cdn.pics.example"));
        assert!(!c.rejects_media_from("loud.example"));
    }
}
