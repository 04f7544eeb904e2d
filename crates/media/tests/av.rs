//! Audio/video processing with the real ffmpeg/ffprobe. Skipped loudly without ffmpeg, and
//! failing instead when `BONSAI_REQUIRE_FFMPEG=1` (CI).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use bonsai_media::{Limits, MediaError, MediaKind, Processor};
use common::{ffmpeg_make, ffprobe, require_ffmpeg, Scratch};

macro_rules! need_ffmpeg {
    ($name:expr) => {
        if !require_ffmpeg($name) {
            return;
        }
    };
}

/// A `secs`-long test pattern at `size`/`rate`, with a 440 Hz tone if `audio`, tagged with a
/// title we can look for after processing. H.264 (x264 `ultrafast`) unless `codec` says.
fn make_video(path: &Path, size: &str, rate: u32, secs: f64, audio: bool) {
    make_video_with(path, size, rate, secs, audio, "libx264");
}

fn make_video_with(path: &Path, size: &str, rate: u32, secs: f64, audio: bool, codec: &str) {
    let video = format!("testsrc=size={size}:rate={rate}:duration={secs}");
    let tone = format!("sine=frequency=440:duration={secs}");
    let mut args = vec!["-f", "lavfi", "-i", &video];
    if audio {
        args.extend(["-f", "lavfi", "-i", &tone, "-c:a", "aac"]);
    }
    args.extend(["-c:v", codec]);
    if codec == "libx264" {
        args.extend(["-preset", "ultrafast"]);
    }
    args.extend(["-pix_fmt", "yuv420p", "-metadata", "title=SECRETTITLE"]);
    let out = path.to_string_lossy();
    args.push(&out);
    ffmpeg_make(&args);
}

fn contains(path: &Path, needle: &[u8]) -> bool {
    std::fs::read(path)
        .expect("read")
        .windows(needle.len())
        .any(|w| w == needle)
}

/// Top-level MP4 boxes in order.
fn mp4_boxes(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("read");
    let mut at = 0usize;
    let mut names = Vec::new();
    while at + 8 <= bytes.len() {
        let size =
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        names.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        if size < 8 {
            break;
        }
        at += size;
    }
    names
}

/// x264 writes its settings into the stream ("options: cabac=… subme=…"): equal settings mean
/// the video bitstream was copied, different ones that we encoded it.
fn x264_options(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).expect("read");
    let at = bytes.windows(9).position(|w| w == b"options: ")?;
    let end = bytes[at..]
        .iter()
        .position(|b| *b == 0)
        .map_or(bytes.len(), |e| at + e);
    Some(String::from_utf8_lossy(&bytes[at..end]).into_owned())
}

fn processor() -> Processor {
    Processor::new(Limits::default())
}

#[tokio::test]
async fn video_is_transcoded_to_faststart_h264_with_a_preview() {
    need_ffmpeg!("video_is_transcoded_to_faststart_h264_with_a_preview");
    let dir = Scratch::new("video");
    let input = dir.path("upload.mp4");
    // MPEG-4 Part 2: not H.264, so it must be transcoded.
    make_video_with(&input, "1280x720", 30, 2.0, true, "mpeg4");
    assert!(contains(&input, b"SECRETTITLE"));
    let p = processor();
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Video);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Video);
    assert_eq!(
        (out.content_type.as_str(), out.extension),
        ("video/mp4", "mp4")
    );
    assert_eq!(
        (out.original.width, out.original.height),
        (Some(1280), Some(720))
    );
    assert!(
        out.original.duration.is_some_and(|d| (d - 2.0).abs() < 0.1),
        "{:?}",
        out.original
    );
    assert_eq!(out.original.frame_rate.as_deref(), Some("30/1"));
    assert!(out.original.bitrate.is_some_and(|b| b > 0));
    assert_eq!(
        out.size_bytes,
        std::fs::metadata(&out.file_path).expect("meta").len()
    );

    let probe = ffprobe(&out.file_path);
    let streams = probe["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 2);
    assert_eq!(streams[0]["codec_name"], "h264");
    assert_eq!(streams[0]["pix_fmt"], "yuv420p");
    assert_eq!(streams[1]["codec_name"], "aac");
    let boxes = mp4_boxes(&out.file_path);
    let pos = |n: &str| boxes.iter().position(|b| b == n);
    assert!(
        pos("moov") < pos("mdat") && pos("moov").is_some(),
        "faststart: {boxes:?}"
    );
    assert!(
        !contains(&out.file_path, b"SECRETTITLE"),
        "metadata dropped"
    );

    let small = out.small.expect("small");
    assert_eq!((small.width, small.height), (Some(640), Some(360)));
    let thumb = out.thumbnail_path.expect("thumb");
    assert_eq!(
        common::read_back(&thumb),
        (image::ImageFormat::Jpeg, 640, 360)
    );
    assert_eq!(out.blurhash.map(|b| b.len()), Some(36));
    // Only our outputs are left in the work dir (the extracted frame is gone).
    assert_eq!(dir.files().len(), 3, "{:?}", dir.files());
}

