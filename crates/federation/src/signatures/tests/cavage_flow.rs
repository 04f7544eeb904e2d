//! draft-cavage: round trips, the Mastodon wire format, and every refusal.

use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::*;

#[test]
fn post_round_trip() -> TestResult {
    let (uri, headers) = signed_post(now())?;
    let parsed = parse(&Method::POST, &uri, &headers)?;
    assert_eq!(parsed.key_id(), KEY_ID);
    assert_eq!(parsed.scheme(), Scheme::Cavage);
    assert_eq!(parsed.algorithm(), Some(Algorithm::RsaV1_5Sha256));
    assert_eq!(
        parsed.components(),
        ["(request-target)", "host", "date", "digest"]
    );
    let v = verify(&parsed, &alice().public_pem, Some(BODY), now())?;
    assert_eq!(
        v,
        Verified {
            key_id: KEY_ID.into(),
            scheme: Scheme::Cavage,
            algorithm: Algorithm::RsaV1_5Sha256,
            signed_at: now(),
            legacy_request_target: false,
        }
    );
    // On the server the URI is usually origin-form; draft-cavage needs only path and query.
    let origin: Uri = "/users/bob/inbox".parse()?;
    check(
        &Method::POST,
        &origin,
        &headers,
        &alice().public_pem,
        Some(BODY),
    )?;
    Ok(())
}

#[test]
fn get_round_trip_covers_no_digest() -> TestResult {
    let uri: Uri = "https://b.test/users/bob/outbox?page=true".parse()?;
    let mut headers = HeaderMap::new();
    sign_request(
        &Method::GET,
        &uri,
        &mut headers,
        None,
        KEY_ID,
        &alice().private_pem,
        now(),
    )?;
    assert!(!headers.contains_key("digest"));
    let sig = headers.get("signature").ok_or("signature")?.to_str()?;
    assert!(
        sig.contains(r#"headers="(request-target) host date""#),
        "{sig}"
    );
    let parsed = parse(&Method::GET, &uri, &headers)?;
    assert_eq!(
        parsed.signature_base(),
        "(request-target): get /users/bob/outbox?page=true\nhost: b.test\ndate: Tue, 14 Nov 2023 22:13:20 GMT"
    );
    verify(&parsed, &alice().public_pem, None, now())?;
    Ok(())
}

#[test]
fn authorization_signature_header_is_accepted() -> TestResult {
    let (uri, mut headers) = signed_post(now())?;
    let sig = headers.remove("signature").ok_or("signature")?;
    let auth = format!("Signature {}", sig.to_str()?);
    headers.insert("authorization", HeaderValue::from_str(&auth)?);
    check(
        &Method::POST,
        &uri,
        &headers,
        &alice().public_pem,
        Some(BODY),
    )?;
    // Another Authorization scheme is not a signature.
    headers.insert("authorization", HeaderValue::from_static("Bearer abc"));
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::Unsigned)
    );
    Ok(())
}

#[test]
fn mastodon_wire_format() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let mut headers = HeaderMap::new();
    sign_request(
        &Method::POST,
        &uri,
        &mut headers,
        Some(BODY),
        KEY_ID,
        &alice().private_pem,
        now(),
    )?;
    let get = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(get("host"), "b.test");
    assert_eq!(get("date"), "Tue, 14 Nov 2023 22:13:20 GMT");
    let digest = format!(
        "SHA-256={}",
        STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, BODY))
    );
    assert_eq!(get("digest"), digest);
    let sig = get("signature");
    let prefix = format!(
        r#"keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature=""#
    );
    assert!(sig.starts_with(&prefix), "{sig}");
    assert!(sig.ends_with('"'));
    let b64 = &sig[prefix.len()..sig.len() - 1];
    let raw = STANDARD.decode(b64)?;
    assert_eq!(raw.len(), 256, "RSA-2048 signature");
    // Checked against a base written out by hand, not by our own builder.
    let base = format!(
        "(request-target): post /users/bob/inbox\nhost: b.test\ndate: Tue, 14 Nov 2023 22:13:20 GMT\ndigest: {digest}"
    );
    let (_, spki) = decode_pem(&alice().public_pem)?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki)
        .verify(base.as_bytes(), &raw)
        .map_err(|_| "signature over the hand-written base")?;
    Ok(())
}

