//! Still image processing: header check, bounded decode, orientation, resize, re-encode
//! (which drops all metadata), "small" preview and blurhash.

mod blurhash;
mod gif_frames;
mod header;
mod resize;
mod small;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

pub(crate) use gif_frames::is_animated;
pub(crate) use small::{make_small, Small};

use crate::{FileMeta, Limits, MediaError, MediaKind, Processed};

/// Mastodon re-encodes with `-quality 90`.
pub(crate) const JPEG_QUALITY: u8 = 90;

/// Output format of a processed original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutFormat {
    Jpeg,
    Png,
    WebP,
}

impl OutFormat {
    fn content_type(self) -> &'static str {
        match self {
            OutFormat::Jpeg => "image/jpeg",
            OutFormat::Png => "image/png",
            OutFormat::WebP => "image/webp",
        }
    }
    fn extension(self) -> &'static str {
        match self {
            OutFormat::Jpeg => "jpg",
            OutFormat::Png => "png",
            OutFormat::WebP => "webp",
        }
    }
}

/// JPEG stays JPEG; PNG stays PNG; WebP stays WebP (the `image` crate encodes it losslessly);
/// a still GIF becomes PNG (lossless, and no palette quantiser to run).
pub(crate) fn output_format(input: ImageFormat) -> OutFormat {
    match input {
        ImageFormat::Jpeg => OutFormat::Jpeg,
        ImageFormat::WebP => OutFormat::WebP,
        _ => OutFormat::Png,
    }
}

/// Decodes `input` (of format `format`) under `limits`: the dimensions come from the header
/// and are checked before a single pixel is decoded; the decoder itself runs under
/// `image::Limits` so a lying header cannot make it allocate more. EXIF orientation is applied.
/// Blocking: run it in `spawn_blocking`.
pub(crate) fn decode(
    input: &Path,
    format: ImageFormat,
    limits: &Limits,
) -> Result<DynamicImage, MediaError> {
    let (w, h) = header::dimensions(input, format)?;
    check_dimensions(w, h, limits)?;
    let mut reader = ImageReader::with_format(BufReader::new(File::open(input)?), format);
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_image_side);
    decode_limits.max_image_height = Some(limits.max_image_side);
    decode_limits.max_alloc = Some(limits.max_decode_alloc);
    reader.limits(decode_limits);
    // The decoder's own view of the size must agree with the header we checked.
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (dw, dh) = decoder.dimensions();
    check_dimensions(dw, dh, limits)?;
    // A broken EXIF block is no reason to refuse the picture: it is dropped anyway.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    img.apply_orientation(orientation);
    Ok(img)
}

pub(crate) fn check_dimensions(w: u32, h: u32, limits: &Limits) -> Result<(), MediaError> {
    if w == 0 || h == 0 {
        return Err(MediaError::Invalid("image has no pixels".into()));
    }
    if w > limits.max_image_side || h > limits.max_image_side {
        return Err(MediaError::TooLarge(format!(
            "{w}x{h} exceeds {0}x{0}",
            limits.max_image_side
        )));
    }
    if u64::from(w) * u64::from(h) > limits.max_image_pixels {
        return Err(MediaError::TooLarge(format!(
            "{w}x{h} exceeds {} pixels",
            limits.max_image_pixels
        )));
    }
    Ok(())
}

pub(crate) fn image_error(e: ImageError) -> MediaError {
    match e {
        ImageError::Limits(l) => MediaError::TooLarge(l.to_string()),
        ImageError::Decoding(d) => MediaError::Invalid(d.to_string()),
        ImageError::Unsupported(u) => MediaError::Unsupported(u.to_string()),
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Invalid("truncated image".into())
        }
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            MediaError::Invalid(io.to_string())
        }
        ImageError::IoError(io) => MediaError::Io(io),
        other => MediaError::Internal(other.to_string()),
    }
}

