//! `/api/v{1,2}/media`: uploads streamed chunk by chunk into the service's temporary file
//! (never into memory), and `/system/{key}`: the stored files, with `Range` for players.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use bonsai_core::model::Processing;
use bonsai_service::media::{MediaUpdate, Part, Upload};

use super::path_id;
use crate::auth::Auth;
use crate::entities::media::MediaAttachment;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

/// Room for the form's text fields and multipart framing, on top of the file caps; also the
/// most that may be read ahead of what is written to disk.
const FORM_OVERHEAD: usize = 1024 * 1024;
/// A text field (description, focus) of an upload form.
const MAX_TEXT_FIELD: usize = 16 * 1024;
/// Stored files change name when they change: clients and proxies may keep them for a year.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";
/// Bytes read from disk per chunk when serving.
const SERVE_CHUNK: usize = 64 * 1024;

/// `POST /api/v2/media`: images are processed at once (200), audio and video later (202).
pub async fn create_v2(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    req: Request,
) -> ApiResult<Response> {
    upload(state, viewer, req, false).await
}

/// `POST /api/v1/media`: deprecated, but clients use it; it waits for processing.
pub async fn create_v1(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    req: Request,
) -> ApiResult<Response> {
    upload(state, viewer, req, true).await
}

/// Bounds an upload body as it streams: in total (the file and a thumbnail at their cap, plus
/// the form), and in what is read but not yet written to disk — the multipart parser buffers
/// text fields and whatever precedes a boundary, and that must stay small whatever the body.
#[derive(Clone)]
struct BodyBudget {
    read: Arc<AtomicU64>,
    stored: Arc<AtomicU64>,
    exceeded: Arc<AtomicBool>,
    total: u64,
}

/// The body went over its budget.
#[derive(Debug)]
struct OverBudget;

impl std::fmt::Display for OverBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upload body over its limit")
    }
}

impl std::error::Error for OverBudget {}

impl BodyBudget {
    fn new(file_cap: u64) -> Self {
        Self {
            read: Arc::default(),
            stored: Arc::default(),
            exceeded: Arc::default(),
            total: file_cap
                .saturating_mul(2)
                .saturating_add(FORM_OVERHEAD as u64),
        }
    }

    fn wrap(&self, body: Body) -> Body {
        use futures_util::StreamExt;
        let budget = self.clone();
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let chunk = chunk?;
            let read =
                budget.read.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            // What was read before this chunk and never reached the disk: the parser's
            // buffer. (One chunk is bounded by the transport; their pile-up is what we stop.)
            let pending =
                (read - chunk.len() as u64).saturating_sub(budget.stored.load(Ordering::Relaxed));
            if read > budget.total || pending > FORM_OVERHEAD as u64 {
                budget.exceeded.store(true, Ordering::Relaxed);
                return Err(axum::Error::new(OverBudget));
            }
            Ok(chunk)
        }))
    }

    /// `n` more bytes went to disk.
    fn stored(&self, n: usize) {
        self.stored.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn error(&self, e: axum::extract::multipart::MultipartError) -> ApiError {
        if self.exceeded.load(Ordering::Relaxed) || e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(format!("Invalid multipart body: {}", e.body_text()))
        }
    }
}

async fn upload(
    state: AppState,
    viewer: bonsai_service::Viewer,
    req: Request,
    wait: bool,
) -> ApiResult<Response> {
    let mut up: Upload = state.services.begin_upload(&viewer).await?;
    let is_multipart = is_multipart(&req);
    if is_multipart {
        for (name, text) in stream_form(&state, req, &mut up, FILE_PARTS).await? {
            match name.as_str() {
                "description" => up.description = Some(text),
                "focus" => up.focus = Some(text),
                _ => {}
            }
        }
    }
    let m = state.services.create_media(&viewer, up, wait).await?;
    let status = if m.processing == Processing::Queued {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(MediaAttachment::new(&m))).into_response())
}

/// The file parts of a media upload form.
const FILE_PARTS: &[(&str, Part)] = &[("file", Part::File), ("thumbnail", Part::Thumbnail)];

