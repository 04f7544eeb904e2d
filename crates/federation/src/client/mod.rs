//! The one outbound HTTP client: fetches, deliveries, media, previews, WebFinger.
//!
//! Guarded against SSRF where it matters, at connect time: the connector resolves the host
//! itself and connects only to public addresses (or the configured allow-list), checking the
//! socket's peer address, so a second DNS answer cannot slip past. Redirects (GET only, at
//! most [`ClientConfig::max_redirects`]) go through the same connector. Every request has an
//! overall deadline, and the response body is capped after gzip decompression. HTTP/1.1 over
//! rustls (aws-lc-rs); connections are pooled briefly per origin.
//!
//! Protocol-level only: signing is the caller's, through [`Request::signed_with`] (called
//! again for each redirect hop, since the signature covers the target) or ready headers.
//!
//! ```no_run
//! # async fn f() -> Result<(), bonsai_federation::client::ClientError> {
//! use bonsai_federation::client::{user_agent, ClientConfig, HttpClient, Request};
//! let client = HttpClient::new(ClientConfig::new(user_agent("https://social.example")))?;
//! let resp = client
//!     .send(Request::get("https://remote.example/users/alice").header("accept", "application/activity+json"))
//!     .await?
//!     .error_for_status()?;
//! # let _ = resp.body; Ok(()) }
//! ```

mod addr;
mod body;
mod connect;
mod error;
mod hosts;
mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT_ENCODING, LOCATION, USER_AGENT};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

pub use addr::{is_forbidden, AddressPolicy, CidrParseError, IpCidr};
pub use error::ClientError;
pub use hosts::{HostOverrides, HostTarget, HostTargetParseError};
pub use tls::{provider, read_pem_certs};

use connect::{ConnectError, GuardedConnector, Settings};

/// `Bonsai/0.1.0 (+https://social.example/)`: some servers answer 418 without a User-Agent.
pub fn user_agent(instance_url: &str) -> String {
    format!(
        "Bonsai/{} (+{}/)",
        env!("CARGO_PKG_VERSION"),
        instance_url.trim_end_matches('/')
    )
}

/// Everything the client needs; [`ClientConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Sent on every request that does not set its own.
    pub user_agent: String,
    /// Ranges that may be reached although not public (tests: `127.0.0.0/8`, `::1`).
    pub allow_addresses: Vec<IpCidr>,
    /// Host name -> address (and port), consulted before DNS: lets tests name `a.test`.
    pub hosts: HostOverrides,
    /// A PEM bundle trusted in addition to the system store.
    pub extra_ca_file: Option<PathBuf>,
    /// Overall deadline for one request, redirects and body included.
    pub timeout: Duration,
    /// For the DNS lookup, each TCP connect and the TLS handshake.
    pub connect_timeout: Duration,
    /// Default response body cap, after decompression; [`Request::max_body`] overrides it.
    pub max_body: usize,
    /// Largest request body accepted for sending.
    pub max_request_body: usize,
    pub max_redirects: usize,
    /// Plain http at all (initial URL or redirect); off = https only.
    pub allow_http: bool,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    pub pool_max_idle_per_host: usize,
}

impl ClientConfig {
    pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

    pub fn new(user_agent: impl Into<String>) -> Self {
        Self {
            user_agent: user_agent.into(),
            allow_addresses: Vec::new(),
            hosts: HostOverrides::default(),
            extra_ca_file: None,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: Self::DEFAULT_MAX_BODY,
            max_request_body: Self::DEFAULT_MAX_BODY,
            max_redirects: 5,
            allow_http: false,
            pool_idle_timeout: Duration::from_secs(30),
            pool_max_idle_per_host: 2,
        }
    }
}

/// Signs one hop of a request: method, absolute target, headers to add to, body.
pub type Signer<'a> =
    &'a (dyn Fn(&Method, &Uri, &mut HeaderMap, Option<&[u8]>) -> Result<(), String> + Send + Sync);

/// One request; build with [`Request::get`] / [`Request::post`].
pub struct Request<'a> {
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Option<Bytes>,
    max_body: Option<usize>,
    timeout: Option<Duration>,
    signer: Option<Signer<'a>>,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: None,
            max_body: None,
            timeout: None,
            signer: None,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::GET, url)
    }

    pub fn post(url: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Self::new(Method::POST, url).body(body)
    }

    /// Adds a header; a name or value that is not valid HTTP is dropped (callers pass
    /// constants and values they built).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.append(n, v);
        }
        self
    }

    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers.extend(headers);
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The response body cap for this request (after decompression), e.g. larger for media.
    pub fn max_body(mut self, limit: usize) -> Self {
        self.max_body = Some(limit);
        self
    }

    /// A deadline for this request instead of [`ClientConfig::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Signs each hop just before it is sent, e.g. with
    /// `signatures::sign_request_with(m, u, h, b, key_id, &key, SystemTime::now())`.
    pub fn signed_with(mut self, signer: Signer<'a>) -> Self {
        self.signer = Some(signer);
        self
    }
}

/// A response read to the end.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// Decompressed.
    pub body: Bytes,
    /// Where the body came from, after redirects: check object ids against this origin.
    pub url: url::Url,
}

impl Response {
    /// `Err(ClientError::Status)` unless 2xx.
    pub fn error_for_status(self) -> Result<Self, ClientError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(ClientError::Status(self.status))
        }
    }
}

/// Cheap to clone: one pool, one TLS configuration.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<GuardedConnector, Full<Bytes>>,
    config: ClientConfig,
    user_agent: HeaderValue,
}

