//! Local media uploads (`/api/v{1,2}/media`): streamed to a temporary file under a byte cap,
//! processed by `bonsai_media` (images at once, audio/video by the `media` job when asked),
//! stored in the `MediaStore`, and attached to posts by `statuses`/`edits`.
//!
//! An upload is the one use-case that is not a single call: the body is streamed in chunk by
//! chunk (never held in memory), so the handler takes an [`Upload`] from `begin_upload`, feeds
//! it, and hands it to `create_media`. The [`Upload`] owns its temporary files and removes them
//! when dropped, so every error path — a client hanging up included — cleans up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use bonsai_core::model::{
    LocalFile, MediaAttachment, MediaFocus, MediaMeta, MediaSize, MediaType, Processing,
    ProfileImage,
};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::media;
use bonsai_media::{media_key, FsStore, MediaError, MediaKind, MediaStore, Processed, Processor};

use crate::config::{InstanceConfig, MediaConfig};
use crate::error::{commit, DbResultExt, Error, ErrorKind, Result};
use crate::jobs::{Outcome, Queue};
use crate::oauth::Viewer;
use crate::Services;

/// Mastodon's limit on alt text.
pub const MAX_DESCRIPTION_CHARS: usize = 1500;
/// How long an upload waits for a free slot before the client is told to come back.
const UPLOAD_WAIT: Duration = Duration::from_secs(30);
/// Uploads no post took are removed after this long (Mastodon: a day).
pub const UNATTACHED_TTL_SECS: i64 = 24 * 3600;
/// How often the unattached-media sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// Rows removed per sweep statement.
const SWEEP_BATCH: i64 = 100;

const PROCESSING_ERROR: &str = "Error processing thumbnail for uploaded media";
const FILE_TYPE_ERROR: &str = "File type of uploaded media could not be verified";

/// Mastodon's avatar (400x400) and header (1500x500) sizes, as areas: static images are
/// scaled down to fit (not cropped).
const AVATAR_PIXELS: u64 = 400 * 400;
const HEADER_PIXELS: u64 = 1500 * 500;

/// What processing and storage need, built once from the config.
pub struct MediaParts {
    processor: Processor,
    avatars: Processor,
    headers: Processor,
    store: Arc<dyn MediaStore>,
    uploads: Arc<Semaphore>,
    config: MediaConfig,
}

impl MediaParts {
    pub(crate) fn new(config: &InstanceConfig) -> Self {
        // One set of semaphores for attachments, avatars and headers: the bound on decodes in
        // flight (each up to `max_decode_alloc`) holds over all three.
        let processor = Processor::new(config.media.limits.clone());
        Self {
            avatars: processor.resizing_to(AVATAR_PIXELS),
            headers: processor.resizing_to(HEADER_PIXELS),
            processor,
            store: Arc::new(FsStore::new(config.media.dir.clone(), config.base_url())),
            uploads: Arc::new(Semaphore::new(config.media.upload_concurrency.max(1))),
            config: config.media.clone(),
        }
    }
}

/// A temporary file under the upload directory, removed when dropped unless kept.
struct TempFile {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    written: u64,
    kept: bool,
}

impl TempFile {
    async fn create(dir: &Path, name: String) -> Result<Self> {
        tokio::fs::create_dir_all(dir).await.map_err(io_failure)?;
        let path = dir.join(name);
        let file = tokio::fs::File::create(&path).await.map_err(io_failure)?;
        Ok(Self {
            path,
            file: Some(file),
            written: 0,
            kept: false,
        })
    }

