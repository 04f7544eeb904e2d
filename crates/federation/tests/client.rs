//! The outbound client against real sockets on loopback: plain HTTP and HTTPS with a
//! throwaway CA made here. Private ranges other than loopback are only ever checked by the
//! classifier or refused before any packet is sent: no test connects outside 127.0.0.0/8.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bonsai_federation::client::{
    user_agent, ClientConfig, ClientError, HttpClient, IpCidr, Request,
};
use http::{HeaderMap, Method, Uri};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

// ---------- a tiny scripted server ----------

/// What the server answers: after `delay`, these raw bytes.
struct Reply {
    delay: Duration,
    bytes: Vec<u8>,
}

fn reply(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply {
        delay: Duration::ZERO,
        bytes,
    }
}

type Handler = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

struct Server {
    addr: SocketAddr,
    /// Request heads (request line and headers) plus bodies, in arrival order.
    seen: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Server {
    fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}:{}{path}", self.addr.port())
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn start(
    bind: &str,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let handler: Handler = Arc::new(handler);
    let (s, c) = (seen.clone(), connections.clone());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let (handler, seen, tls) = (handler.clone(), s.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    Some(cfg) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            answer(stream, handler, seen).await;
                        }
                    }
                    None => answer(tcp, handler, seen).await,
                }
            });
        }
    });
    Server {
        addr,
        seen,
        connections,
    }
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: Handler,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let request = String::from_utf8_lossy(&buf).to_string();
    seen.lock().unwrap().push(request.clone());
    let r = handler(&head);
    tokio::time::sleep(r.delay).await;
    let _ = stream.write_all(&r.bytes).await;
    let _ = stream.shutdown().await;
}

fn ok(body: &str) -> impl Fn(&str) -> Reply + Send + Sync + 'static {
    let body = body.to_owned();
    move |_| reply("200 OK", &[("content-type", "text/plain")], body.as_bytes())
}

// ---------- clients ----------

fn config(allow: &str) -> ClientConfig {
    let mut c = ClientConfig::new(user_agent("https://a.test"));
    c.allow_addresses = IpCidr::parse_list(allow).unwrap();
    c.allow_http = true;
    c.timeout = Duration::from_secs(5);
    c
}

fn client(c: ClientConfig) -> HttpClient {
    HttpClient::new(c).unwrap()
}

async fn get(
    client: &HttpClient,
    url: &str,
) -> Result<bonsai_federation::client::Response, ClientError> {
    client.get(url, HeaderMap::new()).await
}

// ---------- certificates ----------

struct Pki {
    dir: PathBuf,
    ca_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
}

/// A fresh CA and a leaf for `names`, signed by it; files in a temp dir.
fn pki(tag: &str, names: &[&str]) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("Bonsai test CA {tag}"));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();

    let dir = std::env::temp_dir().join(format!("bonsai-client-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::File::create(&ca_file)
        .unwrap()
        .write_all(ca.pem().as_bytes())
        .unwrap();
    let chain = vec![CertificateDer::from_pem_slice(leaf.pem().as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(leaf_key.serialize_pem().as_bytes()).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(bonsai_federation::client::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Pki {
        dir,
        ca_file,
        server: Arc::new(server),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// ---------- tests ----------

#[tokio::test]
async fn loopback_is_refused_without_the_allow_list_and_reached_with_it() {
    let server = start("127.0.0.1:0", None, ok("hello")).await;
    let url = server.url("http", "127.0.0.1", "/x");

    let err = get(&client(config("")), &url).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(a) if a == ip("127.0.0.1")),
        "{err:?}"
    );
    // Only 127.0.0.2 allowed: 127.0.0.1 still refused.
    let err = get(&client(config("127.0.0.2/32")), &url)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Refused(_)), "{err:?}");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        0,
        "no connection made"
    );

    let resp = get(&client(config("127.0.0.0/8")), &url).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(&resp.body[..], b"hello");
    assert_eq!(resp.url.as_str(), url);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let ua = format!(
        "user-agent: Bonsai/{} (+https://a.test/)",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        seen[0].to_lowercase().contains(&ua.to_lowercase()),
        "{}",
        seen[0]
    );
    assert!(seen[0].starts_with("GET /x HTTP/1.1\r\n"), "{}", seen[0]);
}

#[tokio::test]
async fn names_pointing_at_loopback_forms_are_refused() {
    let server = start("127.0.0.1:0", None, ok("hello")).await;
    let port = server.addr.port();
    let c = config("");
    for (name, addr) in [
        ("a.test", "127.0.0.2"),
        ("b.test", "::1"),
        ("c.test", "::ffff:127.0.0.1"),
        ("d.test", "0.0.0.0"),
        ("e.test", "::"),
    ] {
        c.hosts.insert(name, ip(addr));
    }
    let c = client(c);
    for (name, addr) in [
        ("a.test", "127.0.0.2"),
        ("B.TEST", "::1"),
        ("c.test", "::ffff:127.0.0.1"),
        ("d.test", "0.0.0.0"),
        ("e.test", "::"),
    ] {
        let err = get(&c, &format!("http://{name}:{port}/"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClientError::Refused(a) if a == ip(addr)),
            "{name}: {err:?}"
        );
    }
    // Literal addresses, IPv6 forms included.
    for host in [
        "127.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::1]",
        "localhost",
    ] {
        let err = get(&c, &format!("http://{host}:{port}/"))
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Refused(_)), "{host}: {err:?}");
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 0);

    // The allow-list matches a mapped address by the IPv4 address it carries.
    let c = config("127.0.0.0/8");
    c.hosts.insert("mapped.test", ip("::ffff:127.0.0.1"));
    c.hosts.insert("a.test", ip("127.0.0.1"));
    let c = client(c);
    for host in ["mapped.test", "a.test", "[::ffff:127.0.0.1]"] {
        let resp = get(&c, &format!("http://{host}:{port}/")).await;
        assert_eq!(resp.map(|r| r.status.as_u16()).ok(), Some(200), "{host}");
    }
}

