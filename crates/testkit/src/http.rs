use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use bonsai_service::{InstanceConfig, Services};

use crate::database::{test_db, TestDb};

/// The real router over a fresh database, called in-process.
pub struct TestApp {
    pub services: Services,
    pub db: TestDb,
    /// Set for instances served over real TCP (`federated`): stops server and workers.
    stop: Option<tokio::sync::watch::Sender<bool>>,
    /// This instance's media store and upload directories live here; removed on drop.
    pub media_root: std::path::PathBuf,
}

/// A fresh directory for one test instance's media.
fn media_root() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "bonsai-test-media-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Media settings under `root`, with Mastodon's default limits.
fn media_config(root: &std::path::Path) -> bonsai_service::MediaConfig {
    bonsai_service::MediaConfig::in_data_dir(root)
}

/// The names of this process's federated test instances (and of fake peers that register
/// themselves), shared by all their outbound clients.
pub fn test_hosts() -> &'static bonsai_federation::client::HostOverrides {
    static HOSTS: std::sync::OnceLock<bonsai_federation::client::HostOverrides> =
        std::sync::OnceLock::new();
    HOSTS.get_or_init(Default::default)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            let _ = stop.send(true);
        }
        let _ = std::fs::remove_dir_all(&self.media_root);
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut InstanceConfig)) -> Self {
        let db = test_db().await;
        let mut config = InstanceConfig::for_domain("bonsai.test", "https");
        config.password_hash_concurrency = 2;
        let media_root = media_root();
        config.media = media_config(&media_root);
        adjust(&mut config);
        let http = bonsai_federation::client::HttpClient::new(
            bonsai_federation::client::ClientConfig::new("Bonsai-test"),
        )
        .expect("http client");
        let services = Services::new(db.db.clone(), config, http);
        Self {
            services,
            db,
            stop: None,
            media_root,
        }
    }

    /// An instance served over real TCP on 127.0.0.1 (plain http), with its job workers
    /// running and an outbound client allowed to reach loopback — so two of these federate
    /// with real signatures. Its domain is a name without a port, `i<PORT>.test`, which every
    /// federated test instance in this process reaches through one shared hosts table, so
    /// `@user@i<PORT>.test` is a mention like any other.
    pub async fn federated() -> Self {
        Self::federated_with(|_| {}).await
    }

    /// `federated`, with the instance config adjusted first (e.g. domain blocks).
    pub async fn federated_with(adjust: impl FnOnce(&mut InstanceConfig)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let db = test_db().await;
        let domain = format!("i{port}.test");
        test_hosts().insert(&domain, std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        let mut config = InstanceConfig::for_domain(domain, "http");
        config.password_hash_concurrency = 2;
        let media_root = media_root();
        config.media = media_config(&media_root);
        adjust(&mut config);
        let mut client = bonsai_federation::client::ClientConfig::new("Bonsai-test");
        client.allow_addresses =
            bonsai_federation::client::IpCidr::parse_list("127.0.0.0/8").expect("cidr");
        client.allow_http = true;
        client.hosts = test_hosts().clone();
        let http = bonsai_federation::client::HttpClient::new(client).expect("client");
        let services = Services::new(db.db.clone(), config, http);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        services.spawn_workers(stopped.clone());
        let app = bonsai_api::app(services.clone());
        let mut stopped_server = stopped;
        let streams = services.streams().clone();
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                    std::net::SocketAddr,
                >(app),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped_server.changed().await;
                // As `serve`: streaming connections end so the server can stop.
                streams.close();
            })
            .await;
        });
        Self {
            services,
            db,
            stop: Some(stop),
            media_root,
        }
    }

    /// `i<PORT>.test` for federated instances, `bonsai.test` otherwise.
    pub fn domain(&self) -> String {
        self.services.config().domain.clone()
    }

    /// Sends a request. `body` is sent as-is with `content_type` when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        extra_headers: &[(&str, &str)],
    ) -> Response {
        self.request_from(None, method, path, token, body, extra_headers)
            .await
    }

    /// Like `request`, as if the TCP peer were `peer` (what the server sees as the client).
    pub async fn request_from(
        &self,
        peer: Option<std::net::SocketAddr>,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        extra_headers: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(peer) = peer {
            req = req.extension(axum::extract::ConnectInfo(peer));
        }
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in extra_headers {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some((ct, bytes)) => {
                req = req.header("content-type", ct);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let req = req.body(body).expect("request builds");
        let app = bonsai_api::app(self.services.clone());
        let res = app.oneshot(req).await.expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
            .await
            .expect("read body")
            .to_vec();
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, json: Value) -> Response {
        self.request(
            Method::POST,
            path,
            token,
            Some(("application/json", json.to_string().into_bytes())),
            &[],
        )
        .await
    }

    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> Response {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.request(
            Method::POST,
            path,
            token,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[],
        )
        .await
    }

    /// Registers an app and signs a new local user in with the password grant.
    /// Returns (account id, access token).
    pub async fn user(&self, username: &str, scopes: &str) -> (String, String) {
        let (client_id, client_secret) = self.app(scopes).await;
        self.user_with_app(username, &client_id, &client_secret, scopes)
            .await
    }

    pub async fn app(&self, scopes: &str) -> (String, String) {
        let app = self
            .post_json(
                "/api/v1/apps",
                None,
                serde_json::json!({
                    "client_name": "testkit",
                    "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "scopes": scopes
                }),
            )
            .await;
        assert_eq!(app.status, StatusCode::OK, "app creation: {}", app.text());
        let app = app.json();
        (
            app["client_id"].as_str().unwrap_or_default().to_string(),
            app["client_secret"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    pub async fn user_with_app(
        &self,
        username: &str,
        client_id: &str,
        client_secret: &str,
        scopes: &str,
    ) -> (String, String) {
        let email = format!("{username}@bonsai.test");
        let (account, _) = self
            .services
            .create_local_account(bonsai_service::accounts::NewLocalAccount {
                username: username.into(),
                email: email.clone(),
                password: "correct horse battery".into(),
                role: bonsai_core::model::Role::User,
                approved: true,
                locale: None,
                reason: None,
                allow_reserved: false,
                extra_errors: Vec::new(),
            })
            .await
            .expect("create account");
        let tok = self
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", client_id),
                    ("client_secret", client_secret),
                    ("username", &email),
                    ("password", "correct horse battery"),
                    ("scope", scopes),
                ],
            )
            .await;
        assert_eq!(tok.status, StatusCode::OK, "password grant: {}", tok.text());
        (
            account.id.to_string(),
            tok.json()["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