#[test]
fn signer_keeps_existing_host_and_date_and_adds_port() -> TestResult {
    let uri: Uri = "http://b.test:8080/inbox".parse()?;
    let mut headers = HeaderMap::new();
    sign_request_with(
        &Method::POST,
        &uri,
        &mut headers,
        Some(b"{}"),
        KEY_ID,
        &alice_signer(),
        now(),
    )?;
    assert_eq!(headers.get("host").ok_or("host")?, "b.test:8080");
    let default_port: Uri = "https://B.test:443/inbox".parse()?;
    let mut headers = HeaderMap::new();
    headers.insert(
        "date",
        HeaderValue::from_static("Tue, 14 Nov 2023 22:10:00 GMT"),
    );
    sign_request_with(
        &Method::POST,
        &default_port,
        &mut headers,
        Some(b"{}"),
        KEY_ID,
        &alice_signer(),
        now(),
    )?;
    assert_eq!(headers.get("host").ok_or("host")?, "b.test");
    assert_eq!(
        headers.get("date").ok_or("date")?,
        "Tue, 14 Nov 2023 22:10:00 GMT"
    );
    check(
        &Method::POST,
        &default_port,
        &headers,
        &alice().public_pem,
        Some(b"{}"),
    )?;
    Ok(())
}

#[test]
fn signer_refuses_bad_input() -> TestResult {
    let relative: Uri = "/inbox".parse()?;
    let mut headers = HeaderMap::new();
    let err = sign_request_with(
        &Method::POST,
        &relative,
        &mut headers,
        None,
        KEY_ID,
        &alice_signer(),
        now(),
    );
    assert!(matches!(err, Err(SignatureError::Signing(_))));
    let uri: Uri = INBOX.parse()?;
    for bad_key_id in ["", "a\"b", "a\nb", "a\\b"] {
        let err = sign_request_with(
            &Method::POST,
            &uri,
            &mut headers,
            None,
            bad_key_id,
            &alice_signer(),
            now(),
        );
        assert!(
            matches!(err, Err(SignatureError::Signing(_))),
            "{bad_key_id:?}"
        );
    }
    let err = sign_request_with(
        &Method::POST,
        &uri,
        &mut HeaderMap::new(),
        None,
        KEY_ID,
        &alice_signer(),
        UNIX_EPOCH - Duration::from_secs(1),
    );
    assert!(matches!(err, Err(SignatureError::Signing(_))));
    assert!(matches!(
        sign_request(
            &Method::POST,
            &uri,
            &mut headers,
            None,
            KEY_ID,
            &alice().public_pem,
            now()
        ),
        Err(SignatureError::InvalidKey(_))
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// draft-cavage refusals

#[test]
fn post_without_digest_coverage_is_refused() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let mut headers = HeaderMap::new();
    // Signed as if there were no body: no Digest, no `digest` in headers=.
    sign_request_with(
        &Method::POST,
        &uri,
        &mut headers,
        None,
        KEY_ID,
        &alice_signer(),
        now(),
    )?;
    for body in [Some(BODY), None] {
        assert_eq!(
            check(&Method::POST, &uri, &headers, &alice().public_pem, body).err(),
            Some(SignatureError::InsufficientCoverage("digest"))
        );
    }
    Ok(())
}

#[test]
fn wrong_digest_is_refused() -> TestResult {
    let (uri, mut headers) = signed_post(now())?;
    headers.insert(
        "digest",
        HeaderValue::from_str(&digest_header(b"something else"))?,
    );
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::DigestMismatch("Digest"))
    );
    headers.insert(
        "digest",
        HeaderValue::from_static("MD5=rL0Y20zC+Fzt72VPzMSk2A=="),
    );
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::UnsupportedDigest("Digest"))
    );
    headers.remove("digest");
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::MissingHeader("digest".into()))
    );
    Ok(())
}