/// Streams a multipart form: the parts named in `files` go to `up` on disk (capped), the other
/// fields come back as text (each bounded, all within the body's budget).
pub(crate) async fn stream_form(
    state: &AppState,
    req: Request,
    up: &mut Upload,
    files: &[(&str, Part)],
) -> ApiResult<Vec<(String, String)>> {
    let budget = BodyBudget::new(up.cap());
    let req = req.map(|b| budget.wrap(b));
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Invalid multipart body: {e}")))?;
    let fail = |e: axum::extract::multipart::MultipartError| budget.error(e);
    let mut fields = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(fail)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some((_, part)) = files.iter().find(|(n, _)| *n == name) {
            while let Some(chunk) = field.chunk().await.map_err(fail)? {
                up.write(*part, &chunk).await?;
                budget.stored(chunk.len());
            }
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(fail)? {
            if text.len() + chunk.len() > MAX_TEXT_FIELD {
                return Err(ApiError::PayloadTooLarge);
            }
            text.extend_from_slice(&chunk);
        }
        fields.push((name, String::from_utf8_lossy(&text).replace('\0', "")));
    }
    Ok(fields)
}

/// Whether `req` carries a multipart form.
pub(crate) fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn rendered(m: &bonsai_core::model::MediaAttachment) -> Response {
    // 206 while processing, as Mastodon says "not yet".
    let status = if m.processing == Processing::Queued {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    (status, Json(MediaAttachment::new(m))).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let m = state.services.get_media(&viewer, path_id(&id)?).await?;
    Ok(rendered(&m))
}

pub async fn update(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Response> {
    let update = MediaUpdate {
        description: p.string("description")?,
        focus: p.string("focus")?,
    };
    let m = state
        .services
        .update_media(&viewer, path_id(&id)?, update)
        .await?;
    Ok(rendered(&m))
}

pub async fn delete(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    state.services.delete_media(&viewer, path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// A single `bytes=` range of a file of `len` bytes: `Some(Ok((start, end_inclusive)))`,
/// `Some(Err(()))` when unsatisfiable, `None` when absent or not one we handle (then the whole
/// file is sent, which HTTP allows).
fn byte_range(headers: &HeaderMap, len: u64) -> Option<Result<(u64, u64), ()>> {
    let raw = headers.get(header::RANGE)?.to_str().ok()?.trim();
    let spec = raw.strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        // The last `b` bytes.
        let n: u64 = b.parse().ok()?;
        if n == 0 || len == 0 {
            return Some(Err(()));
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end: u64 = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(len.saturating_sub(1))
        };
        if start >= len || end < start {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(range))
}

/// `GET /system/{key}`: a stored file (only keys that exist), with `Range` support.
pub async fn serve(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let not_found =
        || (StatusCode::NOT_FOUND, Json(json!({ "error": "Not Found" }))).into_response();
    let Some((path, content_type)) = state.services.media_file(&key) else {
        return not_found();
    };
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return not_found();
    };
    let Ok(len) = file.metadata().await.map(|m| m.len()) else {
        return not_found();
    };
    let (status, start, end) = match byte_range(&headers, len) {
        Some(Err(())) => {
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
        Some(Ok((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e),
        None => (StatusCode::OK, 0, len.saturating_sub(1)),
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    if start > 0 {
        use tokio::io::AsyncSeekExt;
        if file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
            return not_found();
        }
    }
    // Read in bounded chunks: a large video never sits in memory whole.
    let stream = futures_util::stream::unfold((file, count), |(mut file, left)| async move {
        use tokio::io::AsyncReadExt;
        if left == 0 {
            return None;
        }
        let want = usize::try_from(left)
            .unwrap_or(SERVE_CHUNK)
            .min(SERVE_CHUNK);
        let mut buf = vec![0u8; want];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from(buf)),
                    (file, left - n as u64),
                ))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    let mut res = Response::new(Body::from_stream(stream));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
        let mut h = HeaderMap::new();
        h.insert(
            header::RANGE,
            HeaderValue::from_str(v).expect("a header value"),
        );
        byte_range(&h, len)
    }

    #[test]
    fn ranges_as_players_send_them() {
        assert_eq!(range("bytes=0-99", 1000), Some(Ok((0, 99))));
        assert_eq!(range("bytes=900-", 1000), Some(Ok((900, 999))));
        assert_eq!(range("bytes=-100", 1000), Some(Ok((900, 999))));
        assert_eq!(range("bytes=0-5000", 1000), Some(Ok((0, 999))));
        assert_eq!(range("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(range("bytes=0-1,5-6", 1000), None);
        assert_eq!(range("items=0-1", 1000), None);
    }
}
