//! Timestamps on the wire stay strings (`published`, `updated`, `endTime`…): servers disagree on
//! their exact form, and a bad date should not make a whole post unreadable. These helpers read
//! them leniently and write them the way Mastodon does.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Parses RFC 3339, plus the `+0000` offset without a colon that Pixelfed and others emit.
pub fn parse_datetime(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    // "2023-10-30T12:44:35+0000" -> "2023-10-30T12:44:35+00:00"
    let bytes = s.as_bytes();
    let n = bytes.len();
    if n > 5 && matches!(bytes[n - 5], b'+' | b'-') && bytes[n - 4..].iter().all(u8::is_ascii_digit)
    {
        let fixed = format!("{}:{}", &s[..n - 2], &s[n - 2..]);
        return OffsetDateTime::parse(&fixed, &Rfc3339).ok();
    }
    // A date-time without any offset is read as UTC.
    if !s.is_empty() && bytes[n - 1].is_ascii_digit() && s.contains('T') {
        return OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok();
    }
    None
}

/// Formats as Mastodon does: UTC, whole seconds, `Z` (`2016-03-16T00:00:00Z`).
pub fn format_datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_servers_send() {
        for s in [
            "2016-03-16T00:00:00Z",
            "2021-10-20T12:40:37+02:00",
            "2023-10-30T12:44:35+0000",
            "2018-02-12T14:08:20.000000Z",
            "2024-01-10T07:13:25",
        ] {
            assert!(parse_datetime(s).is_some(), "{s}");
        }
        assert!(parse_datetime("yesterday").is_none());
        assert!(parse_datetime("").is_none());
    }

    #[test]
    fn writes_whole_seconds_in_utc() {
        let t = parse_datetime("2021-10-20T12:40:37.123+02:00").expect("RFC 3339");
        assert_eq!(format_datetime(t), "2021-10-20T10:40:37Z");
    }
}