#[tokio::test]
async fn h264_aac_within_limits_passes_through_without_reencoding() {
    need_ffmpeg!("h264_aac_within_limits_passes_through_without_reencoding");
    let dir = Scratch::new("passthrough");
    let input = dir.path("upload.mov");
    make_video(&input, "640x480", 25, 1.0, true);
    let out = processor().process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Video);
    assert_eq!(
        (out.original.width, out.original.height),
        (Some(640), Some(480))
    );
    let options = x264_options(&input).expect("x264 options in input");
    assert_eq!(
        x264_options(&out.file_path),
        Some(options),
        "bitstream copied"
    );
    assert!(
        !contains(&out.file_path, b"SECRETTITLE"),
        "metadata dropped"
    );
    let boxes = mp4_boxes(&out.file_path);
    let pos = |n: &str| boxes.iter().position(|b| b == n);
    assert!(
        pos("moov") < pos("mdat") && pos("moov").is_some(),
        "faststart: {boxes:?}"
    );
    assert!(out.thumbnail_path.is_some() && out.blurhash.is_some());
}

/// A phone's portrait video: stored 320x240 with a display matrix turning it a quarter.
#[tokio::test]
async fn rotated_video_reports_displayed_dimensions() {
    need_ffmpeg!("rotated_video_reports_displayed_dimensions");
    let dir = Scratch::new("rotated");
    let plain = dir.path("plain.mp4");
    make_video(&plain, "320x240", 25, 1.0, true);
    for (name, codec_copy) in [("h264.mp4", true), ("mpeg4.mp4", false)] {
        let input = dir.path(name);
        let source = if codec_copy {
            plain.clone()
        } else {
            let m = dir.path("plain-mpeg4.mp4");
            make_video_with(&m, "320x240", 25, 1.0, true, "mpeg4");
            m
        };
        ffmpeg_make(&[
            "-i",
            &source.to_string_lossy(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
            &input.to_string_lossy(),
        ]);
        let out = processor().process(&input, &dir.0).await.expect("process");
        assert_eq!(
            (out.original.width, out.original.height),
            (Some(240), Some(320)),
            "{name}"
        );
        let small = out.small.expect("small");
        assert_eq!(
            (small.width, small.height),
            (Some(240), Some(320)),
            "{name}"
        );
    }
}

#[tokio::test]
async fn mp3_cover_art_is_not_a_video() {
    need_ffmpeg!("mp3_cover_art_is_not_a_video");
    let dir = Scratch::new("cover");
    let cover = dir.path("cover.png");
    common::write_image(
        &cover,
        &image::DynamicImage::ImageRgb8(common::picture(64, 64)),
        image::ImageFormat::Png,
    );
    let input = dir.path("song.mp3");
    ffmpeg_make(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=330:duration=1",
        "-i",
        &cover.to_string_lossy(),
        "-map",
        "0",
        "-map",
        "1",
        "-c:a",
        "libmp3lame",
        "-c:v",
        "mjpeg",
        "-disposition:v",
        "attached_pic",
        &input.to_string_lossy(),
    ]);
    let p = processor();
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Audio);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Audio);
    let probe = ffprobe(&out.file_path);
    assert_eq!(
        probe["streams"].as_array().map(Vec::len),
        Some(1),
        "cover art dropped"
    );
}

