//! The `media` scenario's uploaders: people posting photos and videos while the rest of the
//! instance keeps reading timelines. Each uploader loops until the workload ends: upload through
//! `POST /api/v2/media` (Mastodon's async endpoint: 200 when processed on the spot, 202 while a
//! video is still being transcoded), poll `GET /api/v1/media/:id` until it is ready, then post a
//! status with it. What matters is what this costs the server: its RSS (and its ffmpeg
//! children's, sampled separately), and whether timeline reads stay fast meanwhile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::hist::Histogram;
use crate::http::{Client, Request};
use crate::stats::{Outcome, Stats};

const UPLOAD: [&str; 2] = ["POST /api/v2/media (image)", "POST /api/v2/media (video)"];
const POLL: &str = "GET /api/v1/media/:id";
const POST: &str = "POST /api/v1/statuses (with media)";
/// Between two polls of a media attachment still being processed.
const POLL_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Image,
    Video,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
        }
    }
}

#[derive(Clone, Debug)]
pub struct MediaOptions {
    pub image_uploaders: usize,
    pub video_uploaders: usize,
    pub image: PathBuf,
    pub video: PathBuf,
    /// Upper bound on one upload plus its processing.
    pub deadline: Duration,
    pub duration: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub uploaders: usize,
    pub file: String,
    pub file_bytes: u64,
    pub uploads: u64,
    /// Answered 202 (processing in the background).
    pub accepted_async: u64,
    pub ready: u64,
    pub failed: u64,
    pub posted: u64,
    /// From the start of the upload to the attachment being ready (processed), seconds.
    pub ready_s_p50: Option<f64>,
    pub ready_s_p99: Option<f64>,
    pub ready_s_max: Option<f64>,
    /// What the server reported of the processed file (`meta.original`), first upload.
    pub processed_meta: Option<Value>,
    pub first_failure: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaReport {
    pub kinds: Vec<KindReport>,
    /// Peak RSS of the server's child processes (ffmpeg) during the workload, MiB.
    pub peak_children_rss_mib: Option<f64>,
}

struct Tally {
    uploads: u64,
    accepted_async: u64,
    ready: u64,
    failed: u64,
    posted: u64,
    ready_time: Histogram,
    processed_meta: Option<Value>,
    first_failure: Option<String>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            uploads: 0,
            accepted_async: 0,
            ready: 0,
            failed: 0,
            posted: 0,
            ready_time: Histogram::new(),
            processed_meta: None,
            first_failure: None,
        }
    }

    fn fail(&mut self, what: String) {
        self.failed += 1;
        self.first_failure.get_or_insert(what);
    }
}

/// The photo and the video to upload: the given files, or ones made once with ffmpeg in
/// `dir` (a 12-megapixel JPEG with sensor-like noise, as phones take them, and 15 s of 1080p30
/// HEVC with AAC sound in a QuickTime file, as iPhones record by default: a server must
/// transcode it for browsers, which is the expensive case; H.264 is merely remuxed).
pub async fn inputs(
    dir: &Path,
    image: Option<PathBuf>,
    video: Option<PathBuf>,
) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let image = match image {
        Some(p) => p,
        None => {
            let p = dir.join("photo-4032x3024.jpg");
            make(
                &p,
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=4032x3024:rate=1",
                    "-vf",
                    "noise=alls=20:allf=t",
                    "-frames:v",
                    "1",
                    "-q:v",
                    "2",
                ],
            )
            .await?;
            p
        }
    };
    let video = match video {
        Some(p) => p,
        None => {
            let p = dir.join("video-hevc-1080p-15s.mov");
            make(
                &p,
                &[
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc2=size=1920x1080:rate=30:duration=15",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440:duration=15",
                    "-vf",
                    "noise=alls=8:allf=t",
                    "-c:v",
                    "libx265",
                    "-preset",
                    "ultrafast",
                    "-crf",
                    "26",
                    "-tag:v",
                    "hvc1",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-shortest",
                ],
            )
            .await?;
            p
        }
    };
    for p in [&image, &video] {
        if !p.is_file() {
            return Err(format!("{}: no such file", p.display()));
        }
    }
    Ok((image, video))
}

async fn make(out: &Path, args: &[&str]) -> Result<(), String> {
    if out.is_file() {
        return Ok(());
    }
    eprintln!("making {} with ffmpeg …", out.display());
    let partial = out.with_extension(format!(
        "partial.{}",
        out.extension().and_then(|e| e.to_str()).unwrap_or("bin")
    ));
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .arg(&partial)
        .status()
        .await
        .map_err(|e| {
            format!("ffmpeg: {e} (install ffmpeg, or give --media-image and --media-video)")
        })?;
    if !status.success() {
        return Err(format!("ffmpeg could not make {}: {status}", out.display()));
    }
    std::fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))
}

