//! Random secrets and their stored hashes.

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{Error, Result};

/// A URL-safe random secret carrying 256 bits.
pub(crate) fn random_token() -> Result<String> {
    let mut buf = [0u8; 32];
    SystemRandom::new().fill(&mut buf).map_err(|_| {
        tracing::error!("system random number generator failed");
        Error::internal()
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// Tokens are high-entropy, so a plain SHA-256 is the right way to store them (a slow hash
/// would only cost time on every request).
pub(crate) fn token_hash(token: &str) -> String {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// PKCE S256: BASE64URL(SHA256(verifier)).
pub(crate) fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Constant-time comparison for secrets.
pub(crate) fn same(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
