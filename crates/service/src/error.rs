//! Service errors are the domain's; database failures are logged here and surface as
//! "internal" without details.

pub use bonsai_core::error::{Error, ErrorKind, Result};

pub(crate) trait DbResultExt<T> {
    fn or_internal(self) -> Result<T>;
}

impl<T> DbResultExt<T> for std::result::Result<T, bonsai_db::DbError> {
    #[track_caller]
    fn or_internal(self) -> Result<T> {
        let at = std::panic::Location::caller();
        self.map_err(|e| {
            tracing::error!(error = %e, %at, "database failure");
            Error::internal()
        })
    }
}

/// Logs a database failure and hides it behind "internal".
#[track_caller]
pub(crate) fn db_failure(e: bonsai_db::DbError) -> Error {
    let at = std::panic::Location::caller();
    tracing::error!(error = %e, %at, "database failure");
    Error::internal()
}

/// Commits, logging a failure.
pub(crate) async fn commit(tx: bonsai_db::Tx) -> Result<()> {
    tx.commit().await.map_err(|e| {
        tracing::error!(error = %e, "commit failed");
        Error::internal()
    })
}
