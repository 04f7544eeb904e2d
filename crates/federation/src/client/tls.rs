//! The client's TLS settings: rustls on aws-lc-rs, trusting the system store plus an optional
//! extra PEM bundle.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::ClientError;

/// The one crypto provider of the build (see ARCHITECTURE.md, "Building lean").
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Roots: the system store (`SSL_CERT_FILE` / `SSL_CERT_DIR` are honoured) and `extra`.
pub(crate) fn client_config(extra: Option<&Path>) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::warn!(error = %e, "reading the system CA certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "system CA certificates");
    if let Some(path) = extra {
        let certs = read_pem_certs(path)?;
        for cert in certs {
            roots.add(cert).map_err(|e| {
                ClientError::Config(format!("CA certificate in {}: {e}", path.display()))
            })?;
        }
    }
    if roots.is_empty() {
        tracing::warn!(
            "no trusted CA certificates: every https request will fail \
             (install ca-certificates, or set SSL_CERT_FILE or extra_ca_file)"
        );
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The client speaks HTTP/1.1 only (no h2 in the build).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate in a PEM file; none is an error.
pub fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let data = std::fs::read(path)
        .map_err(|e| ClientError::Config(format!("cannot read {}: {e}", path.display())))?;
    let certs = CertificateDer::pem_slice_iter(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::Config(format!("bad PEM in {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(ClientError::Config(format!(
            "no certificate in {}",
            path.display()
        )));
    }
    Ok(certs)
}
