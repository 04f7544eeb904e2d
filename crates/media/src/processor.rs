//! The entry point: sniff the bytes, then process behind the right semaphore.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use image::ImageFormat;
use tokio::io::AsyncReadExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ffmpeg::{find_tool, Probe, Tools};
use crate::image::{self as img, check_dimensions, is_animated, make_small, Small};
use crate::sniff::{sniff_bytes, Sniffed, SNIFF_LEN};
use crate::store::random_hex;
use crate::{FileMeta, Limits, MediaError, MediaKind, Processed};

/// Processes uploads under [`Limits`]. Cheap to clone; clones share the semaphores.
#[derive(Clone)]
pub struct Processor {
    inner: Arc<Inner>,
}

struct Inner {
    limits: Limits,
    tools: Option<Tools>,
    images: Lane,
    ffmpeg: Lane,
}

/// A semaphore plus a count of work in flight and its high-water mark, so the bound can be
/// observed (metrics, tests) rather than assumed.
#[derive(Clone)]
struct Lane {
    permits: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

/// Held while one unit of work runs: a permit and the in-flight count.
struct Slot {
    _permit: OwnedSemaphorePermit,
    in_flight: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Lane {
    fn new(permits: usize) -> Self {
        Lane {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            in_flight: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn enter(&self) -> Result<Slot, MediaError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| MediaError::Internal("media semaphore closed".into()))?;
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Ok(Slot {
            _permit: permit,
            in_flight: self.in_flight.clone(),
        })
    }
}

/// Work in flight and the most there ever was at once, per lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcessorStats {
    pub images_in_flight: usize,
    pub images_peak: usize,
    pub ffmpeg_in_flight: usize,
    pub ffmpeg_peak: usize,
}

impl Processor {
    /// Finds ffmpeg/ffprobe via `BONSAI_FFMPEG`/`BONSAI_FFPROBE` (explicit paths) or on `PATH`;
    /// without them images still work and audio/video answer [`MediaError::Unavailable`].
    pub fn new(limits: Limits) -> Self {
        let ffmpeg = find_tool("ffmpeg", "BONSAI_FFMPEG");
        let ffprobe = find_tool("ffprobe", "BONSAI_FFPROBE");
        if ffmpeg.is_none() || ffprobe.is_none() {
            tracing::warn!("ffmpeg/ffprobe not found: audio and video uploads are unavailable");
        }
        Self::with_tools(limits, ffmpeg, ffprobe)
    }

    /// With explicit tool paths; `None` for either means audio/video are unavailable.
    pub fn with_tools(limits: Limits, ffmpeg: Option<PathBuf>, ffprobe: Option<PathBuf>) -> Self {
        let tools = match (ffmpeg, ffprobe) {
            (Some(ffmpeg), Some(ffprobe)) => Some(Tools { ffmpeg, ffprobe }),
            _ => None,
        };
        Processor {
            inner: Arc::new(Inner {
                images: Lane::new(limits.image_concurrency),
                ffmpeg: Lane::new(limits.ffmpeg_concurrency),
                limits,
                tools,
            }),
        }
    }

