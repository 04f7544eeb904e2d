//! Keys as the fediverse publishes them: PEM, PKCS#8 private keys and SPKI public keys (RSA or
//! Ed25519). PKCS#1 `RSA PUBLIC KEY` / `RSA PRIVATE KEY` are accepted as well, since a few older
//! servers publish those.

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, PublicEncryptingKey};
use aws_lc_rs::signature::{
    Ed25519KeyPair, ParsedPublicKey, UnparsedPublicKey, VerificationAlgorithm, ED25519,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RSA_PSS_2048_8192_SHA512,
};
use base64::Engine;

use super::{Algorithm, SignatureError};

/// Largest PEM text we look at; a 4096-bit RSA private key is about 3.3 KiB.
const MAX_PEM_BYTES: usize = 16 * 1024;

/// What kind of key a PEM holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    Ed25519,
}

/// A public key for verification, decoded once (callers may cache it next to the actor).
#[derive(Debug, Clone)]
pub struct PublicKey {
    kind: KeyKind,
    der: Vec<u8>,
}

impl PublicKey {
    /// Decodes `-----BEGIN PUBLIC KEY-----` (SPKI, RSA or Ed25519) or
    /// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1). RSA keys must be 2048 to 8192 bits.
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => {
                if ParsedPublicKey::new(&ED25519, &der).is_ok() {
                    return Ok(Self {
                        kind: KeyKind::Ed25519,
                        der,
                    });
                }
                Self::rsa(der)
            }
            "RSA PUBLIC KEY" => Self::rsa(der),
            _ => Err(SignatureError::InvalidKey("not a public key PEM")),
        }
    }

    fn rsa(der: Vec<u8>) -> Result<Self, SignatureError> {
        let key = aws_lc_rs::rsa::PublicKey::from_der(&der)
            .map_err(|_| SignatureError::InvalidKey("not an RSA or Ed25519 key"))?;
        let spki = AsDer::<PublicKeyX509Der>::as_der(&key)
            .map_err(|_| SignatureError::InvalidKey("not an RSA or Ed25519 key"))?;
        // Refused here rather than as a failed signature later. The encrypting-key constructor
        // is the public aws-lc-rs API that checks the size (2048 to 8192 bits, as verification
        // will).
        PublicEncryptingKey::from_der(spki.as_ref())
            .map_err(|_| SignatureError::InvalidKey("RSA key not 2048 to 8192 bits"))?;
        Ok(Self {
            kind: KeyKind::Rsa,
            der,
        })
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Checks `signature` over `message` with the concrete algorithm `alg`.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        let algorithm: &'static dyn VerificationAlgorithm = match (alg, self.kind) {
            (Algorithm::RsaV1_5Sha256, KeyKind::Rsa) => &RSA_PKCS1_2048_8192_SHA256,
            (Algorithm::RsaPssSha512, KeyKind::Rsa) => &RSA_PSS_2048_8192_SHA512,
            (Algorithm::Ed25519, KeyKind::Ed25519) => &ED25519,
            _ => return Err(SignatureError::KeyMismatch),
        };
        UnparsedPublicKey::new(algorithm, &self.der)
            .verify(message, signature)
            .map_err(|_| SignatureError::BadSignature)
    }
}

/// A private key for signing, decoded once: parse it when the actor's key is loaded and reuse it
/// for every delivery.
pub struct SigningKey {
    inner: SigningInner,
}

enum SigningInner {
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("kind", &self.kind())
            .finish()
    }
}

impl SigningKey {
    /// Decodes `-----BEGIN PRIVATE KEY-----` (PKCS#8, RSA or Ed25519) or
    /// `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let (label, der) = decode_pem(pem)?;
        let inner = match label.as_str() {
            "PRIVATE KEY" => match RsaKeyPair::from_pkcs8(&der) {
                Ok(k) => SigningInner::Rsa(k),
                Err(_) => SigningInner::Ed25519(
                    Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(|_| {
                        SignatureError::InvalidKey("not an RSA or Ed25519 PKCS#8 key")
                    })?,
                ),
            },
            "RSA PRIVATE KEY" => SigningInner::Rsa(
                RsaKeyPair::from_der(&der)
                    .map_err(|_| SignatureError::InvalidKey("not a PKCS#1 RSA key"))?,
            ),
            _ => return Err(SignatureError::InvalidKey("not a private key PEM")),
        };
        Ok(Self { inner })
    }

    pub fn kind(&self) -> KeyKind {
        match self.inner {
            SigningInner::Rsa(_) => KeyKind::Rsa,
            SigningInner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// The algorithm this key signs with: RSASSA-PKCS1-v1_5 SHA-256 (what every fediverse server
    /// verifies) or Ed25519.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            SigningInner::Rsa(_) => Algorithm::RsaV1_5Sha256,
            SigningInner::Ed25519(_) => Algorithm::Ed25519,
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        match &self.inner {
            SigningInner::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
                    .map_err(|_| SignatureError::Signing("RSA signing failed"))?;
                Ok(sig)
            }
            SigningInner::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }
}