#[tokio::test]
async fn big_fast_silent_video_is_downscaled_capped_and_gifv() {
    need_ffmpeg!("big_fast_silent_video_is_downscaled_capped_and_gifv");
    let dir = Scratch::new("bigvideo");
    let input = dir.path("upload.mp4");
    make_video(&input, "2560x1440", 120, 0.5, false);
    let out = processor().process(&input, &dir.0).await.expect("process");
    // Mastodon: a video without an audio track is a gifv.
    assert_eq!(out.kind, MediaKind::Gifv);
    let (w, h) = (
        out.original.width.expect("w"),
        out.original.height.expect("h"),
    );
    assert!(u64::from(w) * u64::from(h) <= 2_304_000, "{w}x{h}");
    assert!(w % 2 == 0 && h % 2 == 0);
    assert!(
        (f64::from(w) / f64::from(h) - 16.0 / 9.0).abs() < 0.01,
        "{w}x{h}"
    );
    assert_eq!((w, h), (2022, 1138));
    assert_eq!(out.original.frame_rate.as_deref(), Some("60/1"));
    assert_ne!(
        x264_options(&out.file_path),
        x264_options(&input),
        "re-encoded"
    );
    let probe = ffprobe(&out.file_path);
    assert_eq!(probe["streams"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn audio_becomes_mp3_without_tags() {
    need_ffmpeg!("audio_becomes_mp3_without_tags");
    let dir = Scratch::new("audio");
    let input = dir.path("upload.wav");
    ffmpeg_make(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=2",
        "-metadata",
        "title=SECRETTITLE",
        &input.to_string_lossy(),
    ]);
    let p = processor();
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Audio);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Audio);
    assert_eq!(
        (out.content_type.as_str(), out.extension),
        ("audio/mpeg", "mp3")
    );
    assert!(
        out.original.duration.is_some_and(|d| (d - 2.0).abs() < 0.1),
        "{:?}",
        out.original
    );
    assert!(out.original.bitrate.is_some_and(|b| b > 0));
    assert_eq!(out.original.width, None);
    assert!(out.thumbnail_path.is_none() && out.small.is_none() && out.blurhash.is_none());
    assert_eq!(ffprobe(&out.file_path)["streams"][0]["codec_name"], "mp3");
    assert!(!contains(&out.file_path, b"SECRETTITLE"));
}