#[test]
fn body_changed_after_signing_is_refused() -> TestResult {
    let (uri, headers) = signed_post(now())?;
    let mut tampered = BODY.to_vec();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(&tampered)
        )
        .err(),
        Some(SignatureError::DigestMismatch("Digest"))
    );
    Ok(())
}

#[test]
fn date_window() -> TestResult {
    let cases = [
        (
            now() - MAX_AGE - Duration::from_secs(1),
            Some(SignatureError::StaleDate),
        ),
        (now() - MAX_AGE, None),
        (
            now() - Duration::from_secs(12 * 3600),
            Some(SignatureError::StaleDate),
        ),
        (now() + MAX_FUTURE_SKEW, None),
        (
            now() + MAX_FUTURE_SKEW + Duration::from_secs(1),
            Some(SignatureError::FutureDate),
        ),
        (
            now() + Duration::from_secs(3600),
            Some(SignatureError::FutureDate),
        ),
    ];
    for (at, want) in cases {
        let (uri, headers) = signed_post(at)?;
        let got = check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY),
        )
        .err();
        assert_eq!(got, want, "signed at {at:?}");
    }
    Ok(())
}

#[test]
fn unparseable_date_is_refused() -> TestResult {
    let (uri, mut headers) = signed_post(now())?;
    headers.insert("date", HeaderValue::from_static("yesterday"));
    assert!(matches!(
        parse(&Method::POST, &uri, &headers),
        Err(SignatureError::Malformed(_))
    ));
    Ok(())
}

#[test]
fn too_few_covered_headers_are_refused() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let key = alice_signer();
    let base_headers = || {
        let mut h = with_date(HeaderMap::new(), now());
        h.insert("host", HeaderValue::from_static("b.test"));
        h.insert(
            "digest",
            HeaderValue::from_str(&digest_header(BODY)).expect("digest"),
        );
        h
    };
    let cases: [(&[&str], &'static str); 4] = [
        (&["(request-target)", "host", "digest"], "date or (created)"),
        (&["(request-target)", "host", "date"], "digest"),
        (&["host", "date", "digest"], "(request-target)"),
        (&["(request-target)", "date", "digest"], "host"),
    ];
    for (names, missing) in cases {
        let mut headers = base_headers();
        sign_cavage_custom(&Method::POST, &uri, &mut headers, &key, &Custom::rsa(names))?;
        assert_eq!(
            check(
                &Method::POST,
                &uri,
                &headers,
                &alice().public_pem,
                Some(BODY)
            )
            .err(),
            Some(SignatureError::InsufficientCoverage(missing)),
            "{names:?}"
        );
    }
    // No headers= at all defaults to `(created)` alone (draft-cavage-12), which is not enough.
    let mut headers = base_headers();
    headers.insert(
        "signature",
        HeaderValue::from_str(&format!(
            r#"keyId="{KEY_ID}",created=1700000000,signature="AAAA""#
        ))?,
    );
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::InsufficientCoverage("(request-target)"))
    );
    Ok(())
}