/// Largest `(w, h)` with the same aspect ratio whose area is at most `max_pixels` (ImageMagick's
/// `N@` geometry, which Mastodon's styles use); unchanged when already small enough.
pub(crate) fn fit_area(w: u32, h: u32, max_pixels: u64) -> (u32, u32) {
    let area = u64::from(w) * u64::from(h);
    if area <= max_pixels || area == 0 {
        return (w, h);
    }
    let scale = (max_pixels as f64 / area as f64).sqrt();
    let nw = ((f64::from(w) * scale).floor() as u32).max(1);
    let nh = ((f64::from(h) * scale).floor() as u32).max(1);
    (nw, nh)
}

/// Encodes `img` as `format` into `path`. Re-encoding is what strips EXIF (GPS included),
/// XMP and comments: none of these encoders writes metadata we do not hand it.
pub(crate) fn encode(img: &DynamicImage, format: OutFormat, path: &Path) -> Result<(), MediaError> {
    let mut out = BufWriter::new(File::create(path)?);
    let result = match format {
        OutFormat::Jpeg => {
            let mut enc = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            match img {
                // No copy of a big photo just to encode it.
                DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => enc.encode_image(img),
                other => enc.encode_image(&flatten(other)),
            }
        }
        OutFormat::Png => img.write_with_encoder(PngEncoder::new(&mut out)),
        OutFormat::WebP => {
            // The WebP encoder takes 8-bit RGB(A) only.
            let converted = if img.color().has_alpha() {
                DynamicImage::ImageRgba8(img.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(img.to_rgb8())
            };
            converted.write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
    };
    result.map_err(|e| match e {
        ImageError::IoError(io) => MediaError::Io(io),
        other => MediaError::Internal(format!("encoding failed: {other}")),
    })?;
    out.flush()?;
    Ok(())
}

/// JPEG has no alpha: composite on white (as a browser shows a transparent image on a light
/// background) instead of letting transparent pixels turn black.
pub(crate) fn flatten(img: &DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return DynamicImage::ImageRgb8(img.to_rgb8());
    }
    let rgba = img.to_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            let v = (u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255;
            dst[c] = v.min(255) as u8;
        }
    }
    DynamicImage::ImageRgb8(rgb)
}

/// Whole still-image pipeline. Blocking: the caller runs it in `spawn_blocking` behind the
/// image semaphore.
pub(crate) fn process_still(
    input: &Path,
    format: ImageFormat,
    work_dir: &Path,
    stem: &str,
    limits: &Limits,
) -> Result<Processed, MediaError> {
    let mut img = decode(input, format, limits)?;
    let (w, h) = fit_area(img.width(), img.height(), limits.image_resize_pixels);
    if (w, h) != (img.width(), img.height()) {
        img = resize::resize(&img, w, h);
    }
    let out_format = output_format(format);
    let file_path: PathBuf = work_dir.join(format!("{stem}.{}", out_format.extension()));
    encode(&img, out_format, &file_path)?;
    let small = make_small(&img, work_dir, stem, limits)?;
    let size_bytes = std::fs::metadata(&file_path)?.len();
    Ok(Processed {
        kind: MediaKind::Image,
        file_path,
        content_type: out_format.content_type().to_owned(),
        extension: out_format.extension(),
        original: FileMeta {
            width: Some(img.width()),
            height: Some(img.height()),
            ..FileMeta::default()
        },
        thumbnail_path: Some(small.path),
        small: Some(small.meta),
        blurhash: Some(small.blurhash),
        size_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_area_keeps_aspect() {
        assert_eq!(fit_area(640, 360, 230_400), (640, 360));
        assert_eq!(fit_area(1280, 720, 230_400), (640, 360));
        assert_eq!(fit_area(4000, 3000, 8_294_400), (3325, 2494));
        let (w, h) = fit_area(100_000, 1, 230_400);
        assert!(u64::from(w) * u64::from(h) <= 230_400 && h >= 1);
    }
}