    async fn finish(&mut self) -> Result<()> {
        if let Some(mut f) = self.file.take() {
            f.flush().await.map_err(io_failure)?;
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            // Small, local and rare enough to do synchronously.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An upload in progress: its slot, its file (and optional custom thumbnail) on disk, and the
/// form's other fields.
pub struct Upload {
    _permit: OwnedSemaphorePermit,
    dir: PathBuf,
    id: i64,
    cap: u64,
    file: Option<TempFile>,
    thumbnail: Option<TempFile>,
    pub description: Option<String>,
    pub focus: Option<String>,
}

/// Which part of the form a chunk belongs to. A profile update carries an avatar and a
/// header in the same two slots as an attachment's file and thumbnail.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Part {
    File,
    Thumbnail,
    Avatar,
    Header,
}

impl Upload {
    /// Appends a chunk of `part`; refuses once the part passes the largest size we accept.
    pub async fn write(&mut self, part: Part, chunk: &[u8]) -> Result<()> {
        let slot = match part {
            Part::File | Part::Avatar => &mut self.file,
            Part::Thumbnail | Part::Header => &mut self.thumbnail,
        };
        if slot.is_none() {
            let name = match part {
                Part::File | Part::Avatar => format!("upload-{}", self.id),
                Part::Thumbnail | Part::Header => format!("upload-{}-thumbnail", self.id),
            };
            *slot = Some(TempFile::create(&self.dir, name).await?);
        }
        let Some(t) = slot.as_mut() else {
            return Err(Error::internal());
        };
        t.written += chunk.len() as u64;
        if t.written > self.cap {
            return Err(too_large(self.cap));
        }
        match t.file.as_mut() {
            Some(f) => f.write_all(chunk).await.map_err(io_failure),
            None => Err(Error::internal()),
        }
    }

    /// The largest file this upload may carry.
    pub fn cap(&self) -> u64 {
        self.cap
    }
}

/// New alt text and focal point (`PUT /api/v1/media/:id`, `media_attributes[]`).
#[derive(Default, Clone)]
pub struct MediaUpdate {
    pub description: Option<String>,
    pub focus: Option<String>,
}

fn io_failure(e: std::io::Error) -> Error {
    tracing::error!(error = %e, "media file i/o failed");
    Error::internal()
}

/// Rails' `number_to_human_size`, as Mastodon's size error shows it ("16 MB").
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} Bytes");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    // Three significant digits, trailing zeros dropped.
    let decimals = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s} {}", UNITS[unit])
}

fn too_large(limit: u64) -> Error {
    Error::validation(format!(
        "Validation failed: File file size must be less than {}",
        human_size(limit)
    ))
}

fn blank_file() -> Error {
    Error::validation("Validation failed: File can't be blank")
}

/// A processing failure as the API shows it: the client's fault is 422 with Mastodon's texts,
/// ours is logged and internal.
fn media_failure(e: MediaError) -> Error {
    match e {
        MediaError::Unsupported(_) => {
            Error::validation("Validation failed: File content type is invalid")
        }
        MediaError::Invalid(detail) => {
            tracing::info!(%detail, "undecodable upload refused");
            Error::validation(FILE_TYPE_ERROR)
        }
        MediaError::TooLarge(detail) => Error::validation(format!("Validation failed: {detail}")),
        MediaError::Unavailable(detail) => {
            tracing::warn!(%detail, "media processing unavailable");
            Error::validation(PROCESSING_ERROR)
        }
        MediaError::Timeout => {
            tracing::warn!("media processing timed out");
            Error::validation(PROCESSING_ERROR)
        }
        MediaError::Io(e) => io_failure(e),
        MediaError::Internal(detail) => {
            tracing::error!(%detail, "media processing failed");
            Error::internal()
        }
    }
}

fn media_type(kind: MediaKind) -> MediaType {
    match kind {
        MediaKind::Image => MediaType::Image,
        MediaKind::Gifv => MediaType::Gifv,
        MediaKind::Video => MediaType::Video,
        MediaKind::Audio => MediaType::Audio,
    }
}

