//! Recognising a file's real type from its first bytes. The client's content type and file
//! name are never trusted: a PNG is a PNG because it starts like one.

use std::io::Read;
use std::path::Path;

use crate::MediaError;

/// Bytes read to recognise a type; every signature we know fits in this.
pub(crate) const SNIFF_LEN: usize = 64;

/// What the first bytes say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Jpeg,
    Png,
    Gif,
    WebP,
    /// Anything ffmpeg should look at, container known to carry video (MP4/MOV, WebM/Matroska).
    Video,
    /// Audio containers (MP3, Ogg, FLAC, WAV, M4A, AAC). Ogg may hold Theora video: ffprobe
    /// decides the final kind.
    Audio,
}

pub(crate) fn sniff_file(path: &Path) -> Result<Sniffed, MediaError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    std::fs::File::open(path)?
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    sniff_bytes(&head)
}

pub(crate) fn sniff_bytes(b: &[u8]) -> Result<Sniffed, MediaError> {
    if b.is_empty() {
        return Err(MediaError::Invalid("empty file".into()));
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Sniffed::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Sniffed::Png);
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Ok(Sniffed::Gif);
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" {
        return match &b[8..12] {
            b"WEBP" => Ok(Sniffed::WebP),
            b"WAVE" => Ok(Sniffed::Audio),
            b"AVI " => Err(MediaError::Unsupported("video/x-msvideo".into())),
            _ => Err(MediaError::Unsupported("application/octet-stream".into())),
        };
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return sniff_iso_bmff(&b[8..12]);
    }
    if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(Sniffed::Video); // EBML: WebM / Matroska
    }
    if b.starts_with(b"OggS") || b.starts_with(b"fLaC") || b.starts_with(b"ID3") {
        return Ok(Sniffed::Audio);
    }
    // MPEG audio frame sync (MP3) or ADTS (AAC): 11 set bits.
    if b.len() >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 {
        return Ok(Sniffed::Audio);
    }
    if b.starts_with(b"BM") {
        return Err(MediaError::Unsupported("image/bmp".into()));
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return Err(MediaError::Unsupported("image/tiff".into()));
    }
    Err(MediaError::Unsupported(
        if looks_like_text(b) {
            "text/plain"
        } else {
            "application/octet-stream"
        }
        .into(),
    ))
}

/// ISO base media files (MP4, MOV, M4A, HEIF, AVIF) name their flavour in the `ftyp` brand.
fn sniff_iso_bmff(brand: &[u8]) -> Result<Sniffed, MediaError> {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
            Err(MediaError::Unsupported("image/heic".into()))
        }
        b"avif" | b"avis" => Err(MediaError::Unsupported("image/avif".into())),
        b"M4A " | b"M4B " | b"M4P " => Ok(Sniffed::Audio),
        _ => Ok(Sniffed::Video),
    }
}

fn looks_like_text(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok() || b.iter().all(|c| c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(
            sniff_bytes(b"\xFF\xD8\xFF\xE0rest").ok(),
            Some(Sniffed::Jpeg)
        );
        assert_eq!(
            sniff_bytes(b"\x89PNG\r\n\x1a\nIHDR").ok(),
            Some(Sniffed::Png)
        );
        assert_eq!(sniff_bytes(b"GIF89a....").ok(), Some(Sniffed::Gif));
        assert_eq!(
            sniff_bytes(b"RIFF\0\0\0\0WEBPVP8 ").ok(),
            Some(Sniffed::WebP)
        );
        assert_eq!(
            sniff_bytes(b"RIFF\0\0\0\0WAVEfmt ").ok(),
            Some(Sniffed::Audio)
        );
        assert_eq!(
            sniff_bytes(b"\0\0\0\x20ftypisom").ok(),
            Some(Sniffed::Video)
        );
        assert_eq!(
            sniff_bytes(b"\0\0\0\x20ftypqt  ").ok(),
            Some(Sniffed::Video)
        );
        assert_eq!(
            sniff_bytes(b"\0\0\0\x20ftypM4A ").ok(),
            Some(Sniffed::Audio)
        );
        assert_eq!(sniff_bytes(b"\x1A\x45\xDF\xA3").ok(), Some(Sniffed::Video));
        assert_eq!(sniff_bytes(b"ID3\x04").ok(), Some(Sniffed::Audio));
        assert_eq!(sniff_bytes(b"OggS\0").ok(), Some(Sniffed::Audio));
    }

    #[test]
    fn refusals_name_the_type() {
        for (bytes, name) in [
            (&b"\0\0\0\x18ftypheic"[..], "image/heic"),
            (&b"\0\0\0\x18ftypavif"[..], "image/avif"),
            (&b"hello, I am text"[..], "text/plain"),
            (&b"BM\0\0"[..], "image/bmp"),
        ] {
            match sniff_bytes(bytes) {
                Err(MediaError::Unsupported(t)) => assert_eq!(t, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(matches!(sniff_bytes(b""), Err(MediaError::Invalid(_))));
    }
}