#[tokio::test]
async fn timeout_kills_ffmpeg() {
    need_ffmpeg!("timeout_kills_ffmpeg");
    let dir = Scratch::new("timeout");
    let input = dir.path("slow-input-for-timeout.mp4");
    // MPEG-4 Part 2, so it is transcoded (an H.264 file would only be remuxed, in milliseconds).
    make_video_with(&input, "1920x1080", 30, 4.0, true, "mpeg4");
    let limits = Limits {
        ffmpeg_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let started = Instant::now();
    let err = Processor::new(limits)
        .process(&input, &dir.0)
        .await
        .expect_err("times out");
    assert!(matches!(err, MediaError::Timeout), "{err:?}");
    assert!(!err.is_client_error());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The child is gone (killed and reaped), not left running on the input.
    let needle = input.to_string_lossy().into_owned();
    let survivors: Vec<String> = std::fs::read_dir("/proc")
        .expect("proc")
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect();
    assert!(survivors.is_empty(), "still running: {survivors:?}");
    assert!(
        dir.files().iter().all(|f| f.starts_with("slow-input")),
        "{:?}",
        dir.files()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ffmpeg_runs_at_a_lower_priority_than_the_server() {
    need_ffmpeg!("ffmpeg_runs_at_a_lower_priority_than_the_server");
    let dir = Scratch::new("nice");
    let input = dir.path("niceness-probe-input.mp4");
    // Transcoded (MPEG-4 Part 2), so ffmpeg runs long enough to be looked at.
    make_video_with(&input, "1920x1080", 30, 3.0, true, "mpeg4");
    let (p, path, out) = (processor(), input.clone(), dir.0.clone());
    let work = tokio::spawn(async move { p.process(&path, &out).await });
    let needle = input.to_string_lossy().into_owned();
    let own = nice_of("self").expect("own niceness");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline && !work.is_finished() {
        for e in std::fs::read_dir("/proc")
            .expect("proc")
            .filter_map(|e| e.ok())
        {
            let pid = e.file_name().to_string_lossy().into_owned();
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(&needle) && !cmdline.starts_with("/bin/sh") {
                if let Some(n) = nice_of(&pid) {
                    seen.push((cmdline.chars().take(40).collect::<String>(), n));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    work.await.expect("join").expect("process");
    seen.sort();
    seen.dedup();
    assert!(!seen.is_empty(), "never saw ffprobe/ffmpeg running");
    assert!(
        seen.iter().all(|(_, n)| *n == own + 10),
        "expected niceness {}: {seen:?}",
        own + 10
    );
}

/// The nice value of a process (`/proc/PID/stat` field 19), `pid` may be `self`.
fn nice_of(pid: &str) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(16)?.parse().ok()
}

#[tokio::test]
async fn memory_limit_makes_ffmpeg_fail_cleanly() {
    need_ffmpeg!("memory_limit_makes_ffmpeg_fail_cleanly");
    let dir = Scratch::new("memory");
    let input = dir.path("upload.mp4");
    make_video(&input, "640x360", 30, 1.0, true);
    let limits = Limits {
        ffmpeg_memory: 16 * 1024 * 1024,
        ..Limits::default()
    };
    let started = Instant::now();
    let err = Processor::new(limits)
        .process(&input, &dir.0)
        .await
        .expect_err("fails");
    assert!(
        matches!(err, MediaError::TooLarge(ref m) if m.contains("memory")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // The same file passes with the default limit.
    processor()
        .process(&input, &dir.0)
        .await
        .expect("default limit suffices");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ffmpeg_semaphore_bounds_concurrency() {
    need_ffmpeg!("ffmpeg_semaphore_bounds_concurrency");
    let dir = Scratch::new("ffsem");
    let input = dir.path("upload.mp4");
    make_video(&input, "320x240", 30, 1.0, true);
    let p = processor();
    assert_eq!(p.limits().ffmpeg_concurrency, 1);
    let jobs: Vec<_> = (0..3)
        .map(|_| {
            let (p, input, out) = (p.clone(), input.clone(), dir.0.clone());
            tokio::spawn(async move { p.process(&input, &out).await })
        })
        .collect();
    for j in jobs {
        assert_eq!(
            j.await.expect("join").expect("process").kind,
            MediaKind::Video
        );
    }
    let stats = p.stats();
    assert_eq!(stats.ffmpeg_peak, 1, "{stats:?}");
    assert_eq!(stats.ffmpeg_in_flight, 0);
}

#[tokio::test]
async fn too_long_and_broken_inputs_are_refused() {
    need_ffmpeg!("too_long_and_broken_inputs_are_refused");
    let dir = Scratch::new("refuse");
    let input = dir.path("upload.mp4");
    make_video(&input, "320x240", 30, 2.0, true);
    let limits = Limits {
        max_video_seconds: 1.0,
        ..Limits::default()
    };
    let err = Processor::new(limits)
        .process(&input, &dir.0)
        .await
        .expect_err("too long");
    assert!(matches!(err, MediaError::TooLarge(_)), "{err:?}");

    let broken = dir.path("broken.mp4");
    let mut bytes = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41".to_vec();
    bytes.extend(std::iter::repeat_n(0x5Au8, 4000));
    std::fs::write(&broken, &bytes).expect("write");
    let err = processor()
        .process(&broken, &dir.0)
        .await
        .expect_err("broken");
    assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");
    assert!(err.is_client_error());
}

#[tokio::test]
async fn without_ffmpeg_video_is_unavailable_and_images_work() {
    need_ffmpeg!("without_ffmpeg_video_is_unavailable_and_images_work");
    let dir = Scratch::new("noff");
    let input = dir.path("upload.mp4");
    make_video(&input, "320x240", 30, 0.5, true);
    let p = common::no_ffmpeg();
    assert!(!p.ffmpeg_available());
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Video);
    let err = p.process(&input, &dir.0).await.expect_err("unavailable");
    assert!(matches!(err, MediaError::Unavailable(_)), "{err:?}");
    assert!(processor().ffmpeg_available());
}
