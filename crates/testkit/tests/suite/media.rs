//! Local media uploads over HTTP: v2 images processed at once and served (Range included),
//! video processed by the media job, v1 waiting, Mastodon's errors leaving nothing behind,
//! attaching to posts and edits, deleting, the unattached sweep, and our attachments reaching
//! another instance.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::federation::eventually;
use bonsai_testkit::{Response, TestApp};

const SCOPES: &str = "read write follow";

/// A `multipart/form-data` body: (name, file name for file parts, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----bonsai-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    file: &[u8],
    extra: &[(&str, &str)],
) -> Response {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some("upload.bin"), file)];
    for (k, v) in extra {
        parts.push((k, None, v.as_bytes()));
    }
    let (ct, body) = multipart(&parts);
    app.request(Method::POST, path, Some(token), Some((&ct, body)), &[])
        .await
}

/// A PNG with some structure (so the blurhash is not flat).
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            ((x + y) % 255) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn ffmpeg_available() -> bool {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("BONSAI_REQUIRE_FFMPEG").as_deref() != Ok("1"),
            "BONSAI_REQUIRE_FFMPEG=1 but ffmpeg is not installed"
        );
        eprintln!("!!! ffmpeg not found: SKIPPING the video part of this media test !!!");
    }
    found
}

/// A 2 s 640x360 test clip made by ffmpeg.
fn clip(dir: &Path) -> Vec<u8> {
    std::fs::create_dir_all(dir).unwrap();
    let out = dir.join("clip.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("testsrc=duration=2:size=640x360:rate=25")
        .args(["-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    bytes
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn media_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM media_attachments")
        .fetch_one(app.db.db.reader())
        .await
        .unwrap()
}

/// The path part of one of our URLs.
fn local_path(url: &Value) -> String {
    let u = url.as_str().expect("a URL");
    let rest = u.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

/// Starts the job workers of an in-process instance; stops them when the guard drops.
fn workers(app: &TestApp) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    app.services.spawn_workers(stopped);
    stop
}

#[tokio::test]
async fn v2_image_is_processed_stored_and_served_with_ranges() {
    let app = TestApp::new().await;
    let (_, token) = app.user("alice", SCOPES).await;
    let r = upload(
        &app,
        "/api/v2/media",
        &token,
        &png(1200, 800),
        &[("description", "a gradient"), ("focus", "0.5,-0.25")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let m = r.json();
    assert_eq!(m["type"], "image");
    assert_eq!(m["description"], "a gradient");
    assert_eq!(m["remote_url"], Value::Null);
    assert_eq!(m["meta"]["original"]["width"], 1200);
    assert_eq!(m["meta"]["original"]["height"], 800);
    assert_eq!(m["meta"]["original"]["size"], "1200x800");
    assert_eq!(m["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    let small = &m["meta"]["small"];
    let (sw, sh) = (
        small["width"].as_u64().unwrap(),
        small["height"].as_u64().unwrap(),
    );
    assert!(sw * sh <= 640 * 360 + 1000 && sw < 1200, "{small}");
    assert!(m["blurhash"].as_str().is_some_and(|b| b.len() >= 6), "{m}");
    assert!(m["url"]
        .as_str()
        .unwrap()
        .starts_with("https://bonsai.test/system/media_attachments/files/"));

    // The stored file: our content type, cacheable forever, decodable at the processed size.
    let file = app.get(&local_path(&m["url"]), None).await;
    assert_eq!(file.status, StatusCode::OK);
    let ct = file.header("content-type").unwrap();
    assert!(ct == "image/png" || ct == "image/jpeg", "{ct}");
    assert!(file.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(file.header("accept-ranges").as_deref(), Some("bytes"));
    let img = image::load_from_memory(&file.body).unwrap();
    assert_eq!((img.width(), img.height()), (1200, 800));
    let preview = app.get(&local_path(&m["preview_url"]), None).await;
    assert_eq!(preview.status, StatusCode::OK);
    let p = image::load_from_memory(&preview.body).unwrap();
    assert_eq!((u64::from(p.width()), u64::from(p.height())), (sw, sh));

    // Range requests, as video players send them.
    let part = app
        .request(
            Method::GET,
            &local_path(&m["url"]),
            None,
            None,
            &[("range", "bytes=10-109")],
        )
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, file.body[10..110]);
    assert_eq!(
        part.header("content-range").unwrap(),
        format!("bytes 10-109/{}", file.body.len())
    );
    let tail = app
        .request(
            Method::GET,
            &local_path(&m["url"]),
            None,
            None,
            &[("range", "bytes=-5")],
        )
        .await;
    assert_eq!(tail.body, file.body[file.body.len() - 5..]);
    let beyond = app
        .request(
            Method::GET,
            &local_path(&m["url"]),
            None,
            None,
            &[("range", "bytes=99999999-")],
        )
        .await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    // Only keys that exist, nothing outside the store.
    for bad in [
        "/system/media_attachments/files/1/original/nope.png",
        "/system/../bonsai.db",
        "/system/uploads/x",
    ] {
        assert_eq!(
            app.get(bad, None).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // Show, update, delete while unattached.
    let id = m["id"].as_str().unwrap();
    let shown = app.get(&format!("/api/v1/media/{id}"), Some(&token)).await;
    assert_eq!(shown.status, StatusCode::OK);
    let put = app
        .request(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(&token),
            Some((
                "application/json",
                json!({"description": "new", "focus": "-1,1"})
                    .to_string()
                    .into_bytes(),
            )),
            &[],
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    assert_eq!(put.json()["description"], "new");
    assert_eq!(put.json()["meta"]["focus"], json!({"x": -1.0, "y": 1.0}));
    for (body, what) in [
        (json!({"description": "x".repeat(1501)}), "too long"),
        (json!({"focus": "2,0"}), "out of range"),
    ] {
        let bad = app
            .request(
                Method::PUT,
                &format!("/api/v1/media/{id}"),
                Some(&token),
                Some(("application/json", body.to_string().into_bytes())),
                &[],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
    }
    // Not yours: 404, as Mastodon scopes the lookup to the caller's uploads.
    let (_, mallory) = app.user("mallory", SCOPES).await;
    assert_eq!(
        app.get(&format!("/api/v1/media/{id}"), Some(&mallory))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let del = app
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{id}"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(
        app.get(&local_path(&m["url"]), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(media_rows(&app).await, 0);
    assert!(
        files_under(&app.media_root).is_empty(),
        "{:?}",
        files_under(&app.media_root)
    );

    // A read-only token may not upload.
    let (_, reader) = app.user("reader", "read").await;
    let r = upload(&app, "/api/v2/media", &reader, &png(10, 10), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_uploads_get_mastodons_errors_and_leave_nothing_behind() {
    let app = TestApp::with_config(|c| {
        c.media.image_size_limit = 4096;
        c.media.video_size_limit = 8192;
    })
    .await;
    let (_, token) = app.user("alice", SCOPES).await;
    let mut corrupt = png(64, 64);
    corrupt.truncate(60);
    corrupt.extend_from_slice(&[0x42; 200]);
    // A real image between the image and the video limit (decoders ignore what follows IEND).
    let mut padded = png(16, 16);
    padded.resize(6000, 0);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"just some text, not media".to_vec(),
            "Validation failed: File content type is invalid",
        ),
        (Vec::new(), "Validation failed: File can't be blank"),
        (
            padded,
            "Validation failed: File file size must be less than 4 KB",
        ),
        (
            vec![0x89; 9000],
            "Validation failed: File file size must be less than 8 KB",
        ),
        (corrupt, "File type of uploaded media could not be verified"),
    ];
    for (bytes, error) in cases {
        let r = upload(&app, "/api/v2/media", &token, &bytes, &[]).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{error}: {}",
            r.text()
        );
        assert_eq!(r.json()["error"], error);
    }
    // No file part at all.
    let (ct, body) = multipart(&[("description", None, b"alt")]);
    let r = app
        .request(
            Method::POST,
            "/api/v2/media",
            Some(&token),
            Some((&ct, body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(media_rows(&app).await, 0);
    assert!(
        files_under(&app.media_root).is_empty(),
        "{:?}",
        files_under(&app.media_root)
    );
}

#[tokio::test]
async fn statuses_take_media_ids_as_mastodon_checks_them() {
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice", SCOPES).await;
    let (_, bob) = app.user("bob", SCOPES).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let r = upload(&app, "/api/v2/media", &alice, &png(32, 24), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let bobs = upload(&app, "/api/v2/media", &bob, &png(8, 8), &[])
        .await
        .json();
    let bobs_id = bobs["id"].as_str().unwrap();

    let post = |token: &str, body: Value| {
        let token = token.to_string();
        let app = &app;
        async move { app.post_json("/api/v1/statuses", Some(&token), body).await }
    };
    let five = post(&alice, json!({"status": "x", "media_ids": ids})).await;
    assert_eq!(five.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(five.json()["error"], "Cannot attach more than 4 files");
    let theirs = post(&alice, json!({"status": "x", "media_ids": [bobs_id]})).await;
    assert_eq!(theirs.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        theirs.json()["error"],
        format!("Media {bobs_id} not found or already attached to another post")
    );

    // Media alone is a post; the order is the one asked for.
    let ok = post(
        &alice,
        json!({"status": "", "media_ids": [&ids[1], &ids[0]], "sensitive": true}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let status = ok.json();
    assert_eq!(status["sensitive"], true);
    let attached: Vec<&str> = status["media_attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(attached, [ids[1].as_str(), ids[0].as_str()]);
    assert!(status["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .contains("/system/"));
    let sid = status["id"].as_str().unwrap().to_string();
    // The same again: already attached. And attached media is no longer editable here.
    let again = post(&alice, json!({"status": "y", "media_ids": [&ids[0]]})).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(&format!("/api/v1/media/{}", ids[0]), Some(&alice))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let in_use = app
        .request(
            Method::DELETE,
            &format!("/api/v1/media/{}", ids[0]),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(in_use.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Edit: new alt text and focus through media_attributes, a third file added (form
    // encoding as Mastodon.py and Rails send it).
    let form = format!(
        "status=edited&media_ids[]={a}&media_ids[]={b}&media_ids[]={c}\
         &media_attributes[][id]={a}&media_attributes[][description]=first%20alt\
         &media_attributes[][focus]=0.1,0.2",
        a = ids[1],
        b = ids[0],
        c = ids[2]
    );
    let edited = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{sid}"),
            Some(&alice),
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
            &[],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let e = edited.json();
    assert_eq!(e["media_attachments"].as_array().unwrap().len(), 3);
    assert_eq!(e["media_attachments"][0]["description"], "first alt");
    assert_eq!(
        e["media_attachments"][0]["meta"]["focus"],
        json!({"x": 0.1, "y": 0.2})
    );
    let shown = app
        .get(&format!("/api/v1/statuses/{sid}"), Some(&alice))
        .await
        .json();
    assert_eq!(shown["media_attachments"][0]["description"], "first alt");
    assert_eq!(shown["media_attachments"][2]["id"], ids[2].as_str());
    // The history shows each version's attachments with the alt text they had then.
    let history = app
        .get(&format!("/api/v1/statuses/{sid}/history"), Some(&alice))
        .await
        .json();
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["media_attachments"].as_array().unwrap().len(),
        2
    );
    assert_eq!(versions[0]["media_attachments"][0]["id"], ids[1].as_str());
    assert_eq!(
        versions[0]["media_attachments"][0]["description"],
        Value::Null
    );
    assert_eq!(
        versions[1]["media_attachments"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        versions[1]["media_attachments"][0]["description"],
        "first alt"
    );
    // An edit without media_ids keeps them; one with an empty list removes them (the
    // removed uploads are unattached again).
    let kept = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{sid}"),
            Some(&alice),
            Some((
                "application/json",
                json!({"status": "text only"}).to_string().into_bytes(),
            )),
            &[],
        )
        .await
        .json();
    assert_eq!(kept["media_attachments"].as_array().unwrap().len(), 3);
    let dropped = app
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{sid}"),
            Some(&alice),
            Some((
                "application/json",
                json!({"status": "keep one", "media_ids": [&ids[2]]})
                    .to_string()
                    .into_bytes(),
            )),
            &[],
        )
        .await
        .json();
    assert_eq!(dropped["media_attachments"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("/api/v1/media/{}", ids[0]), Some(&alice))
            .await
            .status,
        StatusCode::OK
    );

    // Delete: the response keeps the media for a redraft, and they are unattached again.
    let deleted = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{sid}"),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        deleted.json()["media_attachments"][0]["id"],
        ids[2].as_str()
    );
    let redraft = post(
        &alice,
        json!({"status": "redrafted", "media_ids": [&ids[2]]}),
    )
    .await;
    assert_eq!(redraft.status, StatusCode::OK, "{}", redraft.text());
    let rid = redraft.json()["id"].as_str().unwrap().to_string();
    let url = redraft.json()["media_attachments"][0]["url"].clone();
    // With delete_media the files go (by the media job) along with the rows.
    let _workers = workers(&app);
    let gone = app
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{rid}?delete_media=true"),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    eventually("the deleted post's file to go", || async {
        (app.get(&local_path(&url), None).await.status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/media/{}", ids[2]), Some(&alice))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Unattached uploads older than the cutoff are swept, files and rows.
    let before = media_rows(&app).await;
    assert!(before >= 3, "{before}");
    let removed = app
        .services
        .remove_unattached_media(bonsai_core::timestamp::Timestamp::now().plus_secs(1))
        .await
        .unwrap();
    assert_eq!(removed as i64, before);
    assert_eq!(media_rows(&app).await, 0);
    assert!(
        files_under(&app.media_root).is_empty(),
        "{:?}",
        files_under(&app.media_root)
    );
}

#[tokio::test]
async fn video_is_processed_by_the_media_job_or_at_once_on_v1() {
    if !ffmpeg_available() {
        return;
    }
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice", SCOPES).await;
    let video = clip(&app.media_root.join("inputs"));

    // v2: accepted for processing, no URL yet, and not attachable yet.
    let r = upload(
        &app,
        "/api/v2/media",
        &alice,
        &video,
        &[("description", "test card")],
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let m = r.json();
    assert_eq!(m["url"], Value::Null);
    let id = m["id"].as_str().unwrap().to_string();
    let pending = app.get(&format!("/api/v1/media/{id}"), Some(&alice)).await;
    assert_eq!(pending.status, StatusCode::PARTIAL_CONTENT);
    let early = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice),
            json!({"status": "x", "media_ids": [&id]}),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        early.json()["error"],
        "Cannot attach files that have not finished processing. Try again in a moment!"
    );

    let _workers = workers(&app);
    let done = eventually("the media job to process the video", || async {
        let r = app.get(&format!("/api/v1/media/{id}"), Some(&alice)).await;
        (r.status == StatusCode::OK).then(|| r.json())
    })
    .await;
    assert!(
        matches!(done["type"].as_str(), Some("video" | "gifv")),
        "{done}"
    );
    assert_eq!(done["description"], "test card");
    assert_eq!(done["meta"]["original"]["width"], 640);
    assert_eq!(done["meta"]["original"]["height"], 360);
    let duration = done["meta"]["original"]["duration"].as_f64().unwrap();
    assert!((duration - 2.0).abs() < 0.2, "{duration}");
    let file = app.get(&local_path(&done["url"]), None).await;
    assert_eq!(file.header("content-type").as_deref(), Some("video/mp4"));
    assert!(done["preview_url"].as_str().is_some(), "{done}");
    let part = app
        .request(
            Method::GET,
            &local_path(&done["url"]),
            None,
            None,
            &[("range", "bytes=0-7")],
        )
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body.len(), 8);
    // The raw upload is gone once processed.
    assert!(files_under(&app.media_root.join("uploads")).is_empty());

    // A file that looks like MP4 but is not: accepted (202), then the job fails and the
    // attachment answers Mastodon's 422, leaving no upload behind.
    let mut fake = video[..32].to_vec();
    fake.extend_from_slice(&[0x5a; 4096]);
    let r = upload(&app, "/api/v2/media", &alice, &fake, &[]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let bad = r.json()["id"].as_str().unwrap().to_string();
    let failed = eventually("the media job to give up on the fake video", || async {
        let r = app.get(&format!("/api/v1/media/{bad}"), Some(&alice)).await;
        (r.status != StatusCode::PARTIAL_CONTENT).then_some(r)
    })
    .await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        failed.json()["error"],
        "Error processing thumbnail for uploaded media"
    );
    assert!(files_under(&app.media_root.join("uploads")).is_empty());

    // v1 waits and answers 200 with the file.
    let r = upload(&app, "/api/v1/media", &alice, &video, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["url"].as_str().is_some());
    assert!(r.json()["meta"]["original"]["duration"].as_f64().is_some());
}

#[tokio::test]
async fn instance_describes_what_uploads_we_accept() {
    let app = TestApp::with_config(|c| c.media.image_size_limit = 1234).await;
    let v2 = app.get("/api/v2/instance", None).await.json();
    let m = &v2["configuration"]["media_attachments"];
    assert_eq!(m["image_size_limit"], 1234);
    assert_eq!(m["description_limit"], 1500);
    let types: Vec<&str> = m["supported_mime_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(types.contains(&"image/png") && types.contains(&"image/webp"));
    assert_eq!(types.contains(&"video/mp4"), app.services.video_supported());
    // Mastodon's Attachmentable::MAX_MATRIX_LIMIT (7680x4320), and what we refuse above it.
    assert_eq!(m["image_matrix_limit"], 33_177_600);
    let (_, token) = app.user("alice", SCOPES).await;
    // A real 7681x1 PNG whose header is then made to claim 7681x4320: refused from the header,
    // before anything is decoded or allocated.
    let mut huge = png(7681, 1);
    huge[20..24].copy_from_slice(&4320u32.to_be_bytes());
    let r = upload(&app, "/api/v2/media", &token, &huge, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("Validation failed:")),
        "{}",
        r.text()
    );
    assert_eq!(media_rows(&app).await, 0);
    let v1 = app.get("/api/v1/instance", None).await.json();
    assert_eq!(
        v1["configuration"]["media_attachments"]["image_size_limit"],
        1234
    );
}

#[tokio::test]
async fn our_attachments_reach_another_instance_as_documents() {
    let a = TestApp::federated().await;
    let b = TestApp::federated().await;
    let (alice_id, alice) = a.user("alice", SCOPES).await;
    let (_, bob) = b.user("bob", SCOPES).await;
    let found = b
        .get(
            &format!(
                "/api/v2/search?q=%40alice%40{}&resolve=true&type=accounts",
                a.domain()
            ),
            Some(&bob),
        )
        .await
        .json();
    let remote_alice = found["accounts"][0]["id"].as_str().unwrap().to_string();
    b.post_json(
        &format!("/api/v1/accounts/{remote_alice}/follow"),
        Some(&bob),
        json!({}),
    )
    .await;
    eventually("alice to have a follower", || async {
        let f = a
            .get(&format!("/api/v1/accounts/{alice_id}/followers"), None)
            .await
            .json();
        (f.as_array().is_some_and(|l| !l.is_empty())).then_some(())
    })
    .await;

    let m = upload(
        &a,
        "/api/v2/media",
        &alice,
        &png(300, 200),
        &[("description", "alt text"), ("focus", "0.5,0.5")],
    )
    .await
    .json();
    let post = a
        .post_json(
            "/api/v1/statuses",
            Some(&alice),
            json!({"status": "look", "media_ids": [m["id"]]}),
        )
        .await
        .json();
    let seen = eventually("alice's post with media at b", || async {
        let h = b.get("/api/v1/timelines/home", Some(&bob)).await.json();
        h.as_array()
            .and_then(|l| l.iter().find(|s| s["uri"] == post["uri"]).cloned())
    })
    .await;
    let att = &seen["media_attachments"][0];
    assert_eq!(att["type"], "image");
    assert_eq!(att["remote_url"], m["url"]);
    assert_eq!(att["description"], "alt text");
    assert_eq!(att["blurhash"], m["blurhash"]);
    assert_eq!(att["meta"]["original"]["width"], 300);
    assert_eq!(att["meta"]["focus"], json!({"x": 0.5, "y": 0.5}));
    // The file is really there at that URL (served by a).
    let file = a.get(&local_path(&att["remote_url"]), None).await;
    assert_eq!(file.status, StatusCode::OK);

    // An edit of the alt text reaches b as an Update.
    let form = format!(
        "status=look%20again&media_ids[]={id}&media_attributes[][id]={id}&media_attributes[][description]=better%20alt",
        id = m["id"].as_str().unwrap()
    );
    let edited = a
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice),
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
            &[],
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let local_id = seen["id"].as_str().unwrap().to_string();
    eventually("the edited alt text at b", || async {
        let s = b
            .get(&format!("/api/v1/statuses/{local_id}"), Some(&bob))
            .await
            .json();
        (s["media_attachments"][0]["description"] == "better alt").then_some(())
    })
    .await;
}

#[tokio::test]
async fn avatar_and_header_uploads_are_resized_shown_and_on_the_actor() {
    let app = TestApp::new().await;
    let (_, alice) = app.user("alice", SCOPES).await;
    let avatar = png(1000, 1000);
    let header = png(3000, 1000);
    let (ct, body) = multipart(&[
        ("display_name", None, b"Alice A"),
        ("avatar", Some("me.png"), &avatar),
        ("header", Some("banner.png"), &header),
    ]);
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice),
            Some((&ct, body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let me = r.json();
    assert_eq!(me["display_name"], "Alice A");
    let avatar_url = me["avatar"].as_str().unwrap().to_string();
    let header_url = me["header"].as_str().unwrap().to_string();
    assert!(
        avatar_url.contains("/system/accounts/avatars/"),
        "{avatar_url}"
    );
    assert!(
        header_url.contains("/system/accounts/headers/"),
        "{header_url}"
    );
    assert_eq!(me["avatar_static"], me["avatar"]);
    let a = app.get(&local_path(&me["avatar"]), None).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = image::load_from_memory(&a.body).unwrap();
    assert_eq!((a.width(), a.height()), (400, 400));
    let h = app.get(&local_path(&me["header"]), None).await;
    let h = image::load_from_memory(&h.body).unwrap();
    assert!(
        (1490..=1500).contains(&h.width()) && (495..=500).contains(&h.height()),
        "{}x{}",
        h.width(),
        h.height()
    );

    // The actor carries them as icon and image.
    let actor = app
        .request(
            Method::GET,
            "/users/alice",
            None,
            None,
            &[("accept", "application/activity+json")],
        )
        .await
        .json();
    assert_eq!(actor["icon"]["url"], avatar_url.as_str());
    assert_eq!(actor["icon"]["type"], "Image");
    assert_eq!(actor["image"]["url"], header_url.as_str());

    // A new avatar replaces the old file; a bad one changes nothing at all.
    let (ct, body) = multipart(&[("avatar", Some("me2.png"), &png(50, 50))]);
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice),
            Some((&ct, body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_ne!(r.json()["avatar"], avatar_url.as_str());
    assert_eq!(r.json()["header"], header_url.as_str());
    assert_eq!(
        app.get(&local_path(&json!(avatar_url)), None).await.status,
        StatusCode::NOT_FOUND
    );
    let (ct, body) = multipart(&[
        ("display_name", None, b"Mallory"),
        ("avatar", Some("x.png"), b"not a picture"),
    ]);
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice),
            Some((&ct, body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"],
        "Validation failed: Avatar content type is invalid"
    );
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice))
        .await
        .json();
    assert_eq!(me["display_name"], "Alice A");
    assert!(files_under(&app.media_root.join("uploads")).is_empty());
}