/// Runs the uploaders until `opts.duration` has passed (an upload in progress then finishes,
/// within `opts.deadline`) or `stop` is set.
pub async fn run(
    client: Arc<Client>,
    tokens: Vec<String>,
    opts: MediaOptions,
    stats: Stats,
    stop: watch::Receiver<bool>,
) -> Result<MediaReport, String> {
    if tokens.is_empty() {
        return Err("no users to upload as".into());
    }
    let files = [
        (Kind::Image, read(&opts.image)?, mime(&opts.image)),
        (Kind::Video, read(&opts.video)?, mime(&opts.video)),
    ];
    let tallies: BTreeMap<Kind, Arc<Mutex<Tally>>> = [Kind::Image, Kind::Video]
        .into_iter()
        .map(|k| (k, Arc::new(Mutex::new(Tally::new()))))
        .collect();
    let end = Instant::now() + opts.duration;
    let mut tasks = Vec::new();
    let mut n = 0usize;
    for (kind, bytes, content_type) in &files {
        let uploaders = match kind {
            Kind::Image => opts.image_uploaders,
            Kind::Video => opts.video_uploaders,
        };
        let bytes = Arc::new(bytes.clone());
        for _ in 0..uploaders {
            let up = Uploader {
                client: client.clone(),
                token: tokens[n % tokens.len()].clone(),
                kind: *kind,
                bytes: bytes.clone(),
                content_type,
                tally: tallies[kind].clone(),
                stats: stats.clone(),
                deadline: opts.deadline,
                stop: stop.clone(),
            };
            n += 1;
            tasks.push(tokio::spawn(async move { up.run(end).await }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let kinds = files
        .iter()
        .map(|(kind, bytes, _)| {
            let t = tallies[kind].lock().unwrap_or_else(|p| p.into_inner());
            let secs = |q: Option<f64>| {
                (t.ready_time.count() > 0).then(|| {
                    q.map_or(t.ready_time.max(), |q| t.ready_time.quantile(q)) as f64 / 1e6
                })
            };
            KindReport {
                uploaders: match kind {
                    Kind::Image => opts.image_uploaders,
                    Kind::Video => opts.video_uploaders,
                },
                file: match kind {
                    Kind::Image => opts.image.display().to_string(),
                    Kind::Video => opts.video.display().to_string(),
                },
                file_bytes: bytes.len() as u64,
                uploads: t.uploads,
                accepted_async: t.accepted_async,
                ready: t.ready,
                failed: t.failed,
                posted: t.posted,
                ready_s_p50: secs(Some(0.5)),
                ready_s_p99: secs(Some(0.99)),
                ready_s_max: secs(None),
                processed_meta: t.processed_meta.clone(),
                first_failure: t.first_failure.clone(),
            }
        })
        .collect();
    Ok(MediaReport {
        kinds,
        peak_children_rss_mib: None,
    })
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn mime(p: &Path) -> &'static str {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4" | "m4v") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mov") => "video/quicktime",
        _ => "application/octet-stream",
    }
}

struct Uploader {
    client: Arc<Client>,
    token: String,
    kind: Kind,
    bytes: Arc<Vec<u8>>,
    content_type: &'static str,
    tally: Arc<Mutex<Tally>>,
    stats: Stats,
    deadline: Duration,
    stop: watch::Receiver<bool>,
}

impl Uploader {
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run(self, end: Instant) {
        let mut round = 0u64;
        while Instant::now() < end && !*self.stop.borrow() {
            round += 1;
            let started = Instant::now();
            match tokio::time::timeout(self.deadline, self.once(round, started)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    self.tally().fail(e);
                    // Don't hammer a server that refuses.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(_) => self.tally().fail(format!(
                    "not ready within {:.0} s",
                    self.deadline.as_secs_f64()
                )),
            }
        }
    }

    async fn once(&self, round: u64, started: Instant) -> Result<(), String> {
        let endpoint = UPLOAD[self.kind as usize];
        let (content_type, body) = multipart(
            self.kind.name(),
            self.content_type,
            &self.bytes,
            &format!("bench {} upload {round}", self.kind.name()),
        );
        self.tally().uploads += 1;
        let t = Instant::now();
        let res = self
            .client
            .send(&Request {
                method: "POST",
                path: "/api/v2/media",
                token: Some(&self.token),
                body: Some((&content_type, body)),
                headers: &[],
            })
            .await;
        let res = self.recorded(endpoint, t, res)?;
        let mut media = res.json().ok_or("the upload's answer is not JSON")?;
        if res.status == 202 {
            self.tally().accepted_async += 1;
        }
        let id = media
            .get("id")
            .and_then(Value::as_str)
            .ok_or("the upload's answer has no id")?
            .to_string();
        // 202, or a 200 whose `url` is still null: poll until the file is there.
        while media.get("url").is_none_or(Value::is_null) {
            tokio::time::sleep(POLL_EVERY).await;
            let t = Instant::now();
            let path = format!("/api/v1/media/{id}");
            let res = self.client.get(&path, Some(&self.token)).await;
            let res = self.recorded(POLL, t, res)?;
            if res.status == 200 {
                media = res.json().ok_or("the media's answer is not JSON")?;
            }
        }
        {
            let mut tally = self.tally();
            tally.ready += 1;
            tally
                .ready_time
                .record(started.elapsed().as_micros() as u64);
            if tally.processed_meta.is_none() {
                tally.processed_meta = media.pointer("/meta/original").cloned();
            }
        }
        let t = Instant::now();
        let res = self
            .client
            .form(
                "POST",
                "/api/v1/statuses",
                Some(&self.token),
                &[
                    ("status", &format!("bench: a {} #media", self.kind.name())),
                    ("media_ids[]", &id),
                    ("visibility", "public"),
                ],
            )
            .await;
        self.recorded(POST, t, res)?;
        self.tally().posted += 1;
        Ok(())
    }

    /// Records the request in the per-endpoint figures; a non-2xx answer is an error.
    fn recorded(
        &self,
        endpoint: &'static str,
        t: Instant,
        res: Result<crate::http::Response, crate::http::HttpError>,
    ) -> Result<crate::http::Response, String> {
        let latency = t.elapsed();
        match res {
            Ok(r) => {
                self.stats
                    .record(endpoint, latency, Outcome::Status(r.status));
                if r.ok() {
                    Ok(r)
                } else {
                    self.stats.note_error(endpoint, &r.body_snippet());
                    Err(format!("{endpoint}: {} {}", r.status, r.body_snippet()))
                }
            }
            Err(e) => {
                self.stats.record(
                    endpoint,
                    latency,
                    Outcome::Failed(e.label(), &e.to_string()),
                );
                Err(format!("{endpoint}: {e}"))
            }
        }
    }
}

/// A `multipart/form-data` body with the file and its description, as apps send it.
fn multipart(name: &str, content_type: &str, bytes: &[u8], description: &str) -> (String, Vec<u8>) {
    let boundary = "----bonsai-bench-7d3f9a1c2b";
    let ext = match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "video/mp4" => "mp4",
        _ => "bin",
    };
    let mut body = Vec::with_capacity(bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{description}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.{ext}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn markdown(md: &mut String, m: &MediaReport) {
    use std::fmt::Write;
    let _ = writeln!(
        md,
        "\n## Media uploads\n\n| | uploaders | file | uploads | 202 | ready | failed | posted | ready p50 | ready p99 | ready max |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let s = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1} s"));
    for k in &m.kinds {
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} MiB | {} | {} | {} | {} | {} | {} | {} | {} |",
            if k.file.contains("video") || k.file.ends_with(".mp4") {
                "video"
            } else {
                "image"
            },
            k.uploaders,
            k.file_bytes as f64 / 1_048_576.0,
            k.uploads,
            k.accepted_async,
            k.ready,
            k.failed,
            k.posted,
            s(k.ready_s_p50),
            s(k.ready_s_p99),
            s(k.ready_s_max),
        );
    }
    for k in &m.kinds {
        if let Some(meta) = &k.processed_meta {
            let _ = writeln!(md, "\n- processed `{}`: `{meta}`", k.file);
        }
        if let Some(f) = &k.first_failure {
            let _ = writeln!(md, "- first failure (`{}`): {f}", k.file);
        }
    }
    if let Some(c) = m.peak_children_rss_mib {
        let _ = writeln!(
            md,
            "- peak RSS of the server's child processes (ffmpeg), sampled once a second: {c:.1} MiB"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_has_the_file_and_the_description() {
        let (ct, body) = multipart("image", "image/jpeg", b"\xff\xd8JPEG", "a cat");
        let boundary = ct.split("boundary=").nth(1).unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"description\"\r\n\r\na cat\r\n"));
        assert!(text.contains("filename=\"image.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        assert!(body.windows(6).any(|w| w == b"\xff\xd8JPEG"));
    }
}
