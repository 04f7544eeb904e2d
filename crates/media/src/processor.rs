//! The entry point: sniff, then process behind the right semaphore.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::{Limits, MediaError, MediaKind, Processed};

/// Processes uploads under [`Limits`]. Cheap to clone; clones share the semaphores.
#[derive(Clone)]
pub struct Processor {
    inner: Arc<Inner>,
}

#[allow(dead_code)]
struct Inner {
    limits: Limits,
    ffmpeg: Option<PathBuf>,
    ffprobe: Option<PathBuf>,
    image_permits: Semaphore,
    ffmpeg_permits: Semaphore,
}

impl Processor {
    /// Finds ffmpeg/ffprobe via `BONSAI_FFMPEG`/`BONSAI_FFPROBE` or on `PATH`; without them
    /// images still work and audio/video answer [`MediaError::Unavailable`].
    pub fn new(limits: Limits) -> Self {
        Self::with_tools(limits, None, None)
    }

    /// Like [`Processor::new`] with explicit tool paths (None: look them up as `new` does).
    pub fn with_tools(limits: Limits, ffmpeg: Option<PathBuf>, ffprobe: Option<PathBuf>) -> Self {
        let image_permits = Semaphore::new(limits.image_concurrency.max(1));
        let ffmpeg_permits = Semaphore::new(limits.ffmpeg_concurrency.max(1));
        Processor {
            inner: Arc::new(Inner {
                limits,
                ffmpeg,
                ffprobe,
                image_permits,
                ffmpeg_permits,
            }),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub fn ffmpeg_available(&self) -> bool {
        self.inner.ffmpeg.is_some() && self.inner.ffprobe.is_some()
    }

    /// Sniffs the real type from the bytes, processes under the limits behind the right
    /// semaphore and writes the outputs into `work_dir`.
    pub async fn process(&self, input: &Path, work_dir: &Path) -> Result<Processed, MediaError> {
        let _ = (input, work_dir);
        Err(MediaError::Internal("not yet".into()))
    }

    /// Cheap: only the kind the bytes are.
    pub fn sniff(&self, input: &Path) -> Result<MediaKind, MediaError> {
        let _ = input;
        Err(MediaError::Internal("not yet".into()))
    }
}
