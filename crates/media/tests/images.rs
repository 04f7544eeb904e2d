//! Image processing through the public API on real files.

mod common;

use std::time::{Duration, Instant};

use bonsai_media::{Limits, MediaError, MediaKind, Processor};
use common::{no_ffmpeg, picture, read_back, write_image, Scratch};
use image::{DynamicImage, ImageFormat};

fn assert_small(p: &bonsai_media::Processed, w: u32, h: u32) {
    let small = p.small.as_ref().expect("small meta");
    let (sw, sh) = (small.width.expect("w"), small.height.expect("h"));
    assert!(u64::from(sw) * u64::from(sh) <= 230_400, "{sw}x{sh}");
    // Aspect kept to within a pixel's rounding.
    let aspect = f64::from(w) / f64::from(h);
    assert!((f64::from(sw) / f64::from(sh) - aspect).abs() < 0.02 * aspect);
    let thumb = p.thumbnail_path.as_ref().expect("thumbnail");
    assert_eq!(read_back(thumb), (ImageFormat::Jpeg, sw, sh));
    let hash = p.blurhash.as_deref().expect("blurhash");
    assert_eq!(hash.len(), 36, "4x4 components: {hash}");
    assert!(hash.starts_with('U'));
}

#[tokio::test]
async fn jpeg_round_trip() {
    let dir = Scratch::new("jpeg");
    let input = dir.path("upload.bin");
    write_image(
        &input,
        &DynamicImage::ImageRgb8(picture(1200, 800)),
        ImageFormat::Jpeg,
    );
    let p = no_ffmpeg().process(&input, &dir.0).await.expect("process");
    assert_eq!(p.kind, MediaKind::Image);
    assert_eq!(
        (p.content_type.as_str(), p.extension),
        ("image/jpeg", "jpg")
    );
    assert_eq!(
        (p.original.width, p.original.height),
        (Some(1200), Some(800))
    );
    assert_eq!(read_back(&p.file_path), (ImageFormat::Jpeg, 1200, 800));
    assert_eq!(
        p.size_bytes,
        std::fs::metadata(&p.file_path).expect("meta").len()
    );
    assert_small(&p, 1200, 800);
    assert_eq!(p.small.as_ref().and_then(|s| s.width), Some(587));
}

#[tokio::test]
async fn png_with_alpha_stays_png() {
    let dir = Scratch::new("png");
    let input = dir.path("upload.png");
    let rgba =
        image::RgbaImage::from_fn(300, 200, |x, _| image::Rgba([200, 10, 10, (x % 256) as u8]));
    write_image(&input, &DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
    let p = no_ffmpeg().process(&input, &dir.0).await.expect("process");
    assert_eq!((p.content_type.as_str(), p.extension), ("image/png", "png"));
    let back = image::open(&p.file_path).expect("decode");
    assert!(back.color().has_alpha(), "transparency kept");
    assert_eq!((back.width(), back.height()), (300, 200));
    assert_small(&p, 300, 200);
    // Small enough already: the preview keeps the size.
    assert_eq!(p.small.as_ref().and_then(|s| s.width), Some(300));
}

#[tokio::test]
async fn webp_stays_webp() {
    let dir = Scratch::new("webp");
    let input = dir.path("upload");
    write_image(
        &input,
        &DynamicImage::ImageRgb8(picture(320, 240)),
        ImageFormat::WebP,
    );
    let p = no_ffmpeg().process(&input, &dir.0).await.expect("process");
    assert_eq!(
        (p.content_type.as_str(), p.extension),
        ("image/webp", "webp")
    );
    assert_eq!(read_back(&p.file_path), (ImageFormat::WebP, 320, 240));
    assert_small(&p, 320, 240);
}

fn animated_gif(path: &std::path::Path, frames: u32) {
    let file = std::fs::File::create(path).expect("create");
    let mut enc = image::codecs::gif::GifEncoder::new(file);
    enc.set_repeat(image::codecs::gif::Repeat::Infinite)
        .expect("repeat");
    for i in 0..frames {
        let buf = image::RgbaImage::from_fn(64, 48, |x, y| {
            image::Rgba([((x + i * 20) % 256) as u8, (y * 5) as u8, 90, 255])
        });
        let frame = image::Frame::from_parts(buf, 0, 0, image::Delay::from_numer_denom_ms(100, 1));
        enc.encode_frame(frame).expect("frame");
    }
}

#[tokio::test]
async fn still_gif_becomes_png() {
    let dir = Scratch::new("gif");
    let input = dir.path("upload.gif");
    animated_gif(&input, 1);
    let p = common::no_ffmpeg();
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Image);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Image);
    assert_eq!(read_back(&out.file_path), (ImageFormat::Png, 64, 48));
    assert_small(&out, 64, 48);
}