#[test]
fn the_classifier_refuses_private_ranges() {
    use bonsai_federation::client::{is_forbidden, AddressPolicy};
    for s in [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "127.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.251",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:192.168.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "fe80::1",
        "fd00::1",
        "ff02::1",
        "2001:db8::1",
    ] {
        assert!(is_forbidden(ip(s)), "{s}");
    }
    assert!(!is_forbidden(ip("93.184.215.14")));
    assert!(!is_forbidden(ip("2a00:1450:4001::1")));
    let policy = AddressPolicy::new(IpCidr::parse_list("127.0.0.0/8,::1/128").unwrap());
    assert!(policy.permits(ip("127.0.0.2")) && policy.permits(ip("::1")));
    assert!(!policy.permits(ip("10.0.0.1")) && !policy.permits(ip("fe80::1")));
}

#[tokio::test]
async fn redirects_are_followed_and_rechecked() {
    let target = start("127.0.0.1:0", None, ok("landed")).await;
    let target_url = target.url("http", "127.0.0.1", "/final");
    let t = target_url.clone();
    let hop = start("127.0.0.1:0", None, move |head| {
        if head.starts_with("GET /relative ") {
            reply("302 Found", &[("location", "/rel-target")], b"")
        } else if head.starts_with("GET /rel-target ") {
            reply("200 OK", &[], b"relative ok")
        } else if head.starts_with("GET /loop ") {
            reply("301 Moved Permanently", &[("location", "/loop")], b"")
        } else if head.starts_with("GET /forbidden ") {
            reply("302 Found", &[("location", "http://127.0.0.2:9/x")], b"")
        } else if head.starts_with("GET /meta ") {
            // Not followed: refused before a packet is sent.
            reply(
                "302 Found",
                &[("location", "http://169.254.169.254/latest/meta-data/")],
                b"",
            )
        } else if head.starts_with("GET /ftp ") {
            reply("302 Found", &[("location", "ftp://127.0.0.1/")], b"")
        } else if head.starts_with("POST ") {
            reply("307 Temporary Redirect", &[("location", "/elsewhere")], b"")
        } else {
            reply("308 Permanent Redirect", &[("location", t.as_str())], b"")
        }
    })
    .await;
    let c = client(config("127.0.0.1/32"));

    let resp = get(&c, &hop.url("http", "127.0.0.1", "/go")).await.unwrap();
    assert_eq!(&resp.body[..], b"landed");
    assert_eq!(resp.url.as_str(), target_url);
    let resp = get(&c, &hop.url("http", "127.0.0.1", "/relative"))
        .await
        .unwrap();
    assert_eq!(&resp.body[..], b"relative ok");
    assert!(resp.url.as_str().ends_with("/rel-target"));

    let err = get(&c, &hop.url("http", "127.0.0.1", "/loop"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Redirects(5)), "{err:?}");
    let before = hop.seen().len();
    let _ = get(&c, &hop.url("http", "127.0.0.1", "/loop")).await;
    assert_eq!(
        hop.seen().len() - before,
        6,
        "the first request and five redirects"
    );

    let err = get(&c, &hop.url("http", "127.0.0.1", "/forbidden"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(a) if a == ip("127.0.0.2")),
        "{err:?}"
    );
    let err = get(&c, &hop.url("http", "127.0.0.1", "/meta"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(a) if a == ip("169.254.169.254")),
        "{err:?}"
    );
    let err = get(&c, &hop.url("http", "127.0.0.1", "/ftp"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidUrl(_)), "{err:?}");

    // POST redirects are handed back, not followed (the signature covered the old target).
    let resp = c
        .post(
            &hop.url("http", "127.0.0.1", "/inbox"),
            HeaderMap::new(),
            "{}",
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 307);
}

