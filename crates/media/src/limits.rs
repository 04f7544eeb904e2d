//! Bounds on what media processing may cost.

use std::time::Duration;

/// Limits for [`crate::Processor`]. `Default` follows Mastodon's sizes.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Images with more pixels than this are refused before decoding (Mastodon's
    /// `Attachmentable::MAX_MATRIX_LIMIT`, 7680x4320, which apps read from the instance's
    /// `image_matrix_limit` and resize to before uploading).
    pub max_image_pixels: u64,
    /// Images wider or taller than this are refused before decoding.
    pub max_image_side: u32,
    /// Originals above this many pixels are resized down (Mastodon: 3840x2160).
    pub image_resize_pixels: u64,
    /// Area of the "small" preview (Mastodon: 640x360), aspect preserved.
    pub thumbnail_pixels: u64,
    /// Bytes the image decoder may allocate: the largest accepted image as RGBA (133 MB) plus
    /// the decoder's own buffers. This, times `image_concurrency`, is the worst case a burst of
    /// huge uploads can cost; it is given back as soon as each decode ends.
    pub max_decode_alloc: u64,
    /// Videos above this many pixels are downscaled (Mastodon: 1920x1200).
    pub max_video_pixels: u64,
    /// Longer audio/video is refused.
    pub max_video_seconds: f64,
    /// Per ffmpeg/ffprobe run; the child is killed after it.
    pub ffmpeg_timeout: Duration,
    /// Address-space limit (bytes) for ffmpeg/ffprobe.
    pub ffmpeg_memory: u64,
    /// Images decoded at once. One by default: a 12-megapixel photo costs ~60 MiB while it is
    /// processed (0.5 s), and two at once took the server from 45 to 156 MiB in the benchmark.
    pub image_concurrency: usize,
    /// ffmpeg runs at once.
    pub ffmpeg_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_image_pixels: 7680 * 4320,
            max_image_side: 16_384,
            image_resize_pixels: 3840 * 2160,
            thumbnail_pixels: 640 * 360,
            max_decode_alloc: 192 * 1024 * 1024,
            max_video_pixels: 1920 * 1200,
            max_video_seconds: 3600.0,
            ffmpeg_timeout: Duration::from_secs(600),
            ffmpeg_memory: 1024 * 1024 * 1024,
            image_concurrency: 1,
            ffmpeg_concurrency: 1,
        }
    }
}
