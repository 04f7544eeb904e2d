//! The "small" preview Mastodon shows in timelines, and its blurhash.

use std::path::{Path, PathBuf};

use image::DynamicImage;

use super::{encode, fit_area, OutFormat};
use crate::{FileMeta, Limits, MediaError};

/// Mastodon's blurhash components (x = 4, y = 4), computed on the small image.
const BLURHASH_COMPONENTS: (usize, usize) = (4, 4);

pub(crate) struct Small {
    pub path: PathBuf,
    pub meta: FileMeta,
    pub blurhash: String,
}

/// Writes `{stem}-small.jpg`: `img` scaled to at most `thumbnail_pixels` (aspect kept, never
/// enlarged), as JPEG so every kind of media gets the same, small preview format.
pub(crate) fn make_small(
    img: &DynamicImage,
    work_dir: &Path,
    stem: &str,
    limits: &Limits,
) -> Result<Small, MediaError> {
    let (w, h) = fit_area(img.width(), img.height(), limits.thumbnail_pixels);
    let small = if (w, h) == (img.width(), img.height()) {
        img.clone()
    } else {
        super::resize::resize(img, w, h)
    };
    let path = work_dir.join(format!("{stem}-small.jpg"));
    encode(&small, OutFormat::Jpeg, &path)?;
    let blurhash = blurhash_of(&super::flatten(&small))?;
    Ok(Small {
        path,
        meta: FileMeta {
            width: Some(w),
            height: Some(h),
            ..FileMeta::default()
        },
        blurhash,
    })
}

pub(crate) fn blurhash_of(img: &DynamicImage) -> Result<String, MediaError> {
    Ok(super::blurhash::encode(
        &img.to_rgb8(),
        BLURHASH_COMPONENTS.0,
        BLURHASH_COMPONENTS.1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected hashes computed by an independent transcription (Python) of the reference
    /// `encode.ts` from woltapp/blurhash (the `blurhash` crate gives `U#HUwg…` for the gradient:
    /// its DC rounding differs, which is why we do not use it). Note the reference samples at integer x/y, so even a
    /// uniform image has small AC terms: the white hash is not "all neutral".
    #[test]
    fn blurhash_known_vectors() {
        let white = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(
            32,
            24,
            image::Rgb([255, 255, 255]),
        ));
        assert_eq!(
            blurhash_of(&white).expect("hash"),
            "UDTSUA_3fQ_3~qoffQoffQfQfQfQ~qoffQof"
        );
        let gradient = DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
        }));
        assert_eq!(
            blurhash_of(&gradient).expect("hash"),
            "U#HLF[2Y$5SgmGazjtf7gJfjfQfjnla|jtfQ"
        );
    }
}
