//! Host overrides: names the client reaches without DNS, as `/etc/hosts` would, optionally
//! on another port. Test instances use them to federate under names such as `a.test` while
//! listening on loopback ports, so their domains carry no `:port` (mentions cannot).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

/// Where an overridden name is reached: an address, and a port that replaces the URL's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostTarget {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl From<IpAddr> for HostTarget {
    fn from(ip: IpAddr) -> Self {
        Self { ip, port: None }
    }
}

impl From<SocketAddr> for HostTarget {
    fn from(a: SocketAddr) -> Self {
        Self {
            ip: a.ip(),
            port: Some(a.port()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an IP address or address:port")]
pub struct HostTargetParseError(String);

impl FromStr for HostTarget {
    type Err = HostTargetParseError;

    /// `127.0.0.2`, `::1`, `127.0.0.1:8443` or `[::1]:8443`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(ip.into());
        }
        s.parse::<SocketAddr>()
            .map(Into::into)
            .map_err(|_| HostTargetParseError(s.to_string()))
    }
}

impl fmt::Display for HostTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
        }
    }
}

/// Host name (any case) -> target. Clones share one table, so instances started one after
/// another in one test process can all learn each other's names.
#[derive(Debug, Clone, Default)]
pub struct HostOverrides(Arc<RwLock<HashMap<String, HostTarget>>>);

impl HostOverrides {
    pub fn insert(&self, host: &str, target: impl Into<HostTarget>) {
        if let Ok(mut map) = self.0.write() {
            map.insert(host.to_ascii_lowercase(), target.into());
        }
    }

    pub fn get(&self, host: &str) -> Option<HostTarget> {
        self.0
            .read()
            .ok()
            .and_then(|m| m.get(&host.to_ascii_lowercase()).copied())
    }

    pub fn len(&self) -> usize {
        self.0.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<H: AsRef<str>, T: Into<HostTarget>> FromIterator<(H, T)> for HostOverrides {
    fn from_iter<I: IntoIterator<Item = (H, T)>>(iter: I) -> Self {
        let hosts = Self::default();
        for (h, t) in iter {
            hosts.insert(h.as_ref(), t);
        }
        hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_port() {
        let t: HostTarget = "127.0.0.2".parse().expect("ip");
        assert_eq!((t.ip.to_string(), t.port), ("127.0.0.2".into(), None));
        let t: HostTarget = "[::1]:8443".parse().expect("v6");
        assert_eq!((t.ip.to_string(), t.port), ("::1".into(), Some(8443)));
        assert_eq!(
            "127.0.0.1:9".parse::<HostTarget>().expect("v4").to_string(),
            "127.0.0.1:9"
        );
        assert!("nope".parse::<HostTarget>().is_err());
        assert!("127.0.0.1:99999".parse::<HostTarget>().is_err());
    }

    #[test]
    fn clones_share_the_table_and_names_ignore_case() {
        let a = HostOverrides::default();
        let b = a.clone();
        a.insert("A.Test", "127.0.0.1:80".parse::<HostTarget>().expect("t"));
        assert_eq!(b.get("a.TEST").and_then(|t| t.port), Some(80));
        assert!(b.get("b.test").is_none());
    }
}
