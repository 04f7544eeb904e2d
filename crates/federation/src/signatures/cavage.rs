//! draft-cavage-http-signatures (version 12 and the earlier ones the fediverse grew up on).
//!
//! `Signature: keyId="…",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="…"`
//! The signature base is one `name: value` line per covered header, joined by `\n`.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use super::error::snippet;
use super::request::RequestParts;
use super::{Algorithm, ParsedSignature, Scheme, SignatureError, MAX_COMPONENTS};

/// Signature bytes: standard alphabet; padding optional, as Ruby's decoder is lenient there.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Splits `k="v",k2=v2` into pairs. Values may be quoted (with `\"` and `\\` escapes) or bare.
fn split_params(input: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let bad = |why: &str| SignatureError::Malformed(format!("Signature header: {why}"));
    let s = input.as_bytes();
    let mut i = 0;
    let mut out: Vec<(String, String)> = Vec::new();
    loop {
        while i < s.len() && matches!(s[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        if i >= s.len() {
            return Ok(out);
        }
        let name_start = i;
        while i < s.len() && (s[i].is_ascii_alphanumeric() || matches!(s[i], b'-' | b'_')) {
            i += 1;
        }
        let name = &input[name_start..i];
        if name.is_empty() || s.get(i) != Some(&b'=') {
            return Err(bad("expected name=value"));
        }
        i += 1;
        let mut value = String::new();
        if s.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match s.get(i) {
                    None => return Err(bad("unterminated quoted value")),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') if matches!(s.get(i + 1), Some(b'"' | b'\\')) => {
                        value.push(char::from(s[i + 1]));
                        i += 2;
                    }
                    Some(&c) => {
                        value.push(char::from(c));
                        i += 1;
                    }
                }
            }
            if i < s.len() && !matches!(s[i], b',' | b' ' | b'\t') {
                return Err(bad("junk after quoted value"));
            }
        } else {
            let start = i;
            while i < s.len() && s[i] != b',' {
                i += 1;
            }
            value.push_str(input[start..i].trim());
        }
        if out.iter().any(|(k, _)| k == name) {
            return Err(bad("repeated parameter"));
        }
        out.push((name.to_owned(), value));
    }
}

/// `created` / `expires`: seconds since the epoch; `expires` may carry a fraction (dropped).
fn parse_time(v: &str, allow_fraction: bool) -> Result<i64, SignatureError> {
    let int = match v.split_once('.') {
        Some((int, frac))
            if allow_fraction && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) =>
        {
            int
        }
        Some(_) => {
            return Err(SignatureError::Malformed(
                "created/expires parameter".into(),
            ))
        }
        None => v,
    };
    if int.is_empty() || int.len() > 15 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Malformed(
            "created/expires parameter".into(),
        ));
    }
    int.parse()
        .map_err(|_| SignatureError::Malformed("created/expires parameter".into()))
}

/// Where a pseudo-header's or header's value comes from.
pub(crate) fn base_line(
    req: &RequestParts<'_>,
    name: &str,
    created: Option<&str>,
    expires: Option<&str>,
    request_target: &str,
) -> Result<String, SignatureError> {
    let value = match name {
        "(request-target)" => format!(
            "{} {request_target}",
            req.method.as_str().to_ascii_lowercase()
        ),
        "(created)" => created
            .ok_or(SignatureError::MissingParameter("created"))?
            .to_owned(),
        "(expires)" => expires
            .ok_or(SignatureError::MissingParameter("expires"))?
            .to_owned(),
        "host" => req.host()?,
        _ if name.starts_with('(') => {
            return Err(SignatureError::UnsupportedComponent(snippet(name)));
        }
        _ => {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(SignatureError::Malformed(format!(
                    "header name {}",
                    snippet(name)
                )));
            }
            req.required_header(name)?
        }
    };
    Ok(format!("{name}: {value}"))
}

/// Builds the signature base over `names`, with `request_target` standing for the path+query.
pub(crate) fn signature_base(
    req: &RequestParts<'_>,
    names: &[String],
    created: Option<&str>,
    expires: Option<&str>,
    request_target: &str,
) -> Result<String, SignatureError> {
    let lines = names
        .iter()
        .map(|n| base_line(req, n, created, expires, request_target))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lines.join("\n"))
}

