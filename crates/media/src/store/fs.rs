//! The default store: files under a root directory, served by Bonsai at `/system/{key}`.

use std::path::{Path, PathBuf};

use super::{validate_key, BoxFuture, MediaStore, StoreError};

/// Stores media as files under `root`. Writes go to a hidden temporary file in the target
/// directory and are renamed into place, so a reader sees either nothing or the whole file.
#[derive(Clone, Debug)]
pub struct FsStore {
    root: PathBuf,
    public_base: String,
}

impl FsStore {
    /// `public_base` is the instance's base URL, e.g. `https://example.com`.
    pub fn new(root: PathBuf, public_base: String) -> Self {
        let public_base = public_base.trim_end_matches('/').to_owned();
        FsStore { root, public_base }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_for(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }

    async fn put_file(&self, key: &str, source: &Path) -> Result<(), StoreError> {
        let target = self.path_for(key)?;
        let dir = target
            .parent()
            .ok_or_else(|| StoreError::InvalidKey(key.to_owned()))?;
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".tmp-{}", temp_suffix()));
        let written = async {
            tokio::fs::copy(source, &tmp).await?;
            // Durable before it becomes visible: a crash must not leave a truncated file
            // under the real name.
            tokio::fs::File::open(&tmp).await?.sync_all().await?;
            tokio::fs::rename(&tmp, &target).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e.into());
        }
        Ok(())
    }

    async fn delete_file(&self, key: &str) -> Result<(), StoreError> {
        let target = self.path_for(key)?;
        match tokio::fs::remove_file(&target).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        // Drop directories the deletion emptied (as Paperclip does), never the root itself.
        let mut dir = target.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            if tokio::fs::remove_dir(&d).await.is_err() {
                break; // not empty (or raced with a writer): leave it
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(())
    }
}

fn temp_suffix() -> String {
    let key = super::media_key(0, "t", "t");
    key.rsplit('/')
        .next()
        .unwrap_or("tmp")
        .trim_end_matches(".t")
        .to_owned()
}

/// Sum of file sizes under `root` (missing root: 0). Symlinks are not followed.
fn disk_usage(root: &Path) -> std::io::Result<u64> {
    let mut total = 0u64;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                total = total.saturating_add(entry.metadata()?.len());
            }
        }
    }
    Ok(total)
}

impl MediaStore for FsStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        source: &'a Path,
        _content_type: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.put_file(key, source))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.delete_file(key))
    }

    fn url(&self, key: &str) -> String {
        format!("{}/system/{}", self.public_base, key)
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path_for(key).ok()
    }

    fn usage<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let root = self.root.clone();
            // A walk rather than a counter: it stays right across restarts and manual cleanup;
            // it is only asked for by the periodic cleanup, not per request.
            tokio::task::spawn_blocking(move || disk_usage(&root))
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
                .map_err(StoreError::from)
        })
    }
}
