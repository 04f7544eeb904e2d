//! RSA key pairs for actors, stored as PEM (PKCS#8 private, SPKI public) because that is what
//! every fediverse server publishes and expects in `publicKey.publicKeyPem`.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("key encoding failed")]
    Encode,
}

pub struct PemKeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

/// Generates an RSA-2048 pair. Takes tens of milliseconds: call it off the async threads.
pub fn generate_rsa_2048() -> Result<PemKeyPair, KeyError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let private = AsDer::<Pkcs8V1Der>::as_der(&pair).map_err(|_| KeyError::Encode)?;
    let public =
        AsDer::<PublicKeyX509Der>::as_der(pair.public_key()).map_err(|_| KeyError::Encode)?;
    Ok(PemKeyPair {
        private_pem: pem("PRIVATE KEY", private.as_ref()),
        public_pem: pem("PUBLIC KEY", public.as_ref()),
    })
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_pair() -> Result<(), KeyError> {
        let k = generate_rsa_2048()?;
        assert!(k.private_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(k.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(k
            .public_pem
            .trim_end()
            .ends_with("-----END PUBLIC KEY-----"));
        // A 2048-bit SPKI is 294 bytes: 392 base64 chars over 7 lines.
        assert_eq!(k.public_pem.lines().count(), 9);
        Ok(())
    }
}
