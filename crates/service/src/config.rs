//! What the use-cases need to know about this instance. Loaded and validated by the binary.

use std::str::FromStr;

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
        }
    }

    /// `https://example.com` — no trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.protocol, self.domain)
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
