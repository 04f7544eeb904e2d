//! Telling an animated GIF from a still one by walking its blocks, without decoding pixels.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// True when the GIF holds more than one frame. Reads block headers only (skipping the LZW
/// data), so it is cheap even for big files. A malformed file counts as still: the decoder
/// that runs next reports the real error.
pub(crate) fn is_animated(path: &Path) -> std::io::Result<bool> {
    let mut r = BufReader::new(std::fs::File::open(path)?);
    let mut header = [0u8; 13];
    if r.read_exact(&mut header).is_err() {
        return Ok(false);
    }
    let packed = header[10];
    if packed & 0x80 != 0 {
        skip(&mut r, color_table_len(packed))?;
    }
    let mut frames = 0u32;
    loop {
        let mut b = [0u8; 1];
        if r.read_exact(&mut b).is_err() {
            return Ok(false);
        }
        match b[0] {
            0x21 => {
                // Extension: label, then data sub-blocks.
                if r.read_exact(&mut b).is_err() {
                    return Ok(false);
                }
                skip_sub_blocks(&mut r)?;
            }
            0x2C => {
                frames += 1;
                if frames > 1 {
                    return Ok(true);
                }
                let mut desc = [0u8; 9];
                if r.read_exact(&mut desc).is_err() {
                    return Ok(false);
                }
                if desc[8] & 0x80 != 0 {
                    skip(&mut r, color_table_len(desc[8]))?;
                }
                skip(&mut r, 1)?; // LZW minimum code size
                skip_sub_blocks(&mut r)?;
            }
            _ => return Ok(false), // trailer (0x3B) or garbage
        }
    }
}

fn color_table_len(packed: u8) -> u64 {
    3 * (1u64 << ((packed & 0x07) + 1))
}

fn skip<R: BufRead>(r: &mut R, n: u64) -> std::io::Result<()> {
    std::io::copy(&mut r.take(n), &mut std::io::sink())?;
    Ok(())
}

fn skip_sub_blocks<R: BufRead>(r: &mut R) -> std::io::Result<()> {
    loop {
        let mut len = [0u8; 1];
        if r.read_exact(&mut len).is_err() || len[0] == 0 {
            return Ok(());
        }
        skip(r, u64::from(len[0]))?;
    }
}
