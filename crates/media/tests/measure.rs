//! Figures, not assertions of behaviour: peak memory and time of the expensive paths.
//! Run with `cargo test -p bonsai-media --test measure -- --ignored --nocapture --test-threads 1`.

mod common;

use std::time::Instant;

use bonsai_media::{Limits, Processor};
use common::{ffmpeg_make, require_ffmpeg, vm_hwm_kib, Scratch};

#[tokio::test]
#[ignore = "measurement; run explicitly"]
async fn measure_4000x3000_jpeg() {
    if !require_ffmpeg("measure_4000x3000_jpeg") {
        return;
    }
    let dir = Scratch::new("measure-jpeg");
    let input = dir.path("photo.jpg");
    // Made by ffmpeg so building the input does not raise this process's high-water mark.
    ffmpeg_make(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=4000x3000",
        "-frames:v",
        "1",
        "-q:v",
        "2",
        &input.to_string_lossy(),
    ]);
    let before = vm_hwm_kib();
    let started = Instant::now();
    let out = Processor::with_tools(Limits::default(), None, None)
        .process(&input, &dir.0)
        .await
        .expect("process");
    let took = started.elapsed();
    let after = vm_hwm_kib();
    println!(
        "MEASURE jpeg 4000x3000 ({} KiB in) -> {}x{} ({} KiB) + small {:?}: VmHWM {} -> {} KiB (+{} MiB), {:?}",
        std::fs::metadata(&input).map(|m| m.len() / 1024).unwrap_or(0),
        out.original.width.unwrap_or(0),
        out.original.height.unwrap_or(0),
        out.size_bytes / 1024,
        out.small.as_ref().map(|s| (s.width, s.height)),
        before,
        after,
        (after - before) / 1024,
        took
    );
}

async fn measure_video(codec: &str) {
    let dir = Scratch::new("measure-video");
    let input = dir.path("clip.mp4");
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=30:duration=10",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=10",
        "-c:v",
        codec,
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ];
    if codec == "libx264" {
        args.extend(["-preset", "ultrafast"]);
    } else {
        args.extend(["-q:v", "3"]);
    }
    let input_arg = input.to_string_lossy().into_owned();
    args.push(&input_arg);
    ffmpeg_make(&args);
    // GNU time wraps every ffmpeg run of the real pipeline and appends its report.
    let report = dir.path("time.txt");
    let wrapper = dir.path("ffmpeg-timed");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/time -v -a -o {} /usr/bin/ffmpeg \"$@\"\n",
            report.display()
        ),
    )
    .expect("wrapper");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .expect("chmod");
    let p = Processor::with_tools(
        Limits::default(),
        Some(wrapper),
        Some("/usr/bin/ffprobe".into()),
    );
    let started = Instant::now();
    let out = p.process(&input, &dir.0).await.expect("process");
    let took = started.elapsed();
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let field = |name: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.trim_start().starts_with(name))
            .map(|l| l.rsplit(':').next().unwrap_or("").trim().to_owned())
            .collect()
    };
    println!(
        "MEASURE ffmpeg 10 s 1080p30 {codec} ({} KiB) -> {}x{} {:?}, {} KiB: total {:?}; per ffmpeg run (video, preview frame): max RSS KiB {:?}, wall {:?}, user s {:?}",
        std::fs::metadata(&input).map(|m| m.len() / 1024).unwrap_or(0),
        out.original.width.unwrap_or(0),
        out.original.height.unwrap_or(0),
        out.kind,
        out.size_bytes / 1024,
        took,
        field("Maximum resident set size"),
        field("Elapsed (wall clock) time"),
        field("User time (seconds)"),
    );
}

/// MPEG-4 Part 2 input: the full H.264 transcode.
#[tokio::test]
#[ignore = "measurement; run explicitly"]
async fn measure_ffmpeg_10s_1080p_transcode() {
    if require_ffmpeg("measure_ffmpeg_10s_1080p_transcode") {
        measure_video("mpeg4").await;
    }
}

/// H.264/AAC input within the limits: Mastodon's passthrough (remux only).
#[tokio::test]
#[ignore = "measurement; run explicitly"]
async fn measure_ffmpeg_10s_1080p_passthrough() {
    if require_ffmpeg("measure_ffmpeg_10s_1080p_passthrough") {
        measure_video("libx264").await;
    }
}