#[tokio::test]
async fn animated_gif_without_ffmpeg_is_kept_as_a_still() {
    let dir = Scratch::new("gif-still");
    let input = dir.path("upload.gif");
    animated_gif(&input, 5);
    let p = no_ffmpeg();
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Image);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Image);
    assert_eq!(read_back(&out.file_path), (ImageFormat::Png, 64, 48));
}

#[tokio::test]
async fn animated_gif_becomes_gifv_mp4() {
    if !common::require_ffmpeg("animated_gif_becomes_gifv_mp4") {
        return;
    }
    let dir = Scratch::new("gifv");
    let input = dir.path("upload.gif");
    animated_gif(&input, 10);
    let p = Processor::new(Limits::default());
    assert_eq!(p.sniff(&input).expect("sniff"), MediaKind::Gifv);
    let out = p.process(&input, &dir.0).await.expect("process");
    assert_eq!(out.kind, MediaKind::Gifv);
    assert_eq!(
        (out.content_type.as_str(), out.extension),
        ("video/mp4", "mp4")
    );
    assert_eq!(
        (out.original.width, out.original.height),
        (Some(64), Some(48))
    );
    assert!(
        out.original.duration.is_some_and(|d| (d - 1.0).abs() < 0.2),
        "{:?}",
        out.original
    );
    let probe = common::ffprobe(&out.file_path);
    assert_eq!(probe["streams"][0]["codec_name"], "h264");
    assert_eq!(
        probe["streams"].as_array().map(Vec::len),
        Some(1),
        "no audio"
    );
    assert_small(&out, 64, 48);
}

#[tokio::test]
async fn big_originals_are_resized_to_mastodons_area() {
    let dir = Scratch::new("big");
    let input = dir.path("upload.jpg");
    write_image(
        &input,
        &DynamicImage::ImageRgb8(picture(4000, 3000)),
        ImageFormat::Jpeg,
    );
    let p = no_ffmpeg().process(&input, &dir.0).await.expect("process");
    assert_eq!(
        (p.original.width, p.original.height),
        (Some(3325), Some(2494))
    );
    assert_eq!(read_back(&p.file_path), (ImageFormat::Jpeg, 3325, 2494));
    assert_small(&p, 4000, 3000);
}

/// A JPEG with an EXIF APP1 segment written by hand: Orientation 6 (rotate 90° clockwise) and
/// a GPS IFD with a latitude ref and a map datum we can look for in the output.
fn jpeg_with_exif(plain: &[u8]) -> Vec<u8> {
    let mut tiff: Vec<u8> = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08");
    // IFD0 at 8: two entries.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]); // Orientation = 6
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]); // GPS IFD pointer
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 38);
    // GPS IFD at 38: two entries, data after it at 68.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef
    tiff.extend_from_slice(&[0x00, 0x12, 0x00, 0x02, 0, 0, 0, 12]); // GPSMapDatum
    tiff.extend_from_slice(&68u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 68);
    tiff.extend_from_slice(b"SECRETPLACE\0");

    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).expect("fits");
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

