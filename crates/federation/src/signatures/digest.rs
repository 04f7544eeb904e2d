//! Body digests: `Digest` (RFC 3230, as draft-cavage signers send it: `SHA-256=<base64>`) and
//! `Content-Digest` (RFC 9530: `sha-256=:<base64>:`). We check SHA-256 and SHA-512; every
//! supported algorithm that is offered must match, and at least one must be offered.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{digest, SHA256, SHA512};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::sfv::{self, BareItem, Member};
use super::SignatureError;

/// `Digest` header value for a body: `SHA-256=<base64>`.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(digest(&SHA256, body)))
}

/// `Content-Digest` header value for a body: `sha-256=:<base64>:`.
pub fn content_digest_header(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(digest(&SHA256, body)))
}

fn matches(alg: &'static aws_lc_rs::digest::Algorithm, body: &[u8], given: &[u8]) -> bool {
    verify_slices_are_equal(digest(alg, body).as_ref(), given).is_ok()
}

/// Checks a `Digest` header value (`SHA-256=…, SHA-512=…`, names case-insensitive) against the body.
pub(crate) fn check_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    const WHAT: &str = "Digest";
    let mut checked = 0;
    for part in value.split(',') {
        let Some((name, b64)) = part.trim().split_once('=') else {
            return Err(SignatureError::Malformed("Digest header".into()));
        };
        let alg = if name.eq_ignore_ascii_case("sha-256") {
            &SHA256
        } else if name.eq_ignore_ascii_case("sha-512") {
            &SHA512
        } else {
            continue;
        };
        let given = STANDARD
            .decode(b64.trim())
            .map_err(|_| SignatureError::Malformed("Digest header base64".into()))?;
        if !matches(alg, body, &given) {
            return Err(SignatureError::DigestMismatch(WHAT));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(SignatureError::UnsupportedDigest(WHAT));
    }
    Ok(())
}

/// Checks a `Content-Digest` header value (a structured-field dictionary) against the body.
pub(crate) fn check_content_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    const WHAT: &str = "Content-Digest";
    let dict = sfv::parse_dictionary(value)
        .map_err(|e| SignatureError::Malformed(format!("Content-Digest header: {e}")))?;
    let mut checked = 0;
    for (name, member) in &dict {
        let alg = match name.as_str() {
            "sha-256" => &SHA256,
            "sha-512" => &SHA512,
            _ => continue,
        };
        let Member::Item(item) = member else {
            return Err(SignatureError::Malformed("Content-Digest member".into()));
        };
        let BareItem::ByteSeq(given) = &item.bare else {
            return Err(SignatureError::Malformed("Content-Digest member".into()));
        };
        if !matches(alg, body, given) {
            return Err(SignatureError::DigestMismatch(WHAT));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(SignatureError::UnsupportedDigest(WHAT));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"hello": "world"}"#;

    #[test]
    fn rfc9530_and_rfc9421_examples() {
        // RFC 9421's test request carries this SHA-512 Content-Digest for its body.
        let cd = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        assert_eq!(check_content_digest(cd, BODY), Ok(()));
        // RFC 9530 section 2: SHA-256 of the same body.
        let cd256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
        assert_eq!(check_content_digest(cd256, BODY), Ok(()));
        assert_eq!(content_digest_header(BODY), cd256);
        assert_eq!(
            check_digest("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", BODY),
            Ok(())
        );
        assert_eq!(
            digest_header(BODY),
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
        );
    }

    #[test]
    fn digest_variants() {
        let good = digest_header(BODY);
        let good_value = good.trim_start_matches("SHA-256=");
        assert_eq!(check_digest(&format!("sha-256={good_value}"), BODY), Ok(()));
        assert_eq!(
            check_digest(&format!("MD5=abc, SHA-256={good_value}"), BODY),
            Ok(())
        );
        assert_eq!(
            check_digest(&good, b"other"),
            Err(SignatureError::DigestMismatch("Digest"))
        );
        assert_eq!(
            check_digest("MD5=rL0Y20zC+Fzt72VPzMSk2A==", BODY),
            Err(SignatureError::UnsupportedDigest("Digest"))
        );
        assert!(matches!(
            check_digest("SHA-256=!!!", BODY),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            check_digest("garbage", BODY),
            Err(SignatureError::Malformed(_))
        ));
        // A wrong-length digest is a mismatch, not a panic.
        assert_eq!(
            check_digest("SHA-256=AAAA", BODY),
            Err(SignatureError::DigestMismatch("Digest"))
        );
    }

    #[test]
    fn content_digest_variants() {
        assert_eq!(
            check_content_digest("sha-256=:AAAA:", BODY),
            Err(SignatureError::DigestMismatch("Content-Digest"))
        );
        assert_eq!(
            check_content_digest("md5=:AAAA:", BODY),
            Err(SignatureError::UnsupportedDigest("Content-Digest"))
        );
        assert!(matches!(
            check_content_digest("sha-256=AAAA", BODY),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            check_content_digest("sha-256=:AAAA", BODY),
            Err(SignatureError::Malformed(_))
        ));
    }
}