pub(crate) fn parse(
    req: &RequestParts<'_>,
    value: &str,
) -> Result<ParsedSignature, SignatureError> {
    let params = split_params(value)?;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());

    let key_id = get("keyId")
        .filter(|v| !v.is_empty())
        .ok_or(SignatureError::MissingParameter("keyId"))?;
    let signature_b64 = get("signature")
        .filter(|v| !v.is_empty())
        .ok_or(SignatureError::MissingParameter("signature"))?;
    let algorithm_name = get("algorithm");
    let algorithm = match algorithm_name {
        Some("rsa-sha256") => Some(Algorithm::RsaV1_5Sha256),
        Some("hs2019") | None => None,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(snippet(other))),
    };

    // draft-cavage-12 section 2.1.6: the default is `(created)`.
    let names: Vec<String> = match get("headers") {
        Some(h) => h
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        None => vec!["(created)".to_owned()],
    };
    if names.is_empty() {
        return Err(SignatureError::Malformed("empty headers parameter".into()));
    }
    if names.len() > MAX_COMPONENTS {
        return Err(SignatureError::TooManyComponents);
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(SignatureError::Malformed(format!(
                "{} covered twice",
                snippet(n)
            )));
        }
    }

    let created_raw = get("created");
    let expires_raw = get("expires");
    let created = created_raw.map(|v| parse_time(v, false)).transpose()?;
    let expires = expires_raw.map(|v| parse_time(v, true)).transpose()?;
    // draft-cavage-12 section 2.3: (created)/(expires) are an error with rsa-*/hmac-*/ecdsa-*.
    if algorithm_name.is_some_and(|a| a != "hs2019")
        && names.iter().any(|n| n == "(created)" || n == "(expires)")
    {
        return Err(SignatureError::Malformed(
            "(created)/(expires) covered with an algorithm that forbids them".into(),
        ));
    }

    let signature = B64
        .decode(signature_b64.as_bytes())
        .map_err(|_| SignatureError::Malformed("signature is not base64".into()))?;

    let target = req.request_target();
    let base = signature_base(req, &names, created_raw, expires_raw, &target)?;
    let legacy_base = if req.uri.query().is_some() && names.iter().any(|n| n == "(request-target)")
    {
        Some(signature_base(
            req,
            &names,
            created_raw,
            expires_raw,
            req.path(),
        )?)
    } else {
        None
    };

    let date = if names.iter().any(|n| n == "date") {
        let raw = req.required_header("date")?;
        Some(
            httpdate::parse_http_date(&raw)
                .map_err(|_| SignatureError::Malformed("Date header".into()))?,
        )
    } else {
        None
    };
    let digest = if names.iter().any(|n| n == "digest") {
        Some(req.required_header("digest")?)
    } else {
        None
    };

    Ok(ParsedSignature {
        key_id: key_id.to_owned(),
        scheme: Scheme::Cavage,
        algorithm,
        label: None,
        components: names,
        base,
        legacy_base,
        signature,
        created,
        expires,
        date,
        digest,
        body_method: matches!(
            *req.method,
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_params() -> Result<(), SignatureError> {
        let p = split_params(
            r#"keyId="https://a.test/users/x#main-key", algorithm="rsa-sha256",headers="(request-target) host",signature="ab+/=",created=1402170695, expires=1402170699.5, q="a\"b""#,
        )?;
        assert_eq!(p.len(), 7);
        assert_eq!(
            p[0],
            ("keyId".into(), "https://a.test/users/x#main-key".into())
        );
        assert_eq!(p[4], ("created".into(), "1402170695".into()));
        assert_eq!(p[5], ("expires".into(), "1402170699.5".into()));
        assert_eq!(p[6], ("q".into(), "a\"b".into()));
        Ok(())
    }

    #[test]
    fn rejects_bad_params() {
        for bad in [
            r#"keyId"#,
            r#"keyId="a"#,
            r#"keyId="a"x,signature="b""#,
            r#"keyId="a",keyId="b""#,
            r#"=x"#,
            r#"ké="a""#,
        ] {
            assert!(split_params(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("1402170695", false), Ok(1402170695));
        assert_eq!(parse_time("1402170699.25", true), Ok(1402170699));
        for bad in ["", "-1", "1.5", "abc", "1234567890123456", "1e9"] {
            assert!(parse_time(bad, false).is_err(), "{bad:?}");
        }
        assert!(parse_time("1.", true).is_err());
    }
}