#[tokio::test]
async fn exif_orientation_applied_and_gps_stripped() {
    let dir = Scratch::new("exif");
    // Left half red, right half blue.
    let img = image::RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut plain = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut plain), ImageFormat::Jpeg)
        .expect("encode");
    let input = dir.path("upload.jpg");
    let with_exif = jpeg_with_exif(&plain);
    assert!(with_exif.windows(11).any(|w| w == b"SECRETPLACE"));
    std::fs::write(&input, &with_exif).expect("write");

    let p = no_ffmpeg().process(&input, &dir.0).await.expect("process");
    // Rotated a quarter turn clockwise: 40x20 becomes 20x40, the left (red) half on top.
    assert_eq!((p.original.width, p.original.height), (Some(20), Some(40)));
    let out = image::open(&p.file_path).expect("decode").to_rgb8();
    let top = out.get_pixel(10, 5);
    let bottom = out.get_pixel(10, 35);
    assert!(top[0] > 200 && top[2] < 60, "top should be red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom should be blue: {bottom:?}"
    );

    for path in [&p.file_path, p.thumbnail_path.as_ref().expect("thumb")] {
        let bytes = std::fs::read(path).expect("read");
        for needle in [&b"Exif"[..], b"SECRETPLACE", b"MM\0\x2A"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} still contains {:?}",
                path.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
}

/// A valid PNG signature and IHDR claiming 100000 x 100000 pixels, and nothing else.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn oversize_header_refused_without_decoding() {
    let dir = Scratch::new("oversize");
    let input = dir.path("bomb.png");
    std::fs::write(&input, png_header(100_000, 100_000)).expect("write");
    let started = Instant::now();
    let err = no_ffmpeg()
        .process(&input, &dir.0)
        .await
        .expect_err("refused");
    assert!(matches!(err, MediaError::TooLarge(_)), "{err:?}");
    assert!(err.is_client_error());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Under the side limit but over the pixel limit: our own check, from the header.
    std::fs::write(&input, png_header(12_000, 12_000)).expect("write");
    let err = no_ffmpeg()
        .process(&input, &dir.0)
        .await
        .expect_err("refused");
    assert!(
        matches!(err, MediaError::TooLarge(ref m) if m.contains("pixels")),
        "{err:?}"
    );

    // A JPEG whose SOF claims 60000 x 60000.
    let mut jpeg = Vec::new();
    DynamicImage::ImageRgb8(picture(8, 8))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .expect("encode");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    let input = dir.path("bomb.jpg");
    std::fs::write(&input, &jpeg).expect("write");
    let err = no_ffmpeg()
        .process(&input, &dir.0)
        .await
        .expect_err("refused");
    assert!(matches!(err, MediaError::TooLarge(_)), "{err:?}");
    assert!(
        dir.files().iter().all(|f| f.starts_with("bomb")),
        "no outputs left: {:?}",
        dir.files()
    );
}

#[tokio::test]
async fn truncated_and_corrupt_files_are_invalid() {
    let dir = Scratch::new("corrupt");
    let good = dir.path("good.png");
    write_image(
        &good,
        &DynamicImage::ImageRgb8(picture(200, 200)),
        ImageFormat::Png,
    );
    let bytes = std::fs::read(&good).expect("read");

    let truncated = dir.path("truncated.png");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let err = no_ffmpeg()
        .process(&truncated, &dir.0)
        .await
        .expect_err("refused");
    assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");

    let header_only = dir.path("header.png");
    std::fs::write(&header_only, &bytes[..20]).expect("write");
    let err = no_ffmpeg()
        .process(&header_only, &dir.0)
        .await
        .expect_err("refused");
    assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");

    let garbage_jpeg = dir.path("garbage.jpg");
    let mut g = vec![0xFF, 0xD8, 0xFF, 0xE0];
    g.extend(std::iter::repeat_n(0x42u8, 500));
    std::fs::write(&garbage_jpeg, &g).expect("write");
    let err = no_ffmpeg()
        .process(&garbage_jpeg, &dir.0)
        .await
        .expect_err("refused");
    assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");
    assert!(err.is_client_error());
}

