//! The connector under the client: resolves the host itself, refuses forbidden addresses,
//! connects with a timeout, checks the address actually connected to, then speaks TLS.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::addr::AddressPolicy;
use super::hosts::HostOverrides;

/// At most this many resolved addresses are tried, one after another.
const MAX_ADDRESSES: usize = 4;

/// Why a connection was not made; found again in hyper's error chain by downcasting.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("refused to connect to {0}")]
    Refused(IpAddr),
    #[error("cannot resolve {0}")]
    Dns(String),
    #[error("connect timed out")]
    Timeout,
    #[error("{0}")]
    Io(io::Error),
    #[error("{0}")]
    Tls(io::Error),
    #[error("{0}")]
    InvalidUri(String),
}

pub(crate) struct Settings {
    pub policy: AddressPolicy,
    pub hosts: HostOverrides,
    pub tls: Arc<rustls::ClientConfig>,
    pub connect_timeout: Duration,
    pub allow_http: bool,
}

#[derive(Clone)]
pub(crate) struct GuardedConnector {
    settings: Arc<Settings>,
}

impl GuardedConnector {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings: Arc::new(settings),
        }
    }
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = TokioIo<Stream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let settings = self.settings.clone();
        Box::pin(async move { connect(&settings, &uri).await.map(TokioIo::new) })
    }
}

async fn connect(s: &Settings, uri: &Uri) -> Result<Stream, ConnectError> {
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") if s.allow_http => false,
        _ => return Err(ConnectError::InvalidUri(uri.to_string())),
    };
    let host = uri
        .host()
        .ok_or_else(|| ConnectError::InvalidUri(uri.to_string()))?;
    // `Uri::host` keeps the brackets of an IPv6 literal.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });

    let addrs: Vec<SocketAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else if let Some(target) = s.hosts.get(host) {
        vec![SocketAddr::new(target.ip, target.port.unwrap_or(port))]
    } else {
        // Resolved once, here; the addresses checked are the addresses connected to.
        match tokio::time::timeout(s.connect_timeout, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(e)) => return Err(ConnectError::Dns(format!("{host}: {e}"))),
            Err(_) => return Err(ConnectError::Timeout),
        }
    };
    if addrs.is_empty() {
        return Err(ConnectError::Dns(format!("{host}: no addresses")));
    }

    let mut last_err = None;
    let mut tcp = None;
    for addr in addrs
        .iter()
        .filter(|a| s.policy.permits(a.ip()))
        .take(MAX_ADDRESSES)
    {
        match tokio::time::timeout(s.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                tcp = Some(stream);
                break;
            }
            Ok(Err(e)) => last_err = Some(ConnectError::Io(e)),
            Err(_) => last_err = Some(ConnectError::Timeout),
        }
    }
    let tcp = match (tcp, last_err) {
        (Some(tcp), _) => tcp,
        (None, Some(e)) => return Err(e),
        // Every address was refused; name the first.
        (None, None) => return Err(ConnectError::Refused(addrs[0].ip())),
    };
    // Belt and braces: the peer of the socket is what counts, whatever resolved to it.
    let peer = tcp.peer_addr().map_err(ConnectError::Io)?;
    if !s.policy.permits(peer.ip()) {
        return Err(ConnectError::Refused(peer.ip()));
    }
    let _ = tcp.set_nodelay(true);
    if !https {
        return Ok(Stream::Plain(tcp));
    }
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| ConnectError::InvalidUri(uri.to_string()))?;
    let tls = TlsConnector::from(s.tls.clone());
    match tokio::time::timeout(s.connect_timeout, tls.connect(name, tcp)).await {
        Ok(Ok(stream)) => Ok(Stream::Tls(Box::new(stream))),
        Ok(Err(e)) => Err(ConnectError::Tls(e)),
        Err(_) => Err(ConnectError::Timeout),
    }
}

/// A plain or TLS connection.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}
