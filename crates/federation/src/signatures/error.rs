use thiserror::Error;

/// Why a request could not be signed or a signature was refused. Specific enough to log; the
/// strings inside never carry more than a short, truncated piece of the offending input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// No `Signature`, `Signature-Input` or `Authorization: Signature` header at all.
    #[error("request is not signed")]
    Unsigned,
    /// A header the signature needs (or names as covered) is absent.
    #[error("missing header {0}")]
    MissingHeader(String),
    /// A covered RFC 9421 derived component has no value in this request (e.g. `@query-param`).
    #[error("missing covered component {0}")]
    MissingComponent(String),
    /// A signature parameter the scheme requires is absent (`keyId`, `signature`, `created`…).
    #[error("missing signature parameter {0}")]
    MissingParameter(&'static str),
    /// A signature header is larger than [`MAX_HEADER_BYTES`](super::MAX_HEADER_BYTES).
    #[error("{0} header is too large")]
    HeaderTooLarge(&'static str),
    /// More covered components than [`MAX_COMPONENTS`](super::MAX_COMPONENTS).
    #[error("too many covered components")]
    TooManyComponents,
    /// A header or parameter does not parse.
    #[error("malformed {0}")]
    Malformed(String),
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// An RFC 9421 component (or component parameter) we do not compute.
    #[error("unsupported covered component {0}")]
    UnsupportedComponent(String),
    /// The signature does not cover what we require (named in the message).
    #[error("signature does not cover {0}")]
    InsufficientCoverage(&'static str),
    /// `Digest` / `Content-Digest` offers no algorithm we check (we check SHA-256 and SHA-512).
    #[error("no supported digest algorithm in {0}")]
    UnsupportedDigest(&'static str),
    /// The digest header does not match the body.
    #[error("{0} does not match the body")]
    DigestMismatch(&'static str),
    /// The signature's date (`Date` or `created`) is older than the accepted window.
    #[error("signature date is too old")]
    StaleDate,
    /// The signature's date is further in the future than the clock-skew allowance.
    #[error("signature date is in the future")]
    FutureDate,
    /// The signature's `expires` has passed.
    #[error("signature has expired")]
    Expired,
    /// The key does not decode (PEM, DER, or key type).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// The key's type does not fit the algorithm the signature names (e.g. `ed25519` with RSA).
    #[error("key type does not match the signature algorithm")]
    KeyMismatch,
    /// The cryptographic check failed: wrong key, altered message, or garbage signature bytes.
    #[error("signature does not verify")]
    BadSignature,
    /// Signing failed (bad URI for signing, clock before 1970, crypto failure).
    #[error("signing failed: {0}")]
    Signing(&'static str),
}

/// Shortens attacker-supplied text before it goes into an error (and so into logs).
pub(crate) fn snippet(s: &str) -> String {
    const MAX: usize = 64;
    let cleaned: String = s
        .chars()
        .take(MAX)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > MAX {
        format!("{cleaned}…")
    } else {
        cleaned
    }
}