#[tokio::test]
async fn bodies_are_capped_after_decompression() {
    use flate2::write::GzEncoder;
    let big = vec![b'a'; 2 * 1024 * 1024];
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&big).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 16 * 1024, "a small file: {}", bomb.len());
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"{\"type\":\"Note\"}").unwrap();
    let small_gz = gz.finish().unwrap();

    let server = start("127.0.0.1:0", None, move |head| {
        if head.starts_with("GET /big ") {
            reply("200 OK", &[], &big)
        } else if head.starts_with("GET /chunked ") {
            let mut bytes =
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                    .to_vec();
            for _ in 0..40 {
                bytes.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
                bytes.extend_from_slice(&[b'b'; 64 * 1024]);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
            Reply {
                delay: Duration::ZERO,
                bytes,
            }
        } else if head.starts_with("GET /bomb ") {
            reply("200 OK", &[("content-encoding", "gzip")], &bomb)
        } else if head.starts_with("GET /gz ") {
            reply("200 OK", &[("content-encoding", "gzip")], &small_gz)
        } else if head.starts_with("GET /br ") {
            reply("200 OK", &[("content-encoding", "br")], b"xx")
        } else {
            reply("200 OK", &[], &[b'c'; 1000])
        }
    })
    .await;
    let c = client(config("127.0.0.1"));
    let url = |p: &str| server.url("http", "127.0.0.1", p);
    let limit = ClientConfig::DEFAULT_MAX_BODY;

    for path in ["/big", "/chunked", "/bomb"] {
        let err = get(&c, &url(path)).await.unwrap_err();
        assert!(
            matches!(err, ClientError::TooLarge { limit: l } if l == limit),
            "{path}: {err:?}"
        );
    }
    // A larger cap for this one request lets the bomb through, decompressed.
    let resp = c
        .send(Request::get(url("/bomb")).max_body(4 * 1024 * 1024))
        .await
        .unwrap();
    assert_eq!(resp.body.len(), 2 * 1024 * 1024);
    // And a smaller one refuses what the default allows.
    let err = c
        .send(Request::get(url("/small")).max_body(999))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::TooLarge { limit: 999 }),
        "{err:?}"
    );
    let resp = get(&c, &url("/gz")).await.unwrap();
    assert_eq!(&resp.body[..], b"{\"type\":\"Note\"}");
    let err = get(&c, &url("/br")).await.unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)), "{err:?}");
    assert!(server.seen()[0]
        .to_lowercase()
        .contains("accept-encoding: gzip"));

    // Request bodies are capped before anything is sent.
    let mut small = config("127.0.0.1");
    small.max_request_body = 10;
    let n = server.seen().len();
    let err = client(small)
        .post(&url("/inbox"), HeaderMap::new(), vec![0u8; 11])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::RequestTooLarge { limit: 10 }),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), n);
}