    /// The same processor (sharing its semaphores, so the bounds hold over both) resizing
    /// images to at most `pixels` instead: avatars and headers.
    pub fn resizing_to(&self, pixels: u64) -> Processor {
        let i = &self.inner;
        Processor {
            inner: Arc::new(Inner {
                limits: Limits {
                    image_resize_pixels: pixels,
                    ..i.limits.clone()
                },
                tools: i.tools.clone(),
                images: i.images.clone(),
                ffmpeg: i.ffmpeg.clone(),
            }),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub fn ffmpeg_available(&self) -> bool {
        self.inner.tools.is_some()
    }

    pub fn stats(&self) -> ProcessorStats {
        let i = &self.inner;
        ProcessorStats {
            images_in_flight: i.images.in_flight.load(Ordering::SeqCst),
            images_peak: i.images.peak.load(Ordering::SeqCst),
            ffmpeg_in_flight: i.ffmpeg.in_flight.load(Ordering::SeqCst),
            ffmpeg_peak: i.ffmpeg.peak.load(Ordering::SeqCst),
        }
    }

    /// Cheap: only the kind the bytes are, to choose synchronous (image) or background
    /// (audio/video/gifv) processing. A video may still turn out to be a gifv (no audio
    /// track) and an Ogg file a video once ffprobe has looked inside.
    pub fn sniff(&self, input: &Path) -> Result<MediaKind, MediaError> {
        match crate::sniff::sniff_file(input)? {
            Sniffed::Jpeg | Sniffed::Png | Sniffed::WebP => Ok(MediaKind::Image),
            Sniffed::Gif if self.ffmpeg_available() && is_animated(input)? => Ok(MediaKind::Gifv),
            Sniffed::Gif => Ok(MediaKind::Image),
            Sniffed::Video => Ok(MediaKind::Video),
            Sniffed::Audio => Ok(MediaKind::Audio),
        }
    }

    /// Sniffs the real type from the bytes (the client's content type and file name are never
    /// trusted), processes under the limits behind the right semaphore, and writes the outputs
    /// into `work_dir` under fresh random names. On error, nothing of ours is left there.
    pub async fn process(&self, input: &Path, work_dir: &Path) -> Result<Processed, MediaError> {
        let sniffed = sniff_async(input).await?;
        let stem = random_hex();
        let result = match sniffed {
            Sniffed::Jpeg => self.still(input, ImageFormat::Jpeg, work_dir, &stem).await,
            Sniffed::Png => self.still(input, ImageFormat::Png, work_dir, &stem).await,
            Sniffed::WebP => self.still(input, ImageFormat::WebP, work_dir, &stem).await,
            Sniffed::Gif => {
                let path = input.to_path_buf();
                let animated = self.ffmpeg_available()
                    && tokio::task::spawn_blocking(move || is_animated(&path))
                        .await
                        .map_err(join_error)??;
                if animated {
                    self.gifv(input, work_dir, &stem).await
                } else {
                    // Without ffmpeg an animated GIF is kept as its first frame.
                    self.still(input, ImageFormat::Gif, work_dir, &stem).await
                }
            }
            Sniffed::Video | Sniffed::Audio => self.audio_video(input, work_dir, &stem).await,
        };
        if result.is_err() {
            remove_outputs(work_dir, &stem).await;
        }
        result
    }

    async fn still(
        &self,
        input: &Path,
        format: ImageFormat,
        work_dir: &Path,
        stem: &str,
    ) -> Result<Processed, MediaError> {
        let slot = self.inner.images.enter().await?;
        let (input, work_dir, stem) = (input.to_owned(), work_dir.to_owned(), stem.to_owned());
        let limits = self.inner.limits.clone();
        // The slot moves into the blocking task: if our caller goes away, the decode still
        // counts against the bound until it really ends.
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            img::process_still(&input, format, &work_dir, &stem, &limits)
        })
        .await
        .map_err(join_error)?
    }

