//! Shared helpers for the media tests: a self-deleting scratch directory, generated inputs,
//! and the ffmpeg gate.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bonsai_media::{Limits, Processor};

pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "bonsai-media-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Files in the directory, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .expect("read scratch")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A colourful test picture (so blurhashes are not trivial).
pub fn picture(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

pub fn write_image(path: &Path, img: &image::DynamicImage, format: image::ImageFormat) {
    img.save_with_format(path, format)
        .expect("write test image");
}

/// Image dimensions and format as decoded back from a file.
pub fn read_back(path: &Path) -> (image::ImageFormat, u32, u32) {
    let reader = image::ImageReader::open(path)
        .expect("open")
        .with_guessed_format()
        .expect("guess");
    let format = reader.format().expect("known format");
    let img = reader.decode().expect("decodes");
    (format, img.width(), img.height())
}

pub fn no_ffmpeg() -> Processor {
    Processor::with_tools(Limits::default(), None, None)
}

/// ffmpeg is installed on this machine and CI; a machine without it skips loudly, unless
/// `BONSAI_REQUIRE_FFMPEG=1`, which turns the skip into a failure.
pub fn require_ffmpeg(test: &str) -> bool {
    let found = Path::new("/usr/bin/ffmpeg").exists() || which("ffmpeg");
    if !found {
        if std::env::var("BONSAI_REQUIRE_FFMPEG").as_deref() == Ok("1") {
            panic!("{test}: ffmpeg is required (BONSAI_REQUIRE_FFMPEG=1) but not installed");
        }
        eprintln!("\n!!!!! SKIPPED {test}: ffmpeg/ffprobe not installed !!!!!\n");
    }
    found
}

fn which(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).exists()))
}

/// Runs ffmpeg to generate a test input; panics with its stderr on failure.
pub fn ffmpeg_make(args: &[&str]) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ffprobe -show_streams -show_format` as JSON.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

/// Peak resident set size of this process so far, from /proc/self/status (KiB).
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
