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
    /// Servers we refuse to federate with (a domain covers its subdomains).
    pub blocked_domains: Vec<String>,
    /// Allow-list mode: only these servers federate.
    pub allowed_domains: Option<Vec<String>>,
    /// Mastodon's authorized-fetch ("secure") mode: our ActivityPub documents are served only
    /// to requests signed by a server we federate with (the instance actor excepted).
    pub authorized_fetch: bool,
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
            authorized_fetch: false,
        }
    }

    /// `https://example.com` — no trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.protocol, self.domain)
    }

    /// May we federate with the server at `authority` (`host` or `host:port`)?
    pub fn federates_with(&self, authority: &str) -> bool {
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(authority, |(h, _)| h)
            .to_lowercase();
        let covers = |d: &String| host == *d || host.ends_with(&format!(".{d}"));
        if self.blocked_domains.iter().any(covers) {
            return false;
        }
        self.allowed_domains
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(covers))
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
}
