//! ffprobe's JSON, reduced to what processing needs.

use std::ffi::OsString;
use std::path::Path;

use serde::Deserialize;

use super::run::{run, RunLimits};
use crate::MediaError;

/// ffprobe's JSON for even many-stream files is a few KiB; more is not a media file we want.
const PROBE_OUTPUT_CAP: usize = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
struct Raw {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Debug, Default, Deserialize)]
struct RawStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    pix_fmt: Option<String>,
    #[serde(default)]
    disposition: RawDisposition,
    #[serde(default)]
    side_data_list: Vec<RawSideData>,
    #[serde(default)]
    tags: RawTags,
}

#[derive(Debug, Default, Deserialize)]
struct RawSideData {
    rotation: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
struct RawTags {
    rotate: Option<String>,
}

impl RawStream {
    /// Phones record sideways and say so in a display matrix (older files: a `rotate` tag).
    fn quarter_turned(&self) -> bool {
        let degrees = self
            .side_data_list
            .iter()
            .find_map(|d| d.rotation)
            .or_else(|| self.tags.rotate.as_deref().and_then(|r| r.parse().ok()))
            .unwrap_or(0.0);
        (degrees.round() as i64).rem_euclid(180) == 90
    }
}

#[derive(Debug, Default, Deserialize)]
struct RawDisposition {
    #[serde(default)]
    attached_pic: u8,
}

#[derive(Debug, Default, Deserialize)]
struct RawFormat {
    format_name: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct VideoStream {
    pub codec: Option<String>,
    /// As displayed: sides swapped when the stream is to be shown a quarter turn rotated
    /// (ffmpeg applies that rotation when it decodes, so the preview is upright too).
    pub width: u32,
    pub height: u32,
    /// As ffprobe prints it, e.g. "30/1".
    pub frame_rate: Option<String>,
    pub pix_fmt: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Probe {
    /// First real video stream (cover art in audio files does not count).
    pub video: Option<VideoStream>,
    pub audio_codec: Option<String>,
    /// e.g. "mov,mp4,m4a,3gp,3g2,mj2".
    pub format_name: Option<String>,
    pub duration: Option<f64>,
    pub bitrate: Option<u64>,
}

pub(crate) async fn probe(
    ffprobe: &Path,
    input: &Path,
    limits: &RunLimits,
) -> Result<Probe, MediaError> {
    let args: Vec<OsString> = vec![
        "-hide_banner".into(),
        "-v".into(),
        "error".into(),
        "-print_format".into(),
        "json".into(),
        "-show_format".into(),
        "-show_streams".into(),
        input.into(),
    ];
    let limits = RunLimits {
        timeout: limits.timeout,
        memory_bytes: limits.memory_bytes,
        stdout_cap: PROBE_OUTPUT_CAP,
    };
    let out = run(ffprobe, &args, &limits).await?;
    parse(&out.stdout)
}

pub(crate) fn parse(json: &[u8]) -> Result<Probe, MediaError> {
    let raw: Raw = serde_json::from_slice(json)
        .map_err(|e| MediaError::Invalid(format!("unreadable ffprobe output: {e}")))?;
    let video = raw
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && s.disposition.attached_pic == 0)
        .and_then(|s| {
            let (w, h) = (s.width.filter(|w| *w > 0)?, s.height.filter(|h| *h > 0)?);
            let (width, height) = if s.quarter_turned() { (h, w) } else { (w, h) };
            Some(VideoStream {
                codec: s.codec_name.clone(),
                width,
                height,
                frame_rate: s
                    .r_frame_rate
                    .clone()
                    .filter(|r| parse_rate(r).is_some())
                    .or_else(|| s.avg_frame_rate.clone().filter(|r| parse_rate(r).is_some())),
                pix_fmt: s.pix_fmt.clone(),
            })
        });
    let audio_codec = raw
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"))
        .map(|s| s.codec_name.clone().unwrap_or_default());
    let format = raw.format.unwrap_or_default();
    Ok(Probe {
        video,
        audio_codec,
        format_name: format.format_name,
        duration: format
            .duration
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d >= 0.0),
        bitrate: format.bit_rate.and_then(|b| b.parse().ok()),
    })
}

/// "30000/1001" -> 29.97; None for "0/0" and nonsense.
pub(crate) fn parse_rate(r: &str) -> Option<f64> {
    let (n, d) = r.split_once('/').unwrap_or((r, "1"));
    let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    let v = n / d;
    (v.is_finite() && v > 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ffprobe_json_and_skips_cover_art() {
        let json = br#"{"streams":[
            {"codec_type":"video","codec_name":"mjpeg","width":500,"height":500,
             "r_frame_rate":"90000/1","disposition":{"attached_pic":1}},
            {"codec_type":"audio","codec_name":"mp3"}],
            "format":{"duration":"12.500000","bit_rate":"128000"}}"#;
        let p = parse(json).expect("parse");
        assert_eq!(p.video, None);
        assert_eq!(p.audio_codec.as_deref(), Some("mp3"));
        assert_eq!(p.duration, Some(12.5));
        assert_eq!(p.bitrate, Some(128_000));
    }

    #[test]
    fn quarter_turns_swap_the_sides() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"h264","width":1920,
            "height":1080,"r_frame_rate":"30/1",
            "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]}],
            "format":{}}"#;
        let v = parse(json).expect("parse").video.expect("video");
        assert_eq!((v.width, v.height), (1080, 1920));
        let json = br#"{"streams":[{"codec_type":"video","width":640,"height":480,
            "tags":{"rotate":"180"}}]}"#;
        let v = parse(json).expect("parse").video.expect("video");
        assert_eq!((v.width, v.height), (640, 480));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("30/1"), Some(30.0));
        assert!(parse_rate("30000/1001").is_some_and(|r| (r - 29.97).abs() < 0.01));
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("x"), None);
    }
}
