//! What processing produces.

use std::path::PathBuf;

/// Mastodon's attachment types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    /// An animated GIF or a short silent video, shown as a looping video.
    Gifv,
    Video,
    Audio,
}

impl MediaKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Gifv => "gifv",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

/// What Mastodon puts in `meta.original` / `meta.small`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileMeta {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration: Option<f64>,
    /// As ffprobe reports it, e.g. "30/1".
    pub frame_rate: Option<String>,
    /// Bits per second.
    pub bitrate: Option<u64>,
}

/// The result of [`crate::Processor::process`]; files live in the caller's work dir.
#[derive(Clone, Debug)]
pub struct Processed {
    pub kind: MediaKind,
    /// The processed original.
    pub file_path: PathBuf,
    pub content_type: String,
    pub extension: &'static str,
    pub original: FileMeta,
    /// The "small" preview (JPEG); None for audio.
    pub thumbnail_path: Option<PathBuf>,
    pub small: Option<FileMeta>,
    pub blurhash: Option<String>,
    /// Size of `file_path`.
    pub size_bytes: u64,
}
