//! Storage keys: Paperclip-style paths with an unguessable file name.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use super::StoreError;

/// Longest key accepted; real keys are under 100 bytes.
const MAX_KEY_LEN: usize = 512;

/// `media_attachments/files/110/123/456/{style}/{16 hex}.{ext}`: the id's digits are split in
/// groups of three (left-padded to a multiple of three, as Paperclip's `id_partition` does for
/// Mastodon's snowflake ids) so no directory grows huge, and a random token makes URLs
/// unguessable.
pub fn media_key(id: i64, style: &str, ext: &str) -> String {
    let digits = id.unsigned_abs().to_string();
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{digits}", "0".repeat(pad));
    let partition: Vec<&str> = padded
        .as_bytes()
        .chunks(3)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "media_attachments/files/{}/{}/{}.{}",
        partition.join("/"),
        clean_segment(style),
        random_hex(),
        clean_segment(ext)
    )
}

/// Style and extension come from our own code, but keep them from ever forming a path.
fn clean_segment(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if cleaned.is_empty() {
        "x".to_owned()
    } else {
        cleaned
    }
}

/// 64 random bits as 16 hex digits, like Mastodon's file names.
pub(crate) fn random_hex() -> String {
    let mut buf = [0u8; 8];
    if SystemRandom::new().fill(&mut buf).is_err() {
        // The system RNG failing is not something we can recover from meaningfully, but a
        // key must still be produced: fall back to the clock mixed through SHA-256.
        tracing::error!("system random number generator failed; using a time-derived token");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &nanos.to_le_bytes());
        buf.copy_from_slice(&d.as_ref()[..8]);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A key must be a relative path of plain segments: no `..`, `.`, empty segments, absolute
/// paths, backslashes or characters outside `[A-Za-z0-9._-]`.
pub(crate) fn validate_key(key: &str) -> Result<(), StoreError> {
    let bad = |why: &str| Err(StoreError::InvalidKey(format!("{why}: {key:?}")));
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return bad("empty or too long");
    }
    for segment in key.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return bad("bad path segment");
        }
        if segment.starts_with('.') {
            // Hidden names are reserved for our own temporary files.
            return bad("hidden segment");
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return bad("bad character");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_partition_ids_like_paperclip() {
        let k = media_key(110_123_456, "original", "jpg");
        let (dir, file) = k.rsplit_once('/').expect("has a file name");
        assert_eq!(dir, "media_attachments/files/110/123/456/original");
        let (token, ext) = file.split_once('.').expect("has an extension");
        assert_eq!(ext, "jpg");
        assert_eq!(token.len(), 16);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(validate_key(&k).is_ok());

        let k = media_key(1234, "small", "png");
        assert!(
            k.starts_with("media_attachments/files/001/234/small/"),
            "{k}"
        );
        // Two calls never share a token.
        assert_ne!(media_key(1, "small", "jpg"), media_key(1, "small", "jpg"));
    }

    #[test]
    fn hostile_styles_cannot_escape() {
        let k = media_key(1, "../../etc", "/passwd");
        assert!(validate_key(&k).is_ok(), "{k}");
        assert!(!k.contains(".."));
    }

    #[test]
    fn key_validation() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/./b",
            "a\\b",
            "a/.hidden",
            "a/b c",
            "a/b\0",
            "é",
            "a/",
        ] {
            assert!(validate_key(bad).is_err(), "{bad:?} accepted");
        }
        assert!(validate_key(&"a".repeat(600)).is_err());
        assert!(validate_key("media_attachments/files/001/original/ab.jpg").is_ok());
    }
}