/// Decodes the first PEM block: returns its label and DER bytes. Tolerates CRLF, spaces and
/// missing final newline; refuses encrypted PEM (it has headers, which are not base64).
pub fn decode_pem(pem: &str) -> Result<(String, Vec<u8>), SignatureError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(SignatureError::InvalidKey("PEM too large"));
    }
    let bad = SignatureError::InvalidKey("malformed PEM");
    let start = pem.find("-----BEGIN ").ok_or(bad.clone())?;
    let rest = &pem[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----").ok_or(bad.clone())?;
    let label = &rest[..label_end];
    let body = &rest[label_end + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body.find(&end_marker).ok_or(bad.clone())?;
    let b64: String = body[..body_end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| bad.clone())?;
    if der.is_empty() {
        return Err(bad);
    }
    Ok((label.to_owned(), der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_rsa_2048;

    #[test]
    fn decodes_generated_rsa_pair() -> Result<(), Box<dyn std::error::Error>> {
        let pair = generate_rsa_2048()?;
        assert_eq!(PublicKey::from_pem(&pair.public_pem)?.kind(), KeyKind::Rsa);
        let signer = SigningKey::from_pem(&pair.private_pem)?;
        assert_eq!(signer.kind(), KeyKind::Rsa);
        assert_eq!(format!("{signer:?}"), "SigningKey { kind: Rsa }");
        Ok(())
    }

    #[test]
    fn accepts_pkcs1_rsa_public_key() -> Result<(), Box<dyn std::error::Error>> {
        let pair = generate_rsa_2048()?;
        let (_, spki) = decode_pem(&pair.public_pem)?;
        let pkcs1 = aws_lc_rs::rsa::PublicKey::from_der(&spki)
            .map_err(|_| "spki")?
            .as_ref()
            .to_vec();
        let pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs1)
        );
        let public = PublicKey::from_pem(&pem)?;
        let signer = SigningKey::from_pem(&pair.private_pem)?;
        let sig = signer.sign(b"hello")?;
        public.verify(Algorithm::RsaV1_5Sha256, b"hello", &sig)?;
        assert_eq!(
            public.verify(Algorithm::RsaV1_5Sha256, b"hellO", &sig),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            public.verify(Algorithm::Ed25519, b"hello", &sig),
            Err(SignatureError::KeyMismatch)
        );
        Ok(())
    }

    #[test]
    fn tolerates_crlf_and_spaces() -> Result<(), SignatureError> {
        let pem = "junk before\r\n-----BEGIN PUBLIC KEY-----\r\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPs w3c5D0bs=\r\n-----END PUBLIC KEY-----";
        assert_eq!(PublicKey::from_pem(pem)?.kind(), KeyKind::Ed25519);
        Ok(())
    }

    #[test]
    fn refuses_weak_rsa() {
        let rsa_1024 = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDBoRXp2BUribzZOVNEYucAYbDx
Kbe/WGKRLdgMLIEMqsv4CLufvhTkeshGJniWbLF2Lod+i3qE/KasNyYa5Rj+sLrj
o4s6f08K2gnJ/qz09RupwGfTzAVym7kpu//+xIKBKz6tFGFmmozRD1not4OpPPhC
S0SObI4YbPS6+BM67wIDAQAB
-----END PUBLIC KEY-----
";
        assert_eq!(
            PublicKey::from_pem(rsa_1024).err(),
            Some(SignatureError::InvalidKey("RSA key not 2048 to 8192 bits"))
        );
    }

    #[test]
    fn rejects_garbage() {
        for pem in [
            "",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----\n",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(
                matches!(PublicKey::from_pem(pem), Err(SignatureError::InvalidKey(_))),
                "{pem:?}"
            );
            assert!(SigningKey::from_pem(pem).is_err(), "{pem:?}");
        }
        let huge = "A".repeat(MAX_PEM_BYTES + 1);
        assert!(PublicKey::from_pem(&huge).is_err());
    }
}
