//! Whole-flow tests: sign -> parse -> verify, every way a signature must be refused, the RFC 9421
//! Appendix B vectors, and the exact draft-cavage format Mastodon sends. Shared fixtures here.

mod cavage_flow;
mod hostile;
mod rfc9421_flow;
mod vectors;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::request::RequestParts;
use super::*;
use crate::keys::{generate_rsa_2048, PemKeyPair};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// 2023-11-14T22:13:20Z.
const NOW_SECS: u64 = 1_700_000_000;
const KEY_ID: &str = "https://a.test/users/alice#main-key";
const INBOX: &str = "https://b.test/users/bob/inbox";
const BODY: &[u8] = br#"{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow","actor":"https://a.test/users/alice","object":"https://b.test/users/bob"}"#;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn alice() -> &'static PemKeyPair {
    static K: OnceLock<PemKeyPair> = OnceLock::new();
    K.get_or_init(|| generate_rsa_2048().expect("RSA key generation"))
}

fn mallory() -> &'static PemKeyPair {
    static K: OnceLock<PemKeyPair> = OnceLock::new();
    K.get_or_init(|| generate_rsa_2048().expect("RSA key generation"))
}

fn alice_signer() -> SigningKey {
    SigningKey::from_pem(&alice().private_pem).expect("alice's key decodes")
}

/// A POST to Bob's inbox signed by Alice at `at`.
fn signed_post(at: SystemTime) -> Result<(Uri, HeaderMap), SignatureError> {
    let uri: Uri = INBOX.parse().map_err(|_| SignatureError::Signing("uri"))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    sign_request_with(
        &Method::POST,
        &uri,
        &mut headers,
        Some(BODY),
        KEY_ID,
        &alice_signer(),
        at,
    )?;
    Ok((uri, headers))
}

fn check(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    pem: &str,
    body: Option<&[u8]>,
) -> Result<Verified, SignatureError> {
    let parsed = parse(method, uri, headers)?;
    verify(&parsed, pem, body, now())
}

/// What a hand-made draft-cavage signature covers (the building block for coverage tests).
struct Custom<'a> {
    names: &'a [&'a str],
    algorithm: &'a str,
    created: Option<&'a str>,
    expires: Option<&'a str>,
    /// Stands in for path+query in `(request-target)`.
    request_target: Option<&'a str>,
}

impl<'a> Custom<'a> {
    fn rsa(names: &'a [&'a str]) -> Self {
        Custom {
            names,
            algorithm: "rsa-sha256",
            created: None,
            expires: None,
            request_target: None,
        }
    }
}

fn sign_cavage_custom(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    key: &SigningKey,
    c: &Custom<'_>,
) -> Result<(), SignatureError> {
    let names: Vec<String> = c.names.iter().map(|s| (*s).to_owned()).collect();
    let req = RequestParts {
        method,
        uri,
        headers,
    };
    let target = c
        .request_target
        .map_or_else(|| req.request_target(), str::to_owned);
    let base = cavage::signature_base(&req, &names, c.created, c.expires, &target)?;
    let sig = STANDARD.encode(key.sign(base.as_bytes())?);
    let mut extra = String::new();
    if let Some(created) = c.created {
        extra.push_str(&format!(",created={created}"));
    }
    if let Some(expires) = c.expires {
        extra.push_str(&format!(",expires={expires}"));
    }
    let value = format!(
        "keyId=\"{KEY_ID}\",algorithm=\"{}\",headers=\"{}\"{extra},signature=\"{sig}\"",
        c.algorithm,
        names.join(" ")
    );
    headers.insert(
        "signature",
        HeaderValue::from_str(&value).map_err(|_| SignatureError::Signing("hv"))?,
    );
    Ok(())
}

fn with_date(mut headers: HeaderMap, at: SystemTime) -> HeaderMap {
    headers.insert(
        "date",
        HeaderValue::from_str(&httpdate::fmt_http_date(at)).expect("date"),
    );
    headers
}

/// RFC 9421 B.1.4 `test-key-ed25519`.
const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
";
const ED25519_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
";
/// RFC 9421 B.1.2 `test-key-rsa-pss` (public part).
const RSA_PSS_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
";
