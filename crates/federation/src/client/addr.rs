//! Which addresses the outbound client may connect to.
//!
//! Everything that is not plainly public unicast is refused: loopback, RFC 1918, CGNAT,
//! link-local, unique-local, multicast, broadcast, documentation and benchmark ranges, and the
//! IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the
//! address they carry. An allow-list of CIDRs (for tests: `127.0.0.0/8`) overrides the refusal.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address range such as `127.0.0.0/8` or `::1/128`; a bare address means just itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpCidr {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an address range like 127.0.0.0/8 or ::1/128: {0:?}")]
pub struct CidrParseError(pub String);

impl IpCidr {
    /// The range `addr/prefix`; host bits of `addr` are cleared.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return None;
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(prefix))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(prefix))),
        };
        Some(Self { addr, prefix })
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }

    /// Parses a comma-separated list, ignoring blanks: `127.0.0.0/8, ::1`.
    pub fn parse_list(list: &str) -> Result<Vec<Self>, CidrParseError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

impl FromStr for IpCidr {
    type Err = CidrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CidrParseError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => {
                let addr: IpAddr = a.trim().parse().map_err(|_| err())?;
                let p = p.trim();
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                (addr, p.parse::<u8>().map_err(|_| err())?)
            }
            None => {
                let addr: IpAddr = s.trim().parse().map_err(|_| err())?;
                (addr, if addr.is_ipv4() { 32 } else { 128 })
            }
        };
        Self::new(addr, prefix).ok_or_else(err)
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// True when `ip` is not public unicast: see the module documentation.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    const RANGES: &[(u32, u8)] = &[
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network", includes unspecified
        (0x0A00_0000, 8),  // 10.0.0.0/8 private
        (0x6440_0000, 10), // 100.64.0.0/10 carrier-grade NAT
        (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
        (0xA9FE_0000, 16), // 169.254.0.0/16 link-local (cloud metadata lives here)
        (0xAC10_0000, 12), // 172.16.0.0/12 private
        (0xC000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xC000_0200, 24), // 192.0.2.0/24 TEST-NET-1
        (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay anycast
        (0xC0A8_0000, 16), // 192.168.0.0/16 private
        (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
        (0xC633_6400, 24), // 198.51.100.0/24 TEST-NET-2
        (0xCB00_7100, 24), // 203.0.113.0/24 TEST-NET-3
        (0xE000_0000, 4),  // 224.0.0.0/4 multicast
        (0xF000_0000, 4),  // 240.0.0.0/4 reserved, includes 255.255.255.255 broadcast
    ];
    let ip = u32::from(ip);
    RANGES
        .iter()
        .any(|&(net, prefix)| ip & mask32(prefix) == net)
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let in_range = |net: u128, prefix: u8| bits & mask128(prefix) == net;
    let embedded_v4 = || Ipv4Addr::from((bits & 0xFFFF_FFFF) as u32);
    // ::ffff:0:0/96 IPv4-mapped and 64:ff9b::/96 NAT64 reach the IPv4 address they carry.
    if in_range(0xFFFF_0000_0000, 96) || in_range(0x0064_FF9B << 96, 96) {
        return is_forbidden_v4(embedded_v4());
    }
    // 2002::/16 6to4 carries its IPv4 address in bits 16..48.
    if in_range(0x2002 << 112, 16) {
        return is_forbidden_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    // Global unicast is 2000::/3; everything else (::, ::1, IPv4-compatible ::/96, fc00::/7
    // unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast,
    // 64:ff9b:1::/48 local NAT64, 100::/64 discard) is refused outright.
    if !in_range(0x2 << 124, 3) {
        return true;
    }
    const RANGES: &[(u128, u8)] = &[
        (0x2001_0000 << 96, 23), // IETF protocol assignments: Teredo, benchmarking, ORCHID
        (0x2001_0DB8 << 96, 32), // documentation
        (0x3FFF << 112, 20),     // documentation (RFC 9637)
    ];
    RANGES.iter().any(|&(net, prefix)| in_range(net, prefix))
}

/// Which addresses a client may reach: public unicast, plus the allow-list.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<IpCidr>,
}

impl AddressPolicy {
    pub fn new(allow: Vec<IpCidr>) -> Self {
        Self { allow }
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped address is matched against IPv4 ranges too, so that `127.0.0.0/8`
        // also allows `::ffff:127.0.0.1`.
        let canonical = ip.to_canonical();
        if self
            .allow
            .iter()
            .any(|c| c.contains(ip) || c.contains(canonical))
        {
            return true;
        }
        !is_forbidden(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("bad test address {s}"))
    }

    #[test]
    fn forbidden_addresses() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "100::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001::1",
            "2001:2::1",
            "2001:10::1",
            "2001:db8::1",
            "3fff::1",
            "4000::1",
        ] {
            assert!(is_forbidden(ip(s)), "{s} should be refused");
            assert!(!AddressPolicy::default().permits(ip(s)), "{s}");
        }
    }

    #[test]
    fn public_addresses() {
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.3.1",
            "192.167.1.1",
            "192.169.1.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a01:4f8::1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!is_forbidden(ip(s)), "{s} should be allowed");
        }
    }

    #[test]
    fn allow_list_overrides() {
        let policy = AddressPolicy::new(IpCidr::parse_list("127.0.0.0/8, ::1").unwrap_or_default());
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("127.0.0.2")));
        assert!(policy.permits(ip("::1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(!policy.permits(ip("10.0.0.1")));
        assert!(!policy.permits(ip("::2")));
        assert!(!policy.permits(ip("169.254.169.254")));
    }

    #[test]
    fn cidr_parsing() {
        let c: IpCidr = "10.1.2.3/8".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert!(c.contains(ip("10.200.0.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(!c.contains(ip("::ffff:10.0.0.1")));
        let all: IpCidr = "0.0.0.0/0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(all.contains(ip("8.8.8.8")));
        let one: IpCidr = "::1".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.prefix(), 128);
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0/8",
            "x",
            "10.0.0.0/+8",
        ] {
            assert!(bad.parse::<IpCidr>().is_err(), "{bad:?}");
        }
        assert_eq!(IpCidr::parse_list(" , ").map(|v| v.len()), Ok(0));
        assert!(IpCidr::parse_list("127.0.0.0/8,nope").is_err());
    }
}
