//! Where processed media lives: the `MediaStore` trait, its keys and the filesystem store.

mod fs;
mod key;

use std::path::{Path, PathBuf};

pub use fs::FsStore;
pub use key::media_key;
pub(crate) use key::{random_hex, validate_key};

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key is not a safe relative path (`..`, absolute, odd characters).
    #[error("invalid storage key: {0}")]
    InvalidKey(String),
    #[error("storage i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// A place to keep media files. Object safe: used as `Arc<dyn MediaStore>`.
pub trait MediaStore: Send + Sync + 'static {
    /// Stores the file at `source` under `key`; readers never see a half-written file.
    fn put<'a>(
        &'a self,
        key: &'a str,
        source: &'a Path,
        content_type: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Removes `key`; removing a missing key succeeds.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Public URL of a stored key (for the filesystem store: `{base_url}/system/{key}`).
    fn url(&self, key: &str) -> String;
    /// For stores served by Bonsai itself: the file on disk for `key` (None for S3 etc.).
    fn local_path(&self, key: &str) -> Option<PathBuf>;
    /// Bytes used, for the disk budget.
    fn usage<'a>(&'a self) -> BoxFuture<'a, Result<u64, StoreError>>;
}
