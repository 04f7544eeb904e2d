//! RFC 9421: round trips with our signer, coverage policy, several labels.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::*;

#[test]
fn rfc9421_round_trip_and_refusals() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let sign = |at: SystemTime| -> Result<HeaderMap, SignatureError> {
        let mut headers = HeaderMap::new();
        sign_request_rfc9421(
            &Method::POST,
            &uri,
            &mut headers,
            Some(BODY),
            KEY_ID,
            &alice_signer(),
            at,
        )?;
        Ok(headers)
    };
    let headers = sign(now())?;
    let input = headers.get("signature-input").ok_or("input")?.to_str()?;
    assert_eq!(
        input,
        format!(
            r#"sig1=("@method" "@target-uri" "content-digest");created={NOW_SECS};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#
        )
    );
    let parsed = parse(&Method::POST, &uri, &headers)?;
    assert_eq!(parsed.scheme(), Scheme::Rfc9421);
    assert_eq!(parsed.label(), Some("sig1"));
    assert_eq!(parsed.key_id(), KEY_ID);
    assert_eq!(
        parsed.components(),
        ["@method", "@target-uri", "content-digest"]
    );
    assert_eq!(
        parsed.signature_base(),
        format!(
            "\"@method\": POST\n\"@target-uri\": {INBOX}\n\"content-digest\": {}\n\"@signature-params\": {}",
            content_digest_header(BODY),
            &input["sig1=".len()..]
        )
    );
    let v = verify(&parsed, &alice().public_pem, Some(BODY), now())?;
    assert_eq!(
        (v.scheme, v.algorithm, v.signed_at),
        (Scheme::Rfc9421, Algorithm::RsaV1_5Sha256, now())
    );

    // Body changed.
    assert_eq!(
        verify(&parsed, &alice().public_pem, Some(b"{}"), now()).err(),
        Some(SignatureError::DigestMismatch("Content-Digest"))
    );
    // Other key.
    assert_eq!(
        verify(&parsed, &mallory().public_pem, Some(BODY), now()).err(),
        Some(SignatureError::BadSignature)
    );
    // Stale and future `created`.
    let stale = sign(now() - MAX_AGE - Duration::from_secs(1))?;
    assert_eq!(
        check(&Method::POST, &uri, &stale, &alice().public_pem, Some(BODY)).err(),
        Some(SignatureError::StaleDate)
    );
    let future = sign(now() + MAX_FUTURE_SKEW + Duration::from_secs(1))?;
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
    // Another target.
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
    // An origin-form URI cannot give @target-uri.
    let origin: Uri = "/users/bob/inbox".parse()?;
    assert!(matches!(
        parse(&Method::POST, &origin, &headers),
        Err(SignatureError::Malformed(_))
    ));
    // GET without body: no content-digest needed.
    let mut get = HeaderMap::new();
    sign_request_rfc9421(
        &Method::GET,
        &uri,
        &mut get,
        None,
        KEY_ID,
        &alice_signer(),
        now(),
    )?;
    check(&Method::GET, &uri, &get, &alice().public_pem, None)?;
    Ok(())
}

/// Signs an RFC 9421 signature over any components, with any parameters.
fn sign_rfc9421_custom(
    uri: &Uri,
    headers: &mut HeaderMap,
    label: &str,
    input: &str,
    key: &SigningKey,
) -> TestResult {
    let dict = sfv::parse_dictionary(&format!("{label}={input}"))?;
    let Some((_, sfv::Member::InnerList(list))) = dict.first() else {
        return Err("inner list".into());
    };
    let req = RequestParts {
        method: &Method::POST,
        uri,
        headers,
    };
    let (base, _) = rfc9421::signature_base(&req, list)?;
    let sig = STANDARD.encode(key.sign(base.as_bytes())?);
    headers.append(
        "signature-input",
        HeaderValue::from_str(&format!("{label}={input}"))?,
    );
    headers.append(
        "signature",
        HeaderValue::from_str(&format!("{label}=:{sig}:"))?,
    );
    Ok(())
}

