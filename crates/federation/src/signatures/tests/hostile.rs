//! Size bounds and arbitrary input: errors, never panics.

use http::{HeaderMap, HeaderValue, Method, Uri};

use super::*;

#[test]
fn oversized_headers_and_too_many_components() -> TestResult {
    let uri: Uri = INBOX.parse()?;
    let mut headers = HeaderMap::new();
    let huge = format!(r#"keyId="k",signature="{}""#, "A".repeat(MAX_HEADER_BYTES));
    headers.insert("signature", HeaderValue::from_str(&huge)?);
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::HeaderTooLarge("signature"))
    );

    let names: Vec<String> = (0..=MAX_COMPONENTS).map(|i| format!("x-h{i}")).collect();
    let many = format!(
        r#"keyId="k",headers="{}",signature="AAAA""#,
        names.join(" ")
    );
    headers.insert("signature", HeaderValue::from_str(&many)?);
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::TooManyComponents)
    );

    let items: Vec<String> = (0..=MAX_COMPONENTS)
        .map(|i| format!("\"x-h{i}\""))
        .collect();
    headers.clear();
    headers.insert(
        "signature-input",
        HeaderValue::from_str(&format!("sig1=({});created=1;keyid=\"k\"", items.join(" ")))?,
    );
    headers.insert("signature", HeaderValue::from_static("sig1=:AAAA:"));
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::TooManyComponents)
    );

    headers.insert(
        "signature-input",
        HeaderValue::from_str(&format!(
            "sig1=(\"{}\");created=1;keyid=\"k\"",
            "a".repeat(MAX_HEADER_BYTES)
        ))?,
    );
    assert_eq!(
        parse(&Method::POST, &uri, &headers).err(),
        Some(SignatureError::HeaderTooLarge("signature-input"))
    );
    Ok(())
}

/// A small deterministic generator, so the no-panic sweep is repeatable.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[usize::try_from(self.next()).unwrap_or(0) % from.len()]
    }
}

#[test]
fn hostile_input_never_panics() -> TestResult {
    const PIECES: &[&str] = &[
        "keyId=",
        "\"",
        "k",
        ",",
        " ",
        "signature=",
        "headers=",
        "algorithm=",
        "hs2019",
        "rsa-sha256",
        "(request-target)",
        "(created)",
        "(expires)",
        "created=",
        "expires=",
        "1",
        "9999999999999999",
        "-",
        ".",
        "=",
        ":",
        "(",
        ")",
        ";",
        "sig1",
        "\"@method\"",
        "\"@query-param\";name=",
        "\\",
        "keyid=",
        "alg=",
        "\"ed25519\"",
        "?1",
        "*",
        "AAAA",
        "\"host\"",
        "\"date\"",
        "digest",
        "\t",
        "\"@target-uri\"",
        "\"@signature-params\"",
        "\"content-digest\"",
        ";sf",
        "%",
    ];
    let uri: Uri = "https://b.test/inbox?a=1&a=2".parse()?;
    let mut rng = Lcg(42);
    for i in 0..4000 {
        let len = 1 + rng.next() % 24;
        let s: String = (0..len).map(|_| rng.pick(PIECES)).collect();
        let Ok(value) = HeaderValue::from_str(&s) else {
            continue;
        };
        let mut headers = with_date(HeaderMap::new(), now());
        headers.insert("host", HeaderValue::from_static("b.test"));
        if i % 2 == 0 {
            headers.insert("signature", value);
        } else {
            headers.insert("signature-input", value.clone());
            headers.insert("signature", value);
        }
        if let Ok(parsed) = parse(&Method::POST, &uri, &headers) {
            let _ = verify(&parsed, &alice().public_pem, Some(b"x"), now());
        }
    }
    // Non-UTF-8 header bytes.
    let mut headers = HeaderMap::new();
    headers.insert("signature", HeaderValue::from_bytes(b"keyId=\"\xff\"")?);
    assert!(parse(&Method::POST, &uri, &headers).is_err());
    Ok(())
}