#[test]
fn signature_over_another_path_or_method_is_refused() -> TestResult {
    let (_, headers) = signed_post(now())?;
    let other: Uri = "https://b.test/users/eve/inbox".parse()?;
    assert_eq!(
        check(
            &Method::POST,
            &other,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    let uri: Uri = INBOX.parse()?;
    assert_eq!(
        check(
            &Method::PUT,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    // A different Host header (the request was replayed to another server).
    let mut moved = headers.clone();
    moved.insert("host", HeaderValue::from_static("c.test"));
    assert_eq!(
        check(&Method::POST, &uri, &moved, &alice().public_pem, Some(BODY)).err(),
        Some(SignatureError::BadSignature)
    );
    Ok(())
}

#[test]
fn garbage_signature_is_refused() -> TestResult {
    let (uri, mut headers) = signed_post(now())?;
    let sig = headers
        .get("signature")
        .ok_or("signature")?
        .to_str()?
        .to_owned();
    let start = sig.find("signature=\"").ok_or("param")? + "signature=\"".len();
    let garbage = format!("{}%%%not base64%%%\"", &sig[..start]);
    headers.insert("signature", HeaderValue::from_str(&garbage)?);
    assert!(matches!(
        parse(&Method::POST, &uri, &headers),
        Err(SignatureError::Malformed(_))
    ));
    // Valid base64, wrong bytes.
    let wrong = format!("{}{}\"", &sig[..start], STANDARD.encode([7u8; 256]));
    headers.insert("signature", HeaderValue::from_str(&wrong)?);
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    // Truncated signature.
    let short = format!("{}AAAA\"", &sig[..start]);
    headers.insert("signature", HeaderValue::from_str(&short)?);
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    Ok(())
}

#[test]
fn unknown_algorithm_is_refused() -> TestResult {
    let (uri, mut headers) = signed_post(now())?;
    let sig = headers
        .get("signature")
        .ok_or("signature")?
        .to_str()?
        .to_owned();
    for alg in [
        "rsa-sha512",
        "hmac-sha256",
        "ecdsa-sha256",
        "RSA-SHA256",
        "",
    ] {
        let changed = sig.replace(
            r#"algorithm="rsa-sha256""#,
            &format!(r#"algorithm="{alg}""#),
        );
        headers.insert("signature", HeaderValue::from_str(&changed)?);
        assert_eq!(
            parse(&Method::POST, &uri, &headers).err(),
            Some(SignatureError::UnsupportedAlgorithm(alg.into())),
            "{alg}"
        );
    }
    Ok(())
}

#[test]
fn signature_by_another_key_is_refused() -> TestResult {
    let (uri, headers) = signed_post(now())?;
    // Same keyId, but the key the caller fetched for it is not the one that signed.
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &mallory().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    Ok(())
}

#[test]
fn missing_parameters() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let mut headers = HeaderMap::new();
    for (value, want) in [
        (
            r#"algorithm="rsa-sha256",signature="AAAA""#,
            SignatureError::MissingParameter("keyId"),
        ),
        (
            r#"keyId="",signature="AAAA""#,
            SignatureError::MissingParameter("keyId"),
        ),
        (
            r#"keyId="k",headers="date""#,
            SignatureError::MissingParameter("signature"),
        ),
    ] {
        headers.insert("signature", HeaderValue::from_static(value));
        assert_eq!(
            parse(&Method::POST, &uri, &headers).err(),
            Some(want),
            "{value}"
        );
    }
    headers.clear();
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::Unsigned)
    );
    // A covered header that is absent.
    headers.insert(
        "signature",
        HeaderValue::from_static(r#"keyId="k",headers="(request-target) x-nope",signature="AAAA""#),
    );
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::MissingHeader("x-nope".into()))
    );
    // Repeated Signature headers are ambiguous.
    headers.append(
        "signature",
        HeaderValue::from_static(r#"keyId="k",signature="AAAA""#),
    );
    assert!(matches!(
        parse(&Method::POST, &uri, &headers),
        Err(SignatureError::Malformed(_))
    ));
    Ok(())
}

#[test]
fn hs2019_with_created_and_expires() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let key = alice_signer();
    let names = [
        "(request-target)",
        "host",
        "(created)",
        "(expires)",
        "digest",
    ];
    let sign = |created: u64, expires: u64| -> Result<HeaderMap, SignatureError> {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("b.test"));
        headers.insert(
            "digest",
            HeaderValue::from_str(&digest_header(BODY))
                .map_err(|_| SignatureError::Signing("hv"))?,
        );
        let (c, e) = (created.to_string(), expires.to_string());
        let custom = Custom {
            algorithm: "hs2019",
            created: Some(&c),
            expires: Some(&e),
            ..Custom::rsa(&names)
        };
        sign_cavage_custom(&Method::POST, &uri, &mut headers, &key, &custom)?;
        Ok(headers)
    };
    let headers = sign(NOW_SECS - 10, NOW_SECS + 300)?;
    let parsed = parse(&Method::POST, &uri, &headers)?;
    assert_eq!(parsed.algorithm(), None);
    assert_eq!(parsed.created(), Some(1_699_999_990));
    let v = verify(&parsed, &alice().public_pem, Some(BODY), now())?;
    assert_eq!(v.algorithm, Algorithm::RsaV1_5Sha256);
    assert_eq!(v.signed_at, now() - Duration::from_secs(10));

    let expired = sign(NOW_SECS - 900, NOW_SECS - 600)?;
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &expired,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::Expired)
    );
    let future = sign(NOW_SECS + 3600, NOW_SECS + 7200)?;
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &future,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::FutureDate)
    );

    // (created) with rsa-sha256 is an error per draft-cavage-12.
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("b.test"));
    headers.insert("signature", HeaderValue::from_static(r#"keyId="k",algorithm="rsa-sha256",headers="(request-target) host (created)",created=1700000000,signature="AAAA""#));
    assert!(matches!(
        parse(&Method::POST, &uri, &headers),
        Err(SignatureError::Malformed(_))
    ));
    // (created) covered without the parameter.
    headers.insert("signature", HeaderValue::from_static(r#"keyId="k",algorithm="hs2019",headers="(request-target) host (created)",signature="AAAA""#));
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::MissingParameter("created"))
    );
    Ok(())
}

#[test]
fn legacy_mastodon_request_target_without_query() -> TestResult {
    let uri: Uri = "https://b.test/users/bob/collections/featured?page=1".parse()?;
    let mut headers = with_date(HeaderMap::new(), now());
    headers.insert("host", HeaderValue::from_static("b.test"));
    let custom = Custom {
        request_target: Some("/users/bob/collections/featured"),
        ..Custom::rsa(&["(request-target)", "host", "date"])
    };
    sign_cavage_custom(&Method::GET, &uri, &mut headers, &alice_signer(), &custom)?;
    let v = check(&Method::GET, &uri, &headers, &alice().public_pem, None)?;
    assert!(v.legacy_request_target);
    Ok(())
}

#[test]
fn ed25519_key_signs_as_hs2019() -> TestResult {
    let key = SigningKey::from_pem(ED25519_PRIVATE)?;
    assert_eq!(key.kind(), KeyKind::Ed25519);
    let uri: Uri = INBOX.parse()?;
    let mut headers = HeaderMap::new();
    sign_request_with(
        &Method::POST,
        &uri,
        &mut headers,
        Some(BODY),
        KEY_ID,
        &key,
        now(),
    )?;
    let sig = headers.get("signature").ok_or("signature")?.to_str()?;
    assert!(sig.contains(r#"algorithm="hs2019""#));
    let v = check(&Method::POST, &uri, &headers, ED25519_PUBLIC, Some(BODY))?;
    assert_eq!(v.algorithm, Algorithm::Ed25519);
    // An RSA key under an Ed25519 signature: wrong key, plainly.
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::BadSignature)
    );
    // rsa-sha256 named with an Ed25519 key is a mismatch.
    let (uri, headers) = signed_post(now())?;
    assert_eq!(
        check(&Method::POST, &uri, &headers, ED25519_PUBLIC, Some(BODY)).err(),
        Some(SignatureError::KeyMismatch)
    );
    Ok(())
}