#[test]
fn rfc9421_coverage_and_labels() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let key = alice_signer();
    let fresh = || {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("b.test"));
        h.insert(
            "content-digest",
            HeaderValue::from_str(&content_digest_header(BODY)).expect("cd"),
        );
        h
    };
    let cases: [(String, Option<SignatureError>); 5] = [
        (
            format!(
                r#"("@method" "@authority" "@path" "content-digest");created={NOW_SECS};keyid="k""#
            ),
            None,
        ),
        (
            format!(r#"("@target-uri" "content-digest");created={NOW_SECS};keyid="k""#),
            Some(SignatureError::InsufficientCoverage("@method")),
        ),
        (
            format!(r#"("@method" "@authority" "content-digest");created={NOW_SECS};keyid="k""#),
            Some(SignatureError::InsufficientCoverage(
                "@target-uri (or @authority with @path)",
            )),
        ),
        (
            format!(r#"("@method" "@target-uri");created={NOW_SECS};keyid="k""#),
            Some(SignatureError::InsufficientCoverage("content-digest")),
        ),
        (
            format!(
                r#"("@method" "@target-uri" "content-digest");created={NOW_SECS};expires={};keyid="k""#,
                NOW_SECS - 400
            ),
            Some(SignatureError::Expired),
        ),
    ];
    for (input, want) in cases {
        let mut headers = fresh();
        sign_rfc9421_custom(&uri, &mut headers, "sig", &input, &key)?;
        assert_eq!(
            check(
                &Method::POST,
                &uri,
                &headers,
                &alice().public_pem,
                Some(BODY)
            )
            .err(),
            want,
            "{input}"
        );
    }

    // Several labels: the first usable one is chosen (an HMAC one and one without its Signature
    // member are skipped), on one field line or several.
    let mut headers = fresh();
    headers.insert("signature-input", HeaderValue::from_static(r#"hmac=("@method");created=1;keyid="shared";alg="hmac-sha256", lost=("@method");created=1;keyid="x""#));
    headers.insert("signature", HeaderValue::from_static("hmac=:AAAA:"));
    let good = format!(
        r#"("@method" "@target-uri" "content-digest");created={NOW_SECS};keyid="{KEY_ID}";alg="rsa-v1_5-sha256""#
    );
    sign_rfc9421_custom(&uri, &mut headers, "proxy-sig", &good, &key)?;
    let parsed = parse(&Method::POST, &uri, &headers)?;
    assert_eq!(parsed.label(), Some("proxy-sig"));
    verify(&parsed, &alice().public_pem, Some(BODY), now())?;

    // Only unusable labels: the first one's error.
    let mut headers = fresh();
    headers.insert(
        "signature-input",
        HeaderValue::from_static(r#"a=("@method");created=1;keyid="k";alg="hmac-sha256""#),
    );
    headers.insert("signature", HeaderValue::from_static("a=:AAAA:"));
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::UnsupportedAlgorithm("hmac-sha256".into()))
    );
    for (input, sig) in [
        (r#"a=("@method");keyid="k""#, "a=:AAAA:"),
        (r#"a=("@method");created=1"#, "a=:AAAA:"),
        (r#"a=("@method");created="1";keyid="k""#, "a=:AAAA:"),
        (r#"a=("@method" "@method");created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("@status");created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("content-type";sf);created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("Content-Type");created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("@signature-params");created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("@method");created=1;keyid="k""#, "a=AAAA"),
        (r#"a=("@method");created=1;keyid="k""#, "b=:AAAA:"),
        (r#"a="@method";created=1;keyid="k""#, "a=:AAAA:"),
        (r#"a=("@method";created=1;keyid="k""#, "a=:AAAA:"),
    ] {
        let mut headers = fresh();
        headers.insert("signature-input", HeaderValue::from_static(input));
        headers.insert("signature", HeaderValue::from_static(sig));
        assert!(
            parse(&Method::POST, &uri, &headers).is_err(),
            "{input} / {sig}"
        );
    }

    // alg names Ed25519 while the key is RSA.
    let mut headers = fresh();
    let ed = format!(
        r#"("@method" "@target-uri" "content-digest");created={NOW_SECS};keyid="k";alg="ed25519""#
    );
    sign_rfc9421_custom(&uri, &mut headers, "s", &ed, &key)?;
    assert_eq!(
        check(
            &Method::POST,
            &uri,
            &headers,
            &alice().public_pem,
            Some(BODY)
        )
        .err(),
        Some(SignatureError::KeyMismatch)
    );
    Ok(())
}
