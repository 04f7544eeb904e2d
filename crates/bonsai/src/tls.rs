//! `serve` terminating TLS itself (`tls_cert` / `tls_key`): rustls on aws-lc-rs, the same
//! provider as the outbound client. Handshakes run in their own tasks, bounded in number and
//! time, so one slow or silent client cannot hold up the accept loop; finished connections are
//! handed to `axum::serve` through its `Listener` trait, which keeps graceful shutdown,
//! upgrades and `ConnectInfo<SocketAddr>` exactly as for plain TCP.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in flight at once; further connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 128;

/// The server's TLS settings from the PEM files named by `tls_cert` and `tls_key`: the
/// certificate chain (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| {
            format!(
                "`tls_cert` (env BONSAI_TLS_CERT): cannot read certificates from {}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        bail!(
            "`tls_cert` (env BONSAI_TLS_CERT): no certificate in {}",
            cert.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "`tls_key` (env BONSAI_TLS_KEY): no private key in {}",
            key.display()
        )
    })?;
    let mut config =
        rustls::ServerConfig::builder_with_provider(bonsai_federation::client::provider())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context(
                "`tls_cert` and `tls_key` (env BONSAI_TLS_CERT, BONSAI_TLS_KEY) do not match",
            )?;
    // The server speaks HTTP/1.1 (no h2 in the build).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections come out TLS-terminated.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(32);
        let task = tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), tx));
        Ok(Self { ready, local, task })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // axum drops the listener when shutdown begins: stop accepting then.
        self.task.abort();
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!(error = %e, "accepting a connection");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task is gone (only when aborted): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Per-connection socket tuning, applied through `ListenerExt::tap_io` (which also gives the
/// app its `ConnectInfo<SocketAddr>`, as for a plain `TcpListener`).
pub fn tune(stream: &mut TlsStream<TcpStream>) {
    let _ = stream.get_ref().0.set_nodelay(true);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::extract::ConnectInfo;
    use axum::serve::ListenerExt;
    use bonsai_federation::client::{ClientConfig, HttpClient, IpCidr, Request};

    /// The app behind the TLS listener sees the peer address, as behind plain TCP.
    #[tokio::test]
    async fn the_app_gets_connect_info_over_tls() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
        let dir = std::env::temp_dir().join(format!("bonsai-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        let (ca_file, cert_file, key_file) = (
            dir.join("ca.pem"),
            dir.join("cert.pem"),
            dir.join("key.pem"),
        );
        std::fs::write(&ca_file, ca.pem()).unwrap();
        std::fs::write(&cert_file, leaf.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();

        let app = axum::Router::new().route(
            "/peer",
            axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                peer.ip().to_string()
            }),
        );
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = tcp.local_addr().unwrap().port();
        let listener = TlsListener::new(tcp, server_config(&cert_file, &key_file).unwrap())
            .unwrap()
            .tap_io(tune);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let server = tokio::spawn(async move { serve.await });

        let mut config = ClientConfig::new("test");
        config.allow_addresses = IpCidr::parse_list("127.0.0.1").unwrap();
        config.extra_ca_file = Some(ca_file);
        let client = HttpClient::new(config).unwrap();
        let resp = client
            .send(Request::get(format!("https://127.0.0.1:{port}/peer")))
            .await
            .unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(&resp.body[..], b"127.0.0.1");
        let _ = stop.send(());
        drop(client);
        server.await.unwrap().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
