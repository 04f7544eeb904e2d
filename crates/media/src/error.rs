//! What can go wrong while processing media.

/// Errors from [`crate::Processor`]. Client errors (bad or oversized input) are separated from
/// server-side trouble by [`MediaError::is_client_error`].
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The bytes are of a type we do not handle; the message names it.
    #[error("File type of {0} is not supported")]
    Unsupported(String),
    /// Dimensions, pixel count or duration over the configured limits.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Corrupt or undecodable input.
    #[error("invalid media: {0}")]
    Invalid(String),
    /// A needed tool is missing (e.g. ffmpeg for video).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A child process ran past its deadline and was killed.
    #[error("media processing timed out")]
    Timeout,
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl MediaError {
    /// True when the input is to blame (the API answers 422), false for server-side failures.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            MediaError::Unsupported(_) | MediaError::TooLarge(_) | MediaError::Invalid(_)
        )
    }
}
