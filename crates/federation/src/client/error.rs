//! What can go wrong leaving the process.

use std::net::IpAddr;

use http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Not an absolute http(s) URL with a host, or a redirect to one.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// A plain-http URL (or a redirect to one) while only https is allowed.
    #[error("plain http is not allowed: {0}")]
    InsecureScheme(String),
    /// The host resolved only to addresses the client may not reach.
    #[error("refused to connect to {0}: not a public address")]
    Refused(IpAddr),
    #[error("cannot resolve {0}")]
    Dns(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    /// The overall deadline (or the connect timeout) passed.
    #[error("timed out")]
    Timeout,
    /// The response body, after decompression, is larger than allowed.
    #[error("response body larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("request body larger than {limit} bytes")]
    RequestTooLarge { limit: usize },
    #[error("more than {0} redirects")]
    Redirects(usize),
    /// A content encoding we did not ask for, or a corrupt compressed body.
    #[error("cannot decode the response body: {0}")]
    Decode(String),
    /// The peer broke HTTP, or closed the connection early.
    #[error("HTTP: {0}")]
    Protocol(String),
    /// Returned by [`super::Response::error_for_status`].
    #[error("HTTP status {0}")]
    Status(StatusCode),
    /// The request signer refused.
    #[error("cannot sign the request: {0}")]
    Sign(String),
    /// Building the client: an unreadable CA bundle, and the like.
    #[error("client configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// Whether trying again later can help (for delivery retries): network trouble and
    /// 5xx/408/429 yes; refusals, bad URLs and oversized bodies no.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Dns(_) | Self::Connect(_) | Self::Tls(_) | Self::Timeout | Self::Protocol(_) => {
                true
            }
            Self::Status(s) => {
                s.is_server_error()
                    || *s == StatusCode::REQUEST_TIMEOUT
                    || *s == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }
}
