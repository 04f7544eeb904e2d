//! RFC 9421 Appendix B test vectors (B.2.1, B.2.2, B.2.3 RSA-PSS; B.2.6 Ed25519).

use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::*;

/// RFC 9421 B.2: created=1618884473.
const RFC_CREATED: u64 = 1_618_884_473;
const RFC_BODY: &[u8] = br#"{"hello": "world"}"#;

/// RFC 9421 B.2's test request (`POST /foo?param=Value&Pet=dog` to example.com) plus a
/// signature under `label`.
fn rfc_request(
    label: &str,
    input: &str,
    signature: &str,
) -> Result<HeaderMap, Box<dyn std::error::Error>> {
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_static("example.com"));
    h.insert(
        "date",
        HeaderValue::from_static("Tue, 20 Apr 2021 02:07:55 GMT"),
    );
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("content-digest", HeaderValue::from_static("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"));
    h.insert("content-length", HeaderValue::from_static("18"));
    h.insert(
        "signature-input",
        HeaderValue::from_str(&format!("{label}={input}"))?,
    );
    h.insert(
        "signature",
        HeaderValue::from_str(&format!("{label}=:{signature}:"))?,
    );
    Ok(h)
}

fn rfc_uri() -> Uri {
    Uri::from_static("https://example.com/foo?param=Value&Pet=dog")
}

#[test]
fn rfc9421_b26_ed25519_vector() -> TestResult {
    let expected_sig =
        "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";
    let headers = rfc_request(
        "sig-b26",
        r#"("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
        expected_sig,
    )?;
    let parsed = parse(&Method::POST, &rfc_uri(), &headers)?;
    let expected_base = concat!(
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
        "\"@method\": POST\n",
        "\"@path\": /foo\n",
        "\"@authority\": example.com\n",
        "\"content-type\": application/json\n",
        "\"content-length\": 18\n",
        "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
    );
    assert_eq!(parsed.signature_base(), expected_base);
    assert_eq!(parsed.key_id(), "test-key-ed25519");
    assert_eq!(parsed.label(), Some("sig-b26"));
    assert_eq!(parsed.algorithm(), None);

    let public = PublicKey::from_pem(ED25519_PUBLIC)?;
    assert_eq!(
        verify::check_signature_only(&parsed, &public)?,
        Algorithm::Ed25519
    );
    // Ed25519 is deterministic: our signer reproduces the RFC's bytes exactly.
    let signer = SigningKey::from_pem(ED25519_PRIVATE)?;
    assert_eq!(
        STANDARD.encode(signer.sign(expected_base.as_bytes())?),
        expected_sig
    );

    // The full policy at the RFC's own time: dated fine and @authority + @path stand for the
    // target, but the request has a body and content-digest is not covered.
    let at = UNIX_EPOCH + Duration::from_secs(RFC_CREATED + 5);
    assert_eq!(
        verify(&parsed, ED25519_PUBLIC, Some(RFC_BODY), at).err(),
        Some(SignatureError::InsufficientCoverage("content-digest"))
    );
    // A covered header that is absent.
    let mut later = headers.clone();
    later.remove("content-length");
    assert_eq!(
        parse(&Method::POST, &rfc_uri(), &later).err(),
        Some(SignatureError::MissingHeader("content-length".into()))
    );

    // Altered message.
    let mut altered = headers.clone();
    altered.insert("content-type", HeaderValue::from_static("text/plain"));
    let parsed = parse(&Method::POST, &rfc_uri(), &altered)?;
    assert_eq!(
        verify::check_signature_only(&parsed, &public).err(),
        Some(SignatureError::BadSignature)
    );
    Ok(())
}

#[test]
fn rfc9421_rsa_pss_vectors() -> TestResult {
    let public = PublicKey::from_pem(RSA_PSS_PUBLIC)?;
    assert_eq!(public.kind(), KeyKind::Rsa);

    // B.2.1: minimal signature, nothing covered.
    let h = rfc_request(
        "sig-b21",
        r#"();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        "d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==",
    )?;
    let parsed = parse(&Method::POST, &rfc_uri(), &h)?;
    assert_eq!(
        parsed.signature_base(),
        r#""@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#
    );
    // No alg parameter: an RSA key means rsa-v1_5-sha256 to us, so the PSS signature fails...
    assert_eq!(
        verify::check_signature_only(&parsed, &public).err(),
        Some(SignatureError::BadSignature)
    );
    // ...and with alg="rsa-pss-sha512" (what the RFC's verifier knows from the key) it verifies.
    let mut with_alg = parsed.clone();
    with_alg.algorithm = Some(Algorithm::RsaPssSha512);
    assert_eq!(
        verify::check_signature_only(&with_alg, &public)?,
        Algorithm::RsaPssSha512
    );
    // Policy: covers nothing.
    let at = UNIX_EPOCH + Duration::from_secs(RFC_CREATED);
    assert_eq!(
        verify_with_key(&with_alg, &public, None, at).err(),
        Some(SignatureError::InsufficientCoverage("@method"))
    );

    // B.2.2: selective coverage, including @query-param and a tag parameter.
    let h = rfc_request(
        "sig-b22",
        r#"("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="test-key-rsa-pss";tag="header-example""#,
        "LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==",
    )?;
    let mut parsed = parse(&Method::POST, &rfc_uri(), &h)?;
    assert_eq!(
        parsed.signature_base(),
        concat!(
            "\"@authority\": example.com\n",
            "\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n",
            "\"@query-param\";name=\"Pet\": dog\n",
            "\"@signature-params\": (\"@authority\" \"content-digest\" \"@query-param\";name=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
        )
    );
    assert_eq!(
        parsed.components(),
        ["@authority", "content-digest", "@query-param;name=\"Pet\""]
    );
    parsed.algorithm = Some(Algorithm::RsaPssSha512);
    verify::check_signature_only(&parsed, &public)?;

    // B.2.3: full coverage.
    let h = rfc_request(
        "sig-b23",
        r#"("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
        "bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==",
    )?;
    let parsed = parse(&Method::POST, &rfc_uri(), &h)?;
    assert!(parsed.signature_base().starts_with("\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\"@query\": ?param=Value&Pet=dog\n"));
    let mut with_alg = parsed.clone();
    with_alg.algorithm = Some(Algorithm::RsaPssSha512);
    verify::check_signature_only(&with_alg, &public)?;
    // This one meets our whole policy at the RFC's time, Content-Digest (SHA-512) included.
    let at = UNIX_EPOCH + Duration::from_secs(RFC_CREATED + 60);
    let v = verify_with_key(&with_alg, &public, Some(RFC_BODY), at)?;
    assert_eq!(v.algorithm, Algorithm::RsaPssSha512);
    assert_eq!(
        verify_with_key(&with_alg, &public, Some(b"{}"), at).err(),
        Some(SignatureError::DigestMismatch("Content-Digest"))
    );
    // With alg="rsa-pss-sha512" stated in the header, no help needed.
    let h = rfc_request(
        "sig-b23",
        r#"("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss";alg="rsa-pss-sha512""#,
        "AAAA",
    )?;
    assert_eq!(
        parse(&Method::POST, &rfc_uri(), &h)?.algorithm(),
        Some(Algorithm::RsaPssSha512)
    );
    Ok(())
}
