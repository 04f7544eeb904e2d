//! Image dimensions straight from the file header, before any decoder runs. Decoders read
//! more than the header before they look at limits (the PNG decoder reads up to the first
//! IDAT), so the cheap check is ours.

use std::io::{BufReader, Read};
use std::path::Path;

use image::ImageFormat;

use crate::MediaError;

fn truncated() -> MediaError {
    MediaError::Invalid("truncated image header".into())
}

pub(crate) fn dimensions(path: &Path, format: ImageFormat) -> Result<(u32, u32), MediaError> {
    let mut r = BufReader::new(std::fs::File::open(path)?);
    let mut head = [0u8; 30];
    let n = read_up_to(&mut r, &mut head)?;
    let head = &head[..n];
    let be16 = |b: &[u8], at: usize| {
        b.get(at..at + 2)
            .map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])))
    };
    let le16 = |b: &[u8], at: usize| {
        b.get(at..at + 2)
            .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
    };
    let le24 = |b: &[u8], at: usize| {
        b.get(at..at + 3)
            .map(|s| u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
    };
    let dims = match format {
        ImageFormat::Png => {
            // Signature (8), IHDR length (4) and type (4), then width and height.
            if head.get(12..16) != Some(b"IHDR") {
                return Err(MediaError::Invalid("PNG without IHDR".into()));
            }
            let be32 = |at: usize| {
                head.get(at..at + 4)
                    .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
            };
            be32(16).zip(be32(20))
        }
        ImageFormat::Gif => le16(head, 6).zip(le16(head, 8)),
        ImageFormat::WebP => match head.get(12..16) {
            Some(b"VP8 ") => {
                if head.get(23..26) != Some(&[0x9d, 0x01, 0x2a]) {
                    return Err(MediaError::Invalid("bad VP8 start code".into()));
                }
                le16(head, 26)
                    .zip(le16(head, 28))
                    .map(|(w, h)| (w & 0x3fff, h & 0x3fff))
            }
            Some(b"VP8L") => head.get(21..25).map(|b| {
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                ((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
            }),
            Some(b"VP8X") => le24(head, 24)
                .zip(le24(head, 27))
                .map(|(w, h)| (w + 1, h + 1)),
            _ => return Err(MediaError::Invalid("unknown WebP chunk".into())),
        },
        ImageFormat::Jpeg => return jpeg_dimensions(head, &mut r, be16),
        _ => return Err(MediaError::Unsupported(format!("{format:?}"))),
    };
    dims.ok_or_else(truncated)
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Walks the JPEG markers to the first SOFn frame header.
fn jpeg_dimensions<R: Read>(
    head: &[u8],
    rest: &mut R,
    be16: impl Fn(&[u8], usize) -> Option<u32>,
) -> Result<(u32, u32), MediaError> {
    let mut stream = head.chain(rest);
    let mut byte = || -> Result<u8, MediaError> {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).map_err(|_| truncated())?;
        Ok(b[0])
    };
    if byte()? != 0xFF || byte()? != 0xD8 {
        return Err(MediaError::Invalid("not a JPEG".into()));
    }
    loop {
        if byte()? != 0xFF {
            return Err(MediaError::Invalid("corrupt JPEG marker".into()));
        }
        let mut marker = byte()?;
        while marker == 0xFF {
            marker = byte()?; // fill bytes
        }
        match marker {
            0xD0..=0xD9 | 0x01 => continue, // no length
            _ => {}
        }
        let len = (u32::from(byte()?) << 8 | u32::from(byte()?)).saturating_sub(2);
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let mut sof = [0u8; 5];
            for b in sof.iter_mut() {
                *b = byte()?;
            }
            let (h, w) = be16(&sof, 1).zip(be16(&sof, 3)).ok_or_else(truncated)?;
            return Ok((w, h));
        }
        for _ in 0..len {
            byte()?;
        }
    }
}
