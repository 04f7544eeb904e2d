//! HTTP Signatures for ActivityPub: pure functions over `http` types, no I/O.
//!
//! * Outgoing: [`sign_request`] / [`sign_request_with`] sign draft-cavage style, as Mastodon does:
//!   `rsa-sha256` over `(request-target) host date digest` (no `digest` without a body), adding
//!   `Host`, `Date` and `Digest` as needed. [`sign_request_rfc9421`] signs RFC 9421 style over
//!   `@method @target-uri` (+ `content-digest`), for servers that want it.
//! * Incoming, in two steps so the caller can look the key up in between:
//!   [`parse`] reads `Signature` / `Authorization: Signature` (draft-cavage) or
//!   `Signature-Input` + `Signature` (RFC 9421) and builds the signature base; the caller fetches
//!   the key named by [`ParsedSignature::key_id`]; [`verify`] / [`verify_with_key`] then check
//!   coverage, time window, body digest and finally the signature.
//!
//! Policy (see [`verify_with_key`]): the signature must be dated (`Date` or `created`) no more
//! than [`MAX_AGE`] ago and no more than [`MAX_FUTURE_SKEW`] ahead; it must cover the method and
//! target (and the host), and, when the request has a body, a digest of it which must match.

mod cavage;
mod digest;
mod error;
mod key;
mod request;
mod rfc9421;
mod sfv;
mod sign;
mod verify;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, Uri};

pub use digest::{content_digest_header, digest_header};
pub use error::SignatureError;
pub use key::{decode_pem, KeyKind, PublicKey, SigningKey};
pub use sign::{sign_request, sign_request_rfc9421, sign_request_with};
pub use verify::{verify, verify_with_key};

/// Largest `Signature`, `Signature-Input` or `Authorization` header (and covered header value)
/// we read.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Most components one signature may cover.
pub const MAX_COMPONENTS: usize = 20;
/// Oldest accepted signature date.
pub const MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// How far ahead of our clock a signature date (or past its `expires`) we still accept.
pub const MAX_FUTURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// Which specification the signature follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// draft-cavage-http-signatures (`Signature: keyId=…,headers=…,signature=…`).
    Cavage,
    /// RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`).
    Rfc9421,
}

/// A concrete signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`rsa-sha256`, `rsa-v1_5-sha256`, or `hs2019` with an RSA key).
    RsaV1_5Sha256,
    /// RSASSA-PSS with SHA-512 (`rsa-pss-sha512`).
    RsaPssSha512,
    /// Ed25519 (`ed25519`, or `hs2019` with an Ed25519 key).
    Ed25519,
}

impl Algorithm {
    /// RFC 9421 name.
    pub fn rfc9421_name(self) -> &'static str {
        match self {
            Algorithm::RsaV1_5Sha256 => "rsa-v1_5-sha256",
            Algorithm::RsaPssSha512 => "rsa-pss-sha512",
            Algorithm::Ed25519 => "ed25519",
        }
    }

    /// The concrete algorithm for a key when the signature leaves it to the key.
    pub fn for_key(kind: KeyKind) -> Self {
        match kind {
            KeyKind::Rsa => Algorithm::RsaV1_5Sha256,
            KeyKind::Ed25519 => Algorithm::Ed25519,
        }
    }
}

/// A signature read from a request, with the signature base rebuilt from that request. Nothing is
/// verified yet.
#[derive(Debug, Clone)]
pub struct ParsedSignature {
    key_id: String,
    scheme: Scheme,
    algorithm: Option<Algorithm>,
    label: Option<String>,
    components: Vec<String>,
    base: String,
    /// draft-cavage only: the base with `(request-target)` lacking the query string, which
    /// older Mastodon versions signed. Tried when the proper base fails.
    legacy_base: Option<String>,
    signature: Vec<u8>,
    created: Option<i64>,
    expires: Option<i64>,
    /// `Date` header, when covered.
    date: Option<SystemTime>,
    /// `Digest` (cavage) or `Content-Digest` (RFC 9421) header value, when covered.
    digest: Option<String>,
    /// POST, PUT, PATCH: methods that carry a body whether or not the caller passes one.
    body_method: bool,
}

impl ParsedSignature {
    /// The key to fetch: for ActivityPub, usually `https://host/users/name#main-key`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
    /// The algorithm the signature names; `None` when it leaves it to the key (`hs2019`, or no
    /// `algorithm`/`alg` parameter).
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.algorithm
    }
    /// RFC 9421 only: the label of the signature chosen (the first usable one).
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
    /// Covered components, lower-case: header names and `(request-target)`-style pseudo-headers
    /// for draft-cavage; header names, `@derived` names (with their parameters) for RFC 9421.
    pub fn components(&self) -> &[String] {
        &self.components
    }
    /// The exact bytes that were (supposedly) signed.
    pub fn signature_base(&self) -> &str {
        &self.base
    }
    /// `created` parameter, seconds since the epoch.
    pub fn created(&self) -> Option<i64> {
        self.created
    }
    /// `expires` parameter, seconds since the epoch.
    pub fn expires(&self) -> Option<i64> {
        self.expires
    }

    fn covers(&self, component: &str) -> bool {
        self.components.iter().any(|c| c == component)
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The key that signed. The caller must still check that its owner is the activity's actor.
    pub key_id: String,
    pub scheme: Scheme,
    pub algorithm: Algorithm,
    /// When the signer says it signed (`created`, else `Date`).
    pub signed_at: SystemTime,
    /// The signature only verified over a `(request-target)` without the query string (as
    /// older Mastodon versions signed); worth a debug log, not a refusal.
    pub legacy_request_target: bool,
}

/// Reads the signature of a request. `uri` should be the request's target as the sender saw it:
/// give the absolute URI (`https://our.host/path?query`, built from our configured scheme and
/// host plus the original path and query) so RFC 9421 `@target-uri` can be computed; an
/// origin-form URI (`/path?query`) is enough for draft-cavage.
///
/// With `Signature-Input` present the request is read as RFC 9421 and the first signature label
/// that parses with a supported algorithm is chosen; otherwise `Signature`, then
/// `Authorization: Signature …`, as draft-cavage.
pub fn parse(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    let req = request::RequestParts {
        method,
        uri,
        headers,
    };
    if headers.contains_key("signature-input") {
        return rfc9421::parse(&req);
    }
    if let Some(value) = single_header(headers, "signature")? {
        return cavage::parse(&req, &value);
    }
    if let Some(value) = single_header(headers, "authorization")? {
        if let Some(rest) = strip_prefix_ignore_case(&value, "Signature ") {
            return cavage::parse(&req, rest);
        }
    }
    Err(SignatureError::Unsigned)
}

/// The one value of a header that must not repeat, size-bounded.
fn single_header(
    headers: &HeaderMap,
    name: &'static str,
) -> Result<Option<String>, SignatureError> {
    let mut values = headers.get_all(name).iter();
    let Some(v) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(SignatureError::Malformed(format!("repeated {name} header")));
    }
    if v.len() > MAX_HEADER_BYTES {
        return Err(SignatureError::HeaderTooLarge(name));
    }
    let s = v
        .to_str()
        .map_err(|_| SignatureError::Malformed(format!("{name} header encoding")))?;
    Ok(Some(s.to_owned()))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn from_unix_seconds(s: i64) -> SystemTime {
    let d = Duration::from_secs(s.unsigned_abs());
    let t = if s >= 0 {
        UNIX_EPOCH.checked_add(d)
    } else {
        UNIX_EPOCH.checked_sub(d)
    };
    t.unwrap_or(UNIX_EPOCH)
}
