//! The filesystem store on a real directory.

mod common;

use std::sync::Arc;

use bonsai_media::{media_key, FsStore, MediaStore, StoreError};
use common::Scratch;

fn files_under(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(root)
                        .expect("under root")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn put_url_local_path_usage_delete() {
    let dir = Scratch::new("store");
    let root = dir.path("system");
    let store: Arc<dyn MediaStore> =
        Arc::new(FsStore::new(root.clone(), "https://example.test/".into()));
    let src = dir.path("upload.bin");
    std::fs::write(&src, vec![7u8; 1500]).expect("write");

    let key = media_key(110_123_456_789, "original", "jpg");
    store.put(&key, &src, "image/jpeg").await.expect("put");
    let local = store.local_path(&key).expect("local path");
    assert_eq!(local, root.join(&key));
    assert_eq!(std::fs::read(&local).expect("stored"), vec![7u8; 1500]);
    assert_eq!(
        store.url(&key),
        format!("https://example.test/system/{key}")
    );
    // Only the file itself: the temporary was renamed, not left behind.
    assert_eq!(files_under(&root), vec![key.clone()]);

    let small = media_key(110_123_456_789, "small", "jpg");
    std::fs::write(&src, vec![1u8; 500]).expect("write");
    store.put(&small, &src, "image/jpeg").await.expect("put");
    assert_eq!(store.usage().await.expect("usage"), 2000);

    // Overwrite in place.
    store
        .put(&small, &src, "image/jpeg")
        .await
        .expect("put again");
    assert_eq!(store.usage().await.expect("usage"), 2000);

    store.delete(&key).await.expect("delete");
    assert!(!local.exists());
    store
        .delete(&key)
        .await
        .expect("deleting a missing key is fine");
    assert_eq!(store.usage().await.expect("usage"), 500);
    store.delete(&small).await.expect("delete");
    // Emptied directories go too; the root stays.
    assert!(root.exists());
    assert_eq!(std::fs::read_dir(&root).expect("root").count(), 0);
    assert_eq!(store.usage().await.expect("usage"), 0);
}

#[tokio::test]
async fn bad_keys_never_touch_the_filesystem() {
    let dir = Scratch::new("store-bad");
    let root = dir.path("system");
    let store = FsStore::new(root.clone(), "https://example.test".into());
    let src = dir.path("upload.bin");
    std::fs::write(&src, b"x").expect("write");
    let outside = dir.path("escaped");
    for key in [
        "../escaped",
        "/tmp/escaped",
        "a/../../escaped",
        "",
        "a//b",
        "a/.tmp-x",
    ] {
        let err = store.put(key, &src, "image/png").await.expect_err(key);
        assert!(matches!(err, StoreError::InvalidKey(_)), "{key}: {err:?}");
        assert!(matches!(
            store.delete(key).await,
            Err(StoreError::InvalidKey(_))
        ));
        assert_eq!(store.local_path(key), None);
    }
    assert!(!outside.exists());
    assert!(!root.exists(), "nothing created for refused keys");
    // Missing source: an error, and no stray temporary file.
    let key = media_key(1, "original", "png");
    let err = store
        .put(&key, &dir.path("missing"), "image/png")
        .await
        .expect_err("missing source");
    assert!(matches!(err, StoreError::Io(_)), "{err:?}");
    assert!(files_under(&root).is_empty(), "{:?}", files_under(&root));
    assert_eq!(store.usage().await.expect("usage"), 0);
}

#[tokio::test]
async fn usage_of_a_missing_root_is_zero() {
    let dir = Scratch::new("store-empty");
    let store = FsStore::new(dir.path("never-created"), "http://x".into());
    assert_eq!(store.usage().await.expect("usage"), 0);
}