#[tokio::test]
async fn the_deadline_is_honoured() {
    let server = start("127.0.0.1:0", None, |_| Reply {
        delay: Duration::from_secs(5),
        ..reply("200 OK", &[], b"late")
    })
    .await;
    let mut cfg = config("127.0.0.1");
    cfg.timeout = Duration::from_millis(300);
    let c = client(cfg);
    let started = Instant::now();
    let err = get(&c, &server.url("http", "127.0.0.1", "/"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A per-request deadline overrides the default.
    let started = Instant::now();
    let err = c
        .send(
            Request::get(server.url("http", "127.0.0.1", "/")).timeout(Duration::from_millis(100)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1000));
}

#[tokio::test]
async fn https_trusts_the_extra_ca_only() {
    let pki = pki("tls", &["a.test", "127.0.0.1"]);
    let server = start("127.0.0.1:0", Some(pki.server.clone()), move |head| {
        if head.starts_with("GET /down ") {
            reply("302 Found", &[("location", "http://a.test/plain")], b"")
        } else {
            reply("200 OK", &[], b"secure")
        }
    })
    .await;
    let url = server.url("https", "a.test", "/x");
    let mut cfg = config("127.0.0.0/8");
    cfg.allow_http = false;
    cfg.hosts.insert("a.test", ip("127.0.0.1"));
    cfg.hosts.insert("b.test", ip("127.0.0.1"));

    // Unknown CA: refused by certificate verification.
    let err = get(&client(cfg.clone()), &url).await.unwrap_err();
    assert!(matches!(err, ClientError::Tls(_)), "{err:?}");

    let mut trusted = cfg.clone();
    trusted.extra_ca_file = Some(pki.ca_file.clone());
    let c = client(trusted);
    let resp = get(&c, &url).await.unwrap();
    assert_eq!(&resp.body[..], b"secure");
    // An IP address in the certificate works too.
    let resp = get(&c, &server.url("https", "127.0.0.1", "/ip"))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    // A name the certificate does not carry is refused.
    let err = get(&c, &server.url("https", "b.test", "/x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Tls(_)), "{err:?}");
    // https -> http downgrade, and plain http at all, refused when http is not allowed.
    let err = get(&c, &server.url("https", "a.test", "/down"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InsecureScheme(_)), "{err:?}");
    let err = get(&c, "http://a.test/").await.unwrap_err();
    assert!(matches!(err, ClientError::InsecureScheme(_)), "{err:?}");

    // A CA file that is not PEM fails at construction, naming the file.
    let bad = pki.dir.join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    cfg.extra_ca_file = Some(bad);
    let err = HttpClient::new(cfg)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("bad.pem"), "{err}");
    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[tokio::test]
async fn signer_runs_for_every_hop_and_invalid_urls_are_refused() {
    let server = start("127.0.0.1:0", None, |head| {
        if head.starts_with("GET /first ") {
            reply("302 Found", &[("location", "/second")], b"")
        } else {
            reply("202 Accepted", &[], b"")
        }
    })
    .await;
    let c = client(config("127.0.0.1"));
    let signer = |m: &Method, u: &Uri, h: &mut HeaderMap, body: Option<&[u8]>| {
        let v = format!("{m} {u} {}", body.map_or(0, <[u8]>::len));
        h.insert("x-signed", v.parse().map_err(|_| "bad".to_string())?);
        Ok(())
    };
    let resp = c
        .send(
            Request::get(server.url("http", "127.0.0.1", "/first"))
                .header("signature", "stale")
                .signed_with(&signer),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 202);
    let seen = server.seen();
    let port = server.addr.port();
    assert!(seen[0].contains(&format!("x-signed: GET http://127.0.0.1:{port}/first 0")));
    assert!(seen[1].contains(&format!("x-signed: GET http://127.0.0.1:{port}/second 0")));
    assert!(seen[0].contains("signature: stale") && !seen[1].contains("signature: stale"));

    let resp = c
        .send(
            Request::post(server.url("http", "127.0.0.1", "/inbox"), "{\"a\":1}")
                .signed_with(&signer),
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 202);
    let last = server.seen().pop().unwrap();
    assert!(last.starts_with("POST /inbox "), "{last}");
    assert!(
        last.contains("x-signed: POST") && last.ends_with("{\"a\":1}"),
        "{last}"
    );

    let failing =
        |_: &Method, _: &Uri, _: &mut HeaderMap, _: Option<&[u8]>| Err("no key".to_string());
    let err = c
        .send(Request::get(server.url("http", "127.0.0.1", "/")).signed_with(&failing))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Sign(_)), "{err:?}");

    for bad in [
        "ftp://a.test/",
        "not a url",
        "/relative",
        "http://user:pw@127.0.0.1/",
    ] {
        let err = get(&c, bad).await.unwrap_err();
        assert!(matches!(err, ClientError::InvalidUrl(_)), "{bad}: {err:?}");
    }
    let mut https_only = config("127.0.0.1");
    https_only.allow_http = false;
    let err = get(&client(https_only), &server.url("http", "127.0.0.1", "/"))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InsecureScheme(_)), "{err:?}");
}
