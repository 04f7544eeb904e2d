use thiserror::Error;

/// The few kinds of failure every layer agrees on; `api` maps each to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Unauthorized,
    Forbidden,
    Validation,
    Conflict,
    RateLimited,
    Unavailable,
    Internal,
}

/// A domain error: a kind plus a message that is safe to show to the client.
/// Internal details are logged where they happen, never put here.
#[derive(Debug, Clone, Error)]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    /// Mastodon says exactly this for any missing record.
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound, "Record not found")
    }
    /// "Not found" with a more specific message.
    pub fn not_found_with(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    pub fn internal() -> Self {
        Self::new(ErrorKind::Internal, "Internal server error")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