#[tokio::test]
async fn text_renamed_png_is_unsupported() {
    let dir = Scratch::new("text");
    let input = dir.path("cat.png");
    std::fs::write(&input, "this is not a picture of a cat\n").expect("write");
    let p = no_ffmpeg();
    let err = p.sniff(&input).expect_err("refused");
    assert!(
        matches!(err, MediaError::Unsupported(ref t) if t == "text/plain"),
        "{err:?}"
    );
    let err = p.process(&input, &dir.0).await.expect_err("refused");
    assert_eq!(err.to_string(), "File type of text/plain is not supported");
    assert!(err.is_client_error());
    // HEIC is refused by name.
    std::fs::write(&input, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic").expect("write");
    let err = p.process(&input, &dir.0).await.expect_err("refused");
    assert!(
        matches!(err, MediaError::Unsupported(ref t) if t == "image/heic"),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn image_semaphore_bounds_concurrency() {
    let dir = Scratch::new("sem");
    let input = dir.path("upload.png");
    write_image(
        &input,
        &DynamicImage::ImageRgb8(picture(900, 900)),
        ImageFormat::Png,
    );
    let limits = Limits {
        image_concurrency: 2,
        ..Limits::default()
    };
    let p = Processor::with_tools(limits, None, None);
    let jobs: Vec<_> = (0..6)
        .map(|_| {
            let (p, input, out) = (p.clone(), input.clone(), dir.0.clone());
            tokio::spawn(async move { p.process(&input, &out).await })
        })
        .collect();
    for j in jobs {
        j.await.expect("join").expect("process");
    }
    let stats = p.stats();
    assert!((1..=2).contains(&stats.images_peak), "{stats:?}");
    assert_eq!(stats.images_in_flight, 0);

    let limits = Limits {
        image_concurrency: 1,
        ..Limits::default()
    };
    let p = Processor::with_tools(limits, None, None);
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            let (p, input, out) = (p.clone(), input.clone(), dir.0.clone());
            tokio::spawn(async move { p.process(&input, &out).await })
        })
        .collect();
    for j in jobs {
        j.await.expect("join").expect("process");
    }
    assert_eq!(p.stats().images_peak, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resizing_variant_shares_the_semaphore() {
    let dir = Scratch::new("shared");
    let input = dir.path("upload.png");
    write_image(
        &input,
        &DynamicImage::ImageRgb8(picture(900, 900)),
        ImageFormat::Png,
    );
    let limits = Limits {
        image_concurrency: 1,
        ..Limits::default()
    };
    let p = Processor::with_tools(limits, None, None);
    let avatars = p.resizing_to(400 * 400);
    // Work done through the variant shows on the original's lane: it is the same one.
    let done = avatars.process(&input, &dir.0).await.expect("process");
    assert_eq!(done.original.width, Some(400));
    assert_eq!(p.stats().images_peak, 1);
    let jobs: Vec<_> = (0..6)
        .map(|i| {
            let p = if i % 2 == 0 {
                p.clone()
            } else {
                avatars.clone()
            };
            let (input, out) = (input.clone(), dir.0.clone());
            tokio::spawn(async move { p.process(&input, &out).await })
        })
        .collect();
    let mut sides = Vec::new();
    for j in jobs {
        let done = j.await.expect("join").expect("process");
        sides.push(done.original.width.unwrap_or(0));
    }
    // Both kinds ran (avatars resized to 400x400, the rest kept at 900x900)…
    assert!(sides.contains(&900) && sides.contains(&400), "{sides:?}");
    // …and never more than one decode at once over both.
    assert_eq!(p.stats().images_peak, 1);
    assert_eq!(avatars.stats().images_peak, 1);
}
