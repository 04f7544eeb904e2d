//! Signing outgoing requests.

use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::header::{HeaderValue, DATE, HOST};
use http::{HeaderMap, Method, Uri};

use super::digest::{content_digest_header, digest_header};
use super::request::{normalize_authority, RequestParts};
use super::sfv::{BareItem, InnerList, Item};
use super::{cavage, rfc9421, unix_seconds, KeyKind, SignatureError, SigningKey};

/// Latest instant `httpdate` can format (it panics past 9999-12-31).
const MAX_HTTP_DATE_SECS: i64 = 253_402_300_799;

/// [`sign_request_with`], decoding the PKCS#8 PEM first. Prefer [`SigningKey::from_pem`] once
/// and [`sign_request_with`] for every delivery: decoding an RSA key costs more than signing.
pub fn sign_request(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    private_key_pem: &str,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let key = SigningKey::from_pem(private_key_pem)?;
    sign_request_with(method, uri, headers, body, key_id, &key, now)
}

/// Signs draft-cavage style, as Mastodon does. `uri` must be absolute (`https://host/path?q`).
/// Inserts `Host` (from the URI, default port dropped) and `Date` (IMF-fixdate from `now`) when
/// missing; with a body, sets `Digest: SHA-256=…` (always recomputed, so it matches what is
/// sent). Then sets `Signature: keyId="…",algorithm="rsa-sha256",headers="(request-target) host
/// date digest",signature="…"` (`digest` only with a body; `algorithm="hs2019"` for an Ed25519
/// key). Send the body bytes exactly as given here.
pub fn sign_request_with(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    check_key_id(key_id)?;
    prepare_host(uri, headers)?;
    if !headers.contains_key(DATE) {
        headers.insert(DATE, header_value(&http_date(now)?)?);
    }
    let mut names = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        headers.insert("digest", header_value(&digest_header(body))?);
        names.push("digest");
    }
    let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    let req = RequestParts {
        method,
        uri,
        headers,
    };
    let base = cavage::signature_base(&req, &names, None, None, &req.request_target())?;
    let signature = STANDARD.encode(key.sign(base.as_bytes())?);
    let algorithm = match key.kind() {
        KeyKind::Rsa => "rsa-sha256",
        KeyKind::Ed25519 => "hs2019",
    };
    let value = format!(
        "keyId=\"{key_id}\",algorithm=\"{algorithm}\",headers=\"{}\",signature=\"{signature}\"",
        names.join(" ")
    );
    headers.insert("signature", header_value(&value)?);
    Ok(())
}

/// Signs RFC 9421 style under the label `sig1`, covering `@method`, `@target-uri` and, with a
/// body, `content-digest` (set here, SHA-256), with `created`, `keyid` and `alg` parameters.
/// `uri` must be absolute.
pub fn sign_request_rfc9421(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    check_key_id(key_id)?;
    prepare_host(uri, headers)?;
    let mut components = vec!["@method", "@target-uri"];
    if let Some(body) = body {
        headers.insert(
            "content-digest",
            header_value(&content_digest_header(body))?,
        );
        components.push("content-digest");
    }
    let created = unix_seconds(now);
    if created < 0 {
        return Err(SignatureError::Signing("clock before 1970"));
    }
    let list = InnerList {
        items: components
            .into_iter()
            .map(|c| Item {
                bare: BareItem::String(c.to_owned()),
                params: Vec::new(),
            })
            .collect(),
        params: vec![
            ("created".to_owned(), BareItem::Integer(created)),
            ("keyid".to_owned(), BareItem::String(key_id.to_owned())),
            (
                "alg".to_owned(),
                BareItem::String(key.algorithm().rfc9421_name().to_owned()),
            ),
        ],
    };
    let req = RequestParts {
        method,
        uri,
        headers,
    };
    let (base, _) = rfc9421::signature_base(&req, &list)?;
    let signature = STANDARD.encode(key.sign(base.as_bytes())?);
    let input = format!("sig1={}", super::sfv::serialize_inner_list(&list));
    headers.insert("signature-input", header_value(&input)?);
    headers.insert("signature", header_value(&format!("sig1=:{signature}:"))?);
    Ok(())
}

/// A key id goes into a quoted string: no quotes, backslashes or control characters.
fn check_key_id(key_id: &str) -> Result<(), SignatureError> {
    if key_id.is_empty()
        || key_id
            .bytes()
            .any(|b| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b))
    {
        return Err(SignatureError::Signing(
            "keyId must be printable ASCII without quotes",
        ));
    }
    Ok(())
}

fn prepare_host(uri: &Uri, headers: &mut HeaderMap) -> Result<(), SignatureError> {
    let authority = uri
        .authority()
        .ok_or(SignatureError::Signing("request URI must be absolute"))?;
    if uri.scheme().is_none() {
        return Err(SignatureError::Signing("request URI must be absolute"));
    }
    if !headers.contains_key(HOST) {
        let host = normalize_authority(authority.as_str(), uri.scheme_str());
        headers.insert(HOST, header_value(&host)?);
    }
    Ok(())
}

fn http_date(now: SystemTime) -> Result<String, SignatureError> {
    let secs = unix_seconds(now);
    if !(0..=MAX_HTTP_DATE_SECS).contains(&secs) {
        return Err(SignatureError::Signing("clock outside 1970..9999"));
    }
    Ok(httpdate::fmt_http_date(now))
}

fn header_value(s: &str) -> Result<HeaderValue, SignatureError> {
    HeaderValue::from_str(s).map_err(|_| SignatureError::Signing("header value not encodable"))
}