    /// The preview of a video: its first frame, made "small" like any image.
    async fn video_preview(
        &self,
        tools: &Tools,
        video: &Path,
        work_dir: &Path,
        stem: &str,
    ) -> Result<Small, MediaError> {
        let frame = work_dir.join(format!("{stem}-frame.png"));
        let made = async {
            tools
                .extract_frame(video, &frame, &self.inner.limits)
                .await?;
            let slot = self.inner.images.enter().await?;
            let (frame, work_dir, stem) = (frame.clone(), work_dir.to_owned(), stem.to_owned());
            let limits = self.inner.limits.clone();
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let image = img::decode(&frame, ImageFormat::Png, &limits)?;
                make_small(&image, &work_dir, &stem, &limits)
            })
            .await
            .map_err(join_error)?
        }
        .await;
        let _ = tokio::fs::remove_file(&frame).await;
        made
    }

    fn tools(&self) -> Result<&Tools, MediaError> {
        self.inner
            .tools
            .as_ref()
            .ok_or_else(|| MediaError::Unavailable("ffmpeg is not installed".into()))
    }

    fn check_probe(&self, probe: &Probe) -> Result<(), MediaError> {
        let limits = &self.inner.limits;
        if let Some(d) = probe.duration {
            if d > limits.max_video_seconds {
                return Err(MediaError::TooLarge(format!(
                    "{d:.0} s is longer than {:.0} s",
                    limits.max_video_seconds
                )));
            }
        }
        if let Some(v) = &probe.video {
            check_dimensions(v.width, v.height, limits)?;
        }
        Ok(())
    }

    /// Animated GIF -> silent looping MP4, as Mastodon does.
    async fn gifv(
        &self,
        input: &Path,
        work_dir: &Path,
        stem: &str,
    ) -> Result<Processed, MediaError> {
        let tools = self.tools()?;
        let _slot = self.inner.ffmpeg.enter().await?;
        let probe = tools.probe(input, &self.inner.limits).await?;
        self.check_probe(&probe)?;
        self.finish_video(tools, input, &probe, false, MediaKind::Gifv, work_dir, stem)
            .await
    }

    async fn audio_video(
        &self,
        input: &Path,
        work_dir: &Path,
        stem: &str,
    ) -> Result<Processed, MediaError> {
        let tools = self.tools()?;
        let _slot = self.inner.ffmpeg.enter().await?;
        let limits = &self.inner.limits;
        let probe = tools.probe(input, limits).await?;
        self.check_probe(&probe)?;
        match (&probe.video, &probe.audio_codec) {
            // Mastodon (`update_attachment_type`): a video without an audio track is a gifv.
            (Some(_), audio) => {
                let kind = if audio.is_some() {
                    MediaKind::Video
                } else {
                    MediaKind::Gifv
                };
                self.finish_video(tools, input, &probe, audio.is_some(), kind, work_dir, stem)
                    .await
            }
            (None, Some(_)) => {
                let out = work_dir.join(format!("{stem}.mp3"));
                tools.transcode_audio(input, &out, limits).await?;
                let meta = tools.probe(&out, limits).await?;
                Ok(Processed {
                    kind: MediaKind::Audio,
                    size_bytes: tokio::fs::metadata(&out).await?.len(),
                    file_path: out,
                    content_type: "audio/mpeg".into(),
                    extension: "mp3",
                    original: FileMeta {
                        duration: meta.duration,
                        bitrate: meta.bitrate,
                        ..FileMeta::default()
                    },
                    thumbnail_path: None,
                    small: None,
                    blurhash: None,
                })
            }
            (None, None) => Err(MediaError::Invalid("no audio or video stream".into())),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_video(
        &self,
        tools: &Tools,
        input: &Path,
        probe: &Probe,
        with_audio: bool,
        kind: MediaKind,
        work_dir: &Path,
        stem: &str,
    ) -> Result<Processed, MediaError> {
        let limits = &self.inner.limits;
        let out = work_dir.join(format!("{stem}.mp4"));
        if Tools::can_pass_through(probe, limits) {
            tools.remux(input, &out, with_audio, limits).await?;
        } else {
            tools
                .transcode_video(input, &out, probe, with_audio, limits)
                .await?;
        }
        let meta = tools.probe(&out, limits).await?;
        let video = meta
            .video
            .as_ref()
            .ok_or_else(|| MediaError::Internal("transcoded file has no video".into()))?;
        let original = FileMeta {
            width: Some(video.width),
            height: Some(video.height),
            duration: meta.duration,
            frame_rate: video.frame_rate.clone(),
            bitrate: meta.bitrate,
        };
        let small = self.video_preview(tools, &out, work_dir, stem).await?;
        Ok(Processed {
            kind,
            size_bytes: tokio::fs::metadata(&out).await?.len(),
            file_path: out,
            content_type: "video/mp4".into(),
            extension: "mp4",
            original,
            thumbnail_path: Some(small.path),
            small: Some(small.meta),
            blurhash: Some(small.blurhash),
        })
    }
}

async fn sniff_async(input: &Path) -> Result<Sniffed, MediaError> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    tokio::fs::File::open(input)
        .await?
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .await?;
    sniff_bytes(&head)
}

fn join_error(e: tokio::task::JoinError) -> MediaError {
    tracing::error!(error = %e, "media task failed");
    MediaError::Internal("media task failed".into())
}

/// Every file we write in `work_dir` starts with `stem`.
async fn remove_outputs(work_dir: &Path, stem: &str) {
    let Ok(mut entries) = tokio::fs::read_dir(work_dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if entry.file_name().to_string_lossy().starts_with(stem) {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}