fn content_type_of(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        Some("ogg") => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// Parses Mastodon's focus `"x,y"`, each in -1.0..=1.0.
fn parse_focus(raw: &str) -> Result<MediaFocus> {
    let bad =
        || Error::validation("Validation failed: Focus must be two numbers between -1.0 and 1.0");
    let (x, y) = raw.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok(MediaFocus { x, y })
}

fn checked_description(d: Option<String>) -> Result<Option<String>> {
    match d {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => Err(Error::validation(format!(
            "Validation failed: Description is too long (maximum is {MAX_DESCRIPTION_CHARS} characters)"
        ))),
        Some(d) if d.trim().is_empty() => Ok(None),
        d => Ok(d),
    }
}

/// What processing and storing produced, before it is written to the row.
struct Stored {
    kind: MediaType,
    content_type: String,
    file_key: String,
    thumbnail_key: Option<String>,
    size: i64,
    meta: MediaMeta,
    blurhash: Option<String>,
}

fn meta_of(p: &Processed) -> MediaMeta {
    let size = |w: Option<u32>, h: Option<u32>| match (w, h) {
        (Some(width), Some(height)) => Some(MediaSize { width, height }),
        _ => None,
    };
    MediaMeta {
        original: size(p.original.width, p.original.height),
        small: p.small.as_ref().and_then(|s| size(s.width, s.height)),
        duration: p.original.duration,
        frame_rate: p.original.frame_rate.clone(),
        bitrate: p.original.bitrate,
        focus: None,
    }
}

impl Services {
    /// Public URLs of a local attachment's files (they are not stored: the store decides).
    pub(crate) fn resolve_media_urls(&self, m: &mut MediaAttachment) {
        let store = &self.media().store;
        if let Some(f) = m.file.as_mut() {
            let done = m.processing == Processing::Complete;
            f.url = f.key.as_deref().filter(|_| done).map(|k| store.url(k));
            f.preview_url = f
                .thumbnail_key
                .as_deref()
                .filter(|_| done)
                .map(|k| store.url(k));
        }
    }

    /// What the instance accepts, for `configuration.media_attachments`.
    pub fn media_config(&self) -> &MediaConfig {
        &self.media().config
    }

    /// Whether audio and video can be processed here (ffmpeg found).
    pub fn video_supported(&self) -> bool {
        self.media().processor.ffmpeg_available()
    }

    /// A file of the media store served by Bonsai itself: its path and content type, if the
    /// key names one that exists.
    pub fn media_file(&self, key: &str) -> Option<(PathBuf, &'static str)> {
        // Only what uploads create is served; anything else under the root stays private.
        let ours = [
            "media_attachments/",
            "accounts/avatars/",
            "accounts/headers/",
        ];
        if !ours.iter().any(|p| key.starts_with(p)) || key.contains("/.") {
            return None;
        }
        let path = self.media().store.local_path(key)?;
        path.is_file().then(|| {
            let ct = content_type_of(&path);
            (path, ct)
        })
    }

    /// Takes an upload slot (waiting a bounded time) and a place for the body.
    pub async fn begin_upload(&self, viewer: &Viewer) -> Result<Upload> {
        let c = &self.media().config;
        let cap = c.video_size_limit.max(c.image_size_limit);
        self.upload_slot(viewer, "write:media", cap).await
    }

    /// Takes an upload slot for a profile update's avatar and header.
    pub async fn begin_profile_upload(&self, viewer: &Viewer) -> Result<Upload> {
        let cap = self.media().config.image_size_limit;
        self.upload_slot(viewer, "write:accounts", cap).await
    }

    /// One of the bounded upload slots, for a signed-in viewer with `scope`, taking at most
    /// `cap` bytes.
    async fn upload_slot(&self, viewer: &Viewer, scope: &str, cap: u64) -> Result<Upload> {
        viewer.require(scope)?;
        viewer.account()?;
        let parts = self.media();
        let permit = tokio::time::timeout(UPLOAD_WAIT, parts.uploads.clone().acquire_owned())
            .await
            .map_err(|_| Error::new(ErrorKind::RateLimited, "Too many requests"))?
            .map_err(|_| Error::internal())?;
        Ok(Upload {
            _permit: permit,
            dir: parts.config.upload_dir.clone(),
            id: self.next_id(),
            cap,
            file: None,
            thumbnail: None,
            description: None,
            focus: None,
        })
    }

    /// Processes and stores the avatar and header of `upload` (either may be absent):
    /// `(avatar, header)`. A failure leaves nothing stored.
    pub(crate) async fn store_profile_images(
        &self,
        account_id: i64,
        mut upload: Upload,
    ) -> Result<(Option<ProfileImage>, Option<ProfileImage>)> {
        let avatar = match upload.file.take().filter(|f| f.written > 0) {
            Some(mut f) => {
                f.finish().await?;
                Some(self.store_profile_image(account_id, &f.path, true).await?)
            }
            None => None,
        };
        let header = match upload.thumbnail.take().filter(|f| f.written > 0) {
            Some(mut f) => {
                f.finish().await?;
                match self.store_profile_image(account_id, &f.path, false).await {
                    Ok(h) => Some(h),
                    Err(e) => {
                        self.delete_keys(&[avatar.map(|a| a.key)]).await;
                        return Err(e);
                    }
                }
            }
            None => None,
        };
        Ok((avatar, header))
    }

    async fn store_profile_image(
        &self,
        account_id: i64,
        raw: &Path,
        avatar: bool,
    ) -> Result<ProfileImage> {
        let parts = self.media();
        let field = if avatar { "Avatar" } else { "Header" };
        let invalid = || {
            Error::validation(format!(
                "Validation failed: {field} content type is invalid"
            ))
        };
        let processor = if avatar {
            &parts.avatars
        } else {
            &parts.headers
        };
        // Static pictures only: an animated GIF would become a video.
        match processor.sniff(raw) {
            Ok(MediaKind::Image) => {}
            Ok(_) | Err(MediaError::Unsupported(_)) => return Err(invalid()),
            Err(e) => return Err(media_failure(e)),
        }
        let work = parts
            .config
            .upload_dir
            .join(format!("work-profile-{}", self.next_id()));
        tokio::fs::create_dir_all(&work).await.map_err(io_failure)?;
        let result = async {
            let p = processor.process(raw, &work).await.map_err(|e| match e {
                MediaError::Unsupported(_) => invalid(),
                e => media_failure(e),
            })?;
            let prefix = if avatar {
                "accounts/avatars"
            } else {
                "accounts/headers"
            };
            let key = media_key(account_id, "original", p.extension).replacen(
                "media_attachments/files",
                prefix,
                1,
            );
            parts
                .store
                .put(&key, &p.file_path, &p.content_type)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "storing a profile picture failed");
                    Error::internal()
                })?;
            Ok(ProfileImage {
                url: parts.store.url(&key),
                key,
            })
        }
        .await;
        let _ = tokio::fs::remove_dir_all(&work).await;
        result
    }

    /// Removes replaced profile pictures from the store.
    pub(crate) async fn delete_profile_images(&self, old: &[Option<ProfileImage>]) {
        let keys: Vec<Option<String>> = old
            .iter()
            .map(|o| o.as_ref().map(|p| p.key.clone()))
            .collect();
        self.delete_keys(&keys).await;
    }

    /// Creates the attachment from a finished upload. Images are processed now; audio and
    /// video too when `wait` (API v1), else by the `media` job (the result says `Queued`).
    pub async fn create_media(
        &self,
        viewer: &Viewer,
        mut upload: Upload,
        wait: bool,
    ) -> Result<MediaAttachment> {
        viewer.require("write:media")?;
        let account = viewer.account()?.clone();
        let description = checked_description(upload.description.take())?;
        let focus = upload.focus.as_deref().map(parse_focus).transpose()?;
        let mut file = match upload.file.take() {
            Some(f) if f.written > 0 => f,
            _ => return Err(blank_file()),
        };
        file.finish().await?;
        let parts = self.media();
        let kind = parts.processor.sniff(&file.path).map_err(media_failure)?;
        if kind != MediaKind::Image && !parts.processor.ffmpeg_available() {
            // Without ffmpeg we accept images only, as `supported_mime_types` then says.
            return Err(Error::validation(
                "Validation failed: File content type is invalid",
            ));
        }
        let limit = match kind {
            MediaKind::Image => parts.config.image_size_limit,
            _ => parts.config.video_size_limit,
        };
        if file.written > limit {
            return Err(too_large(limit));
        }
        let id = upload.id;
        let now = Timestamp::now();
        let mut m = MediaAttachment {
            id,
            status_id: None,
            account_id: account.id,
            kind: media_type(kind),
            content_type: None,
            remote_url: String::new(),
            thumbnail_remote_url: None,
            description,
            blurhash: None,
            meta: MediaMeta {
                focus,
                ..MediaMeta::default()
            },
            file: Some(LocalFile::default()),
            processing: Processing::Complete,
            created_at: now,
        };
        if let Some(mut t) = upload.thumbnail.take().filter(|t| t.written > 0) {
            t.finish().await?;
            self.custom_thumbnail(id, &t.path, &mut m).await?;
        }
        if kind == MediaKind::Image || wait {
            let stored = match self.process_and_store(id, &file.path).await {
                Ok(s) => s,
                Err(e) => {
                    self.delete_media_files(&m).await;
                    return Err(e);
                }
            };
            let spare = apply_stored(&mut m, stored);
            self.delete_keys(&[spare]).await;
            if let Err(e) = media::insert(self.db().writer(), &m, 0).await {
                self.delete_media_files(&m).await;
                return Err(crate::error::db_failure(e));
            }
        } else {
            // The raw upload waits for the job, which owns it from the commit on.
            m.processing = Processing::Queued;
            if let Some(f) = m.file.as_mut() {
                f.upload_path = Some(file.path.to_string_lossy().into_owned());
            }
            let queued = async {
                let mut tx = self.db().begin().await.or_internal()?;
                media::insert(&mut *tx, &m, 0).await.or_internal()?;
                self.enqueue(
                    &mut tx,
                    Queue::Media,
                    None,
                    &serde_json::json!({ "process": id.to_string() }),
                )
                .await?;
                commit(tx).await
            }
            .await;
            if let Err(e) = queued {
                self.delete_keys(&[m.file.as_ref().and_then(|f| f.thumbnail_key.clone())])
                    .await;
                return Err(e);
            }
            file.kept = true;
            self.job_signal().wake();
        }
        self.resolve_media_urls(&mut m);
        Ok(m)
    }

    /// Processes `raw` for attachment `id` and puts the results in the store. Nothing is left
    /// behind on failure: neither work files nor stored keys.
    async fn process_and_store(&self, id: i64, raw: &Path) -> Result<Stored> {
        let parts = self.media();
        let work = parts.config.upload_dir.join(format!("work-{id}"));
        tokio::fs::create_dir_all(&work).await.map_err(io_failure)?;
        let result = async {
            let p = parts
                .processor
                .process(raw, &work)
                .await
                .map_err(media_failure)?;
            let file_key = media_key(id, "original", p.extension);
            parts
                .store
                .put(&file_key, &p.file_path, &p.content_type)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "storing media failed");
                    Error::internal()
                })?;
            let mut thumbnail_key = None;
            if let Some(t) = &p.thumbnail_path {
                let ext = t.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
                let key = media_key(id, "small", ext);
                if let Err(e) = parts.store.put(&key, t, content_type_of(t)).await {
                    tracing::error!(error = %e, "storing a media preview failed");
                    let _ = parts.store.delete(&file_key).await;
                    return Err(Error::internal());
                }
                thumbnail_key = Some(key);
            }
            Ok(Stored {
                kind: media_type(p.kind),
                content_type: p.content_type.clone(),
                file_key,
                thumbnail_key,
                size: i64::try_from(p.size_bytes).unwrap_or(i64::MAX),
                meta: meta_of(&p),
                blurhash: p.blurhash.clone(),
            })
        }
        .await;
        let _ = tokio::fs::remove_dir_all(&work).await;
        result
    }

    /// A client-chosen preview (v2 `thumbnail`, for audio and video): processed as an image,
    /// its small version replaces ours.
    async fn custom_thumbnail(&self, id: i64, raw: &Path, m: &mut MediaAttachment) -> Result<()> {
        let stored = self.process_and_store(id, raw).await?;
        if stored.kind != MediaType::Image {
            self.delete_keys(&[Some(stored.file_key), stored.thumbnail_key])
                .await;
            return Err(Error::validation(
                "Validation failed: Thumbnail content type is invalid",
            ));
        }
        // Its small version is the preview (Mastodon stores `thumbnail` at 640x360).
        self.delete_keys(&[Some(stored.file_key)]).await;
        let f = m.file.get_or_insert_with(LocalFile::default);
        f.thumbnail_key = stored.thumbnail_key;
        m.blurhash = stored.blurhash;
        m.meta.small = stored.meta.small;
        Ok(())
    }

    async fn delete_keys(&self, keys: &[Option<String>]) {
        for k in keys.iter().flatten() {
            if let Err(e) = self.media().store.delete(k).await {
                tracing::warn!(error = %e, key = %k, "could not delete a media file");
            }
        }
    }

    /// Removes an attachment's stored files and any raw upload still waiting.
    pub(crate) async fn delete_media_files(&self, m: &MediaAttachment) {
        if let Some(f) = &m.file {
            self.delete_keys(&[f.key.clone(), f.thumbnail_key.clone()])
                .await;
            if let Some(p) = &f.upload_path {
                let _ = tokio::fs::remove_file(p).await;
            }
        }
    }

    /// The viewer's own unattached upload (Mastodon finds nothing else here).
    async fn own_unattached(&self, viewer: &Viewer, id: i64) -> Result<MediaAttachment> {
        let account = viewer.account()?;
        media::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|m| m.account_id == account.id && m.status_id.is_none() && m.is_local())
            .ok_or_else(Error::not_found)
    }

    /// `GET /api/v1/media/:id`: the caller tells 206 (processing) from 200 by `processing`.
    pub async fn get_media(&self, viewer: &Viewer, id: i64) -> Result<MediaAttachment> {
        viewer.require("write:media")?;
        let mut m = self.own_unattached(viewer, id).await?;
        if m.processing == Processing::Failed {
            return Err(Error::validation(PROCESSING_ERROR));
        }
        self.resolve_media_urls(&mut m);
        Ok(m)
    }

    /// `PUT /api/v1/media/:id`: alt text and focus, while the upload is not attached.
    pub async fn update_media(
        &self,
        viewer: &Viewer,
        id: i64,
        update: MediaUpdate,
    ) -> Result<MediaAttachment> {
        viewer.require("write:media")?;
        let mut m = self.own_unattached(viewer, id).await?;
        if m.processing == Processing::Failed {
            return Err(Error::validation(PROCESSING_ERROR));
        }
        apply_update(&mut m, update)?;
        media::update_details(self.db().writer(), &m, Timestamp::now())
            .await
            .or_internal()?;
        self.resolve_media_urls(&mut m);
        Ok(m)
    }

    /// `DELETE /api/v1/media/:id`: only uploads no post uses.
    pub async fn delete_media(&self, viewer: &Viewer, id: i64) -> Result<()> {
        viewer.require("write:media")?;
        let account = viewer.account()?;
        let m = media::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|m| m.account_id == account.id && m.is_local())
            .ok_or_else(Error::not_found)?;
        if m.status_id.is_some() {
            return Err(Error::validation(
                "Media attachment is currently used by a status",
            ));
        }
        if media::delete(self.db().writer(), m.id)
            .await
            .or_internal()?
        {
            self.delete_media_files(&m).await;
        }
        Ok(())
    }

    /// The `media` queue: `{"process": id}` runs a queued upload's processing;
    /// `{"delete": [keys]}` removes stored files of deleted posts.
    pub(crate) async fn media_job(&self, payload: &serde_json::Value) -> Outcome {
        if let Some(keys) = payload.get("delete").and_then(|k| k.as_array()) {
            let keys: Vec<Option<String>> = keys
                .iter()
                .map(|k| k.as_str().map(str::to_string))
                .collect();
            self.delete_keys(&keys).await;
            return Outcome::Done;
        }
        let Some(id) = payload
            .get("process")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<i64>().ok())
        else {
            return Outcome::Fail {
                error: "unknown media job".into(),
            };
        };
        let m = match media::find(self.db().reader(), id).await {
            Ok(Some(m)) => m,
            // Deleted before its turn: nothing to do.
            Ok(None) => return Outcome::Done,
            Err(e) => {
                return Outcome::Retry {
                    error: e.to_string(),
                    after: None,
                }
            }
        };
        let Some(raw) = m
            .file
            .as_ref()
            .and_then(|f| f.upload_path.clone())
            .filter(|_| m.processing == Processing::Queued)
        else {
            return Outcome::Done;
        };
        let raw = PathBuf::from(raw);
        let result = self.process_and_store(id, &raw).await;
        let now = Timestamp::now();
        let outcome = match result {
            Ok(stored) => {
                let mut done = m.clone();
                let spare = apply_stored(&mut done, stored);
                self.delete_keys(&[spare]).await;
                match media::set_processed(self.db().writer(), &done, now).await {
                    Ok(true) => Outcome::Done,
                    Ok(false) => {
                        // Deleted while processing: its files go too.
                        self.delete_media_files(&done).await;
                        Outcome::Done
                    }
                    Err(e) => {
                        self.delete_media_files(&done).await;
                        return Outcome::Retry {
                            error: e.to_string(),
                            after: None,
                        };
                    }
                }
            }
            Err(e) => {
                tracing::warn!(media = id, error = %e.message, "media processing failed");
                if let Err(e) = media::set_failed(self.db().writer(), id, now).await {
                    return Outcome::Retry {
                        error: e.to_string(),
                        after: None,
                    };
                }
                Outcome::Fail { error: e.message }
            }
        };
        let _ = tokio::fs::remove_file(&raw).await;
        outcome
    }

    /// Removes uploads no post has used since `before`, files and rows; how many went.
    pub async fn remove_unattached_media(&self, before: Timestamp) -> Result<u64> {
        let mut removed = 0;
        loop {
            let batch = media::unattached_before(self.db().reader(), before, SWEEP_BATCH)
                .await
                .or_internal()?;
            let n = batch.len();
            for m in batch {
                // A queued upload's raw file is removed with it; the job then finds no row.
                if media::delete(self.db().writer(), m.id)
                    .await
                    .or_internal()?
                {
                    self.delete_media_files(&m).await;
                    removed += 1;
                }
            }
            if (n as i64) < SWEEP_BATCH {
                return Ok(removed);
            }
        }
    }

    /// The recurring sweep of unattached uploads, until `shutdown`.
    pub(crate) async fn media_sweeper(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let before = Timestamp::now().plus_secs(-UNATTACHED_TTL_SECS);
            match self.remove_unattached_media(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "removed unattached media"),
                Err(e) => tracing::warn!(error = %e.message, "unattached media sweep failed"),
            }
            self.remove_stale_upload_files().await;
            tokio::select! {
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    /// Removes what a crash left in the upload directory: every file there belongs to an
    /// upload in flight or a queued one, and both are gone (swept) well within two TTLs.
    async fn remove_stale_upload_files(&self) {
        let dir = &self.media().config.upload_dir;
        let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
            return;
        };
        let max_age = Duration::from_secs(2 * UNATTACHED_TTL_SECS as u64);
        while let Ok(Some(e)) = entries.next_entry().await {
            let old = e
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > max_age);
            if old {
                let path = e.path();
                let removed = if path.is_dir() {
                    tokio::fs::remove_dir_all(&path).await
                } else {
                    tokio::fs::remove_file(&path).await
                };
                if removed.is_ok() {
                    tracing::info!(path = %path.display(), "removed a stale upload file");
                }
            }
        }
    }

    /// Checks `ids` for a post by `account_id` as Mastodon does (at most 4, all the author's,
    /// not used by another post — `editing` may keep its own — and processed) and links them
    /// in order inside `tx`. Returns the attachments as linked.
    pub(crate) async fn attach_media(
        &self,
        conn: &mut bonsai_db::Conn,
        account_id: i64,
        status_id: i64,
        raw_ids: &[String],
        editing: bool,
        updates: &[(i64, MediaUpdate)],
    ) -> Result<Vec<MediaAttachment>> {
        if raw_ids.len() > MAX_ATTACHMENTS {
            return Err(Error::validation(format!(
                "Cannot attach more than {MAX_ATTACHMENTS} files"
            )));
        }
        let mut ids: Vec<i64> = Vec::with_capacity(raw_ids.len());
        let mut missing: Vec<String> = Vec::new();
        for raw in raw_ids {
            match bonsai_core::id::parse_id(raw.trim()) {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => missing.push(raw.trim().to_string()),
            }
        }
        let found =
            media::own_unattached(&mut *conn, account_id, &ids, editing.then_some(status_id))
                .await
                .or_internal()?;
        missing.extend(
            ids.iter()
                .filter(|id| !found.iter().any(|m| m.id == **id && m.is_local()))
                .map(i64::to_string),
        );
        if !missing.is_empty() {
            return Err(Error::validation(format!(
                "Media {} not found or already attached to another post",
                missing.join(", ")
            )));
        }
        let ordered: Vec<MediaAttachment> = ids
            .iter()
            .filter_map(|id| found.iter().find(|m| m.id == *id).cloned())
            .collect();
        if ordered.len() > 1
            && ordered
                .iter()
                .any(|m| matches!(m.kind, MediaType::Video | MediaType::Audio))
        {
            return Err(Error::validation(
                "Cannot attach a video to a post that already contains images",
            ));
        }
        if ordered.iter().any(|m| m.processing != Processing::Complete) {
            return Err(Error::validation(
                "Cannot attach files that have not finished processing. Try again in a moment!",
            ));
        }
        let now = Timestamp::now();
        let mut out = Vec::with_capacity(ordered.len());
        for mut m in ordered {
            if let Some((_, u)) = updates.iter().find(|(id, _)| *id == m.id) {
                apply_update(&mut m, u.clone())?;
                media::update_details(&mut *conn, &m, now)
                    .await
                    .or_internal()?;
            }
            m.status_id = Some(status_id);
            self.resolve_media_urls(&mut m);
            out.push(m);
        }
        let linked = media::attach(&mut *conn, status_id, account_id, &ids, now)
            .await
            .or_internal()?;
        if linked != ids.len() as u64 {
            // Taken by another post between the check and the link.
            return Err(Error::validation(format!(
                "Media {} not found or already attached to another post",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(out)
    }
}

/// Mastodon's limit on attachments per post.
pub const MAX_ATTACHMENTS: usize = 4;

fn apply_update(m: &mut MediaAttachment, u: MediaUpdate) -> Result<()> {
    if u.description.is_some() {
        m.description = checked_description(u.description)?;
    }
    if let Some(f) = u.focus.as_deref().filter(|f| !f.trim().is_empty()) {
        m.meta.focus = Some(parse_focus(f)?);
    }
    Ok(())
}

/// Writes processing results into `m`; returns a stored key nobody needs (our preview, when
/// the client gave its own), for the caller to delete.
#[must_use]
fn apply_stored(m: &mut MediaAttachment, s: Stored) -> Option<String> {
    let custom = m.file.as_ref().and_then(|f| f.thumbnail_key.clone());
    m.kind = s.kind;
    m.content_type = Some(s.content_type);
    m.meta = MediaMeta {
        focus: m.meta.focus,
        small: if custom.is_some() {
            m.meta.small
        } else {
            s.meta.small
        },
        ..s.meta
    };
    if custom.is_none() {
        m.blurhash = s.blurhash;
    }
    m.processing = Processing::Complete;
    let f = m.file.get_or_insert_with(LocalFile::default);
    f.key = Some(s.file_key);
    f.size = Some(s.size);
    f.upload_path = None;
    if custom.is_some() {
        s.thumbnail_key
    } else {
        f.thumbnail_key = s.thumbnail_key;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_rails() {
        assert_eq!(human_size(16 * 1024 * 1024), "16 MB");
        assert_eq!(human_size(99 * 1024 * 1024), "99 MB");
        assert_eq!(human_size(1000), "1000 Bytes");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(1536), "1.5 KB");
    }

    #[test]
    fn focus_is_two_numbers_in_range() {
        assert_eq!(
            parse_focus("0.5,-0.25").ok(),
            Some(MediaFocus { x: 0.5, y: -0.25 })
        );
        assert!(parse_focus("2,0").is_err());
        assert!(parse_focus("x").is_err());
        assert!(parse_focus("0.1,nope").is_err());
    }
}