impl HttpClient {
    /// Reads the CA stores; fails on an unreadable `extra_ca_file` or a bad User-Agent.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| ClientError::Config(format!("bad user agent {:?}", config.user_agent)))?;
        let tls = tls::client_config(config.extra_ca_file.as_deref())?;
        let connector = GuardedConnector::new(Settings {
            policy: AddressPolicy::new(config.allow_addresses.clone()),
            hosts: config.hosts.clone(),
            tls: Arc::new(tls),
            connect_timeout: config.connect_timeout,
            allow_http: config.allow_http,
        });
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .http1_max_buf_size(64 * 1024)
            .build(connector);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                config,
                user_agent,
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// `GET url` with `headers`, following redirects.
    pub async fn get(&self, url: &str, headers: HeaderMap) -> Result<Response, ClientError> {
        self.send(Request::get(url).headers(headers)).await
    }

    /// `POST url` with `headers` and `body`; redirects are returned, not followed.
    pub async fn post(
        &self,
        url: &str,
        headers: HeaderMap,
        body: impl Into<Bytes>,
    ) -> Result<Response, ClientError> {
        self.send(Request::post(url, body).headers(headers)).await
    }

    /// Sends `req` under its deadline. Any status is `Ok`: see [`Response::error_for_status`].
    pub async fn send(&self, req: Request<'_>) -> Result<Response, ClientError> {
        let deadline = req.timeout.unwrap_or(self.inner.config.timeout);
        tokio::time::timeout(deadline, self.send_inner(req))
            .await
            .unwrap_or(Err(ClientError::Timeout))
    }

    async fn send_inner(&self, req: Request<'_>) -> Result<Response, ClientError> {
        let config = &self.inner.config;
        if let Some(body) = &req.body {
            if body.len() > config.max_request_body {
                return Err(ClientError::RequestTooLarge {
                    limit: config.max_request_body,
                });
            }
        }
        let limit = req.max_body.unwrap_or(config.max_body);
        let follow = req.method == Method::GET || req.method == Method::HEAD;
        let mut url = self.check_url(&req.url)?;
        let mut hop = 0;
        loop {
            let uri: Uri = url
                .as_str()
                .parse()
                .map_err(|_| ClientError::InvalidUrl(url.to_string()))?;
            let mut headers = req.headers.clone();
            if hop > 0 {
                // Whatever was prepared for the first target is wrong for this one; hyper (or
                // the signer) sets Host from the new URI.
                for name in [
                    "host",
                    "signature",
                    "signature-input",
                    "authorization",
                    "cookie",
                ] {
                    headers.remove(name);
                }
            }
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, self.inner.user_agent.clone());
            }
            if !headers.contains_key(ACCEPT_ENCODING) {
                headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
            }
            if let Some(sign) = req.signer {
                sign(&req.method, &uri, &mut headers, req.body.as_deref())
                    .map_err(ClientError::Sign)?;
            }
            let mut request = http::Request::new(Full::new(req.body.clone().unwrap_or_default()));
            *request.method_mut() = req.method.clone();
            *request.uri_mut() = uri;
            *request.headers_mut() = headers;
            let response = self
                .inner
                .client
                .request(request)
                .await
                .map_err(map_error)?;
            let status = response.status();
            if follow && status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if let Some(location) = response.headers().get(LOCATION) {
                    if hop >= config.max_redirects {
                        return Err(ClientError::Redirects(config.max_redirects));
                    }
                    let location = location
                        .to_str()
                        .map_err(|_| ClientError::InvalidUrl("non-ASCII Location".into()))?;
                    let next = url
                        .join(location)
                        .map_err(|_| ClientError::InvalidUrl(location.to_owned()))?;
                    url = self.check_url(next.as_str())?;
                    hop += 1;
                    continue;
                }
            }
            let (parts, incoming) = response.into_parts();
            let body = if req.method == Method::HEAD {
                Bytes::new()
            } else {
                body::read_capped(&parts.headers, incoming, limit).await?
            };
            return Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
                url,
            });
        }
    }

    /// An absolute http(s) URL with a host and no credentials, https unless http is allowed.
    fn check_url(&self, raw: &str) -> Result<url::Url, ClientError> {
        let mut url = url::Url::parse(raw).map_err(|_| ClientError::InvalidUrl(raw.to_owned()))?;
        match url.scheme() {
            "https" => {}
            "http" if self.inner.config.allow_http => {}
            "http" => return Err(ClientError::InsecureScheme(raw.to_owned())),
            _ => return Err(ClientError::InvalidUrl(raw.to_owned())),
        }
        if url.host_str().is_none_or(str::is_empty)
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(ClientError::InvalidUrl(raw.to_owned()));
        }
        url.set_fragment(None);
        Ok(url)
    }
}

/// Finds our connector's error in hyper's chain, else describes the chain.
fn map_error(e: hyper_util::client::legacy::Error) -> ClientError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(c) = err.downcast_ref::<ConnectError>() {
            return match c {
                ConnectError::Refused(ip) => ClientError::Refused(*ip),
                ConnectError::Dns(m) => ClientError::Dns(m.clone()),
                ConnectError::Timeout => ClientError::Timeout,
                ConnectError::Io(e) => ClientError::Connect(e.to_string()),
                ConnectError::Tls(e) => ClientError::Tls(e.to_string()),
                ConnectError::InvalidUri(u) => ClientError::InvalidUrl(u.clone()),
            };
        }
        source = err.source();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    ClientError::Protocol(text)
}
