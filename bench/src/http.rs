//! A deliberately small HTTP/1.1 client: keep-alive connections to ONE origin, Content-Length
//! and chunked bodies, a deadline on every request and a cap on body size. The bench only ever
//! talks to the server under test, so there is no TLS, no redirects and no proxy support; this
//! keeps the whole request path visible and the dependency footprint at `httparse`.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Largest response head and body the bench will read (timelines are well under this).
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Origin {
    /// `http://host:port`, without a trailing slash.
    pub base: String,
    /// Value of the `Host` header.
    pub host: String,
    pub addr: SocketAddr,
}

impl Origin {
    /// Parses `http://host[:port][/]`; anything but plain HTTP to one origin is refused.
    pub fn parse(url: &str) -> Result<Origin, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("{url}: only http:// URLs are supported (no TLS in the bench)")
        })?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') || authority.contains('@') {
            return Err(format!(
                "{url}: give the server's base URL, like http://127.0.0.1:8080"
            ));
        }
        let with_port = if authority.starts_with('[') {
            if authority.contains("]:") {
                authority.to_string()
            } else {
                format!("{authority}:80")
            }
        } else if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| format!("{url}: cannot resolve: {e}"))?
            .next()
            .ok_or_else(|| format!("{url}: no address"))?;
        Ok(Origin {
            base: format!("http://{authority}"),
            host: authority.to_string(),
            addr,
        })
    }

    pub fn is_loopback(&self) -> bool {
        match self.addr.ip() {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => v6.is_loopback(),
        }
    }

    /// Reduces a URL the server handed back (a `Link` header) to a path on THIS origin, so the
    /// bench never follows a link elsewhere.
    pub fn path_of(&self, url: &str) -> Option<String> {
        if url.starts_with('/') {
            return Some(url.to_string());
        }
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))?;
        let slash = rest.find('/')?;
        Some(rest[slash..].to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    Timeout,
    Connect(String),
    Io(String),
    Protocol(String),
}

impl HttpError {
    /// Short label used as an error bucket in reports.
    pub fn label(&self) -> &'static str {
        match self {
            HttpError::Timeout => "timeout",
            HttpError::Connect(_) => "connect",
            HttpError::Io(_) => "io",
            HttpError::Protocol(_) => "protocol",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Timeout => write!(f, "timed out"),
            HttpError::Connect(e) => write!(f, "cannot connect: {e}"),
            HttpError::Io(e) => write!(f, "i/o error: {e}"),
            HttpError::Protocol(e) => write!(f, "bad response: {e}"),
        }
    }
}

impl std::error::Error for HttpError {}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The `rel="next"` target of a Mastodon `Link` header.
    pub fn link_next(&self) -> Option<String> {
        let link = self.header("link")?;
        link.split(',').find_map(|part| {
            let (url, params) = part.trim().strip_prefix('<')?.split_once('>')?;
            params
                .split(';')
                .any(|p| {
                    let p = p.trim();
                    p == "rel=\"next\"" || p == "rel=next"
                })
                .then(|| url.to_string())
        })
    }

    pub fn body_snippet(&self) -> String {
        let s = String::from_utf8_lossy(&self.body);
        s.chars().take(200).collect()
    }
}

pub struct Request<'a> {
    pub method: &'a str,
    /// Path and query, starting with `/`.
    pub path: &'a str,
    pub token: Option<&'a str>,
    /// Content type and bytes.
    pub body: Option<(&'a str, Vec<u8>)>,
    /// Further headers; a `host`, `accept` or `user-agent` here replaces the default one.
    pub headers: &'a [(String, String)],
}

type Conn = BufReader<TcpStream>;

/// Keep-alive connections to one origin; at most `max_idle` are kept between requests. The
/// number open at once is bounded by the caller's concurrency limit.
pub struct Client {
    origin: Origin,
    timeout: Duration,
    idle: Mutex<Vec<Conn>>,
    max_idle: usize,
}

impl Client {
    pub fn new(origin: Origin, timeout: Duration, max_idle: usize) -> Self {
        Client {
            origin,
            timeout,
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub async fn send(&self, req: &Request<'_>) -> Result<Response, HttpError> {
        match tokio::time::timeout(self.timeout, self.send_inner(req)).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout),
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Response, HttpError> {
        self.send(&Request {
            method: "GET",
            path,
            token,
            body: None,
            headers: &[],
        })
        .await
    }

    pub async fn form(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> Result<Response, HttpError> {
        self.send(&Request {
            method,
            path,
            token,
            body: Some(("application/x-www-form-urlencoded", encode_form(pairs))),
            headers: &[],
        })
        .await
    }

    fn take_idle(&self) -> Option<Conn> {
        self.idle.lock().ok()?.pop()
    }

    fn put_idle(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.max_idle {
                idle.push(conn);
            }
        }
    }

    async fn connect(&self) -> Result<Conn, HttpError> {
        let stream = TcpStream::connect(self.origin.addr)
            .await
            .map_err(|e| HttpError::Connect(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        Ok(BufReader::with_capacity(16 * 1024, stream))
    }

    async fn send_inner(&self, req: &Request<'_>) -> Result<Response, HttpError> {
        let bytes = self.encode(req);
        let head_only = req.method == "HEAD";
        if let Some(mut conn) = self.take_idle() {
            match exchange(&mut conn, &bytes, head_only).await {
                Ok((res, keep)) => {
                    if keep {
                        self.put_idle(conn);
                    }
                    return Ok(res);
                }
                // The server may have closed an idle connection; only a failure before any
                // response byte is retried, on a fresh connection.
                Err(Failure::Stale(_)) => {}
                Err(Failure::Hard(e)) => return Err(e),
            }
        }
        let mut conn = self.connect().await?;
        match exchange(&mut conn, &bytes, head_only).await {
            Ok((res, keep)) => {
                if keep {
                    self.put_idle(conn);
                }
                Ok(res)
            }
            Err(Failure::Stale(e) | Failure::Hard(e)) => Err(e),
        }
    }

    fn encode(&self, req: &Request<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + req.body.as_ref().map_or(0, |b| b.1.len()));
        let given = |name: &str| {
            req.headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        out.extend_from_slice(format!("{} {} HTTP/1.1\r\n", req.method, req.path).as_bytes());
        if !given("host") {
            out.extend_from_slice(format!("Host: {}\r\n", self.origin.host).as_bytes());
        }
        if !given("user-agent") {
            out.extend_from_slice(
                format!("User-Agent: bonsai-bench/{}\r\n", env!("CARGO_PKG_VERSION")).as_bytes(),
            );
        }
        if !given("accept") {
            out.extend_from_slice(b"Accept: application/json\r\n");
        }
        for (k, v) in req.headers {
            if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("content-type")
            {
                out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
        }
        if let Some(token) = req.token {
            out.extend_from_slice(format!("Authorization: Bearer {token}\r\n").as_bytes());
        }
        match &req.body {
            Some((ct, body)) => {
                out.extend_from_slice(
                    format!(
                        "Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(body);
            }
            None if matches!(req.method, "POST" | "PUT" | "PATCH") => {
                out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
            }
            None => out.extend_from_slice(b"\r\n"),
        }
        out
    }
}

pub fn encode_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish().into_bytes()
}

/// `path?k=v&…` with proper escaping.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let q = String::from_utf8_lossy(&encode_form(pairs)).into_owned();
    format!("{path}?{q}")
}

enum Failure {
    /// Nothing was received: safe to retry on a new connection.
    Stale(HttpError),
    Hard(HttpError),
}

fn io(e: std::io::Error) -> HttpError {
    HttpError::Io(e.to_string())
}

async fn exchange(
    conn: &mut Conn,
    request: &[u8],
    head_only: bool,
) -> Result<(Response, bool), Failure> {
    if let Err(e) = conn.get_mut().write_all(request).await {
        return Err(Failure::Stale(io(e)));
    }
    let mut head = Vec::with_capacity(1024);
    loop {
        let n = conn.read_until(b'\n', &mut head).await.map_err(|e| {
            if head.is_empty() {
                Failure::Stale(io(e))
            } else {
                Failure::Hard(io(e))
            }
        })?;
        if n == 0 {
            let e = HttpError::Io("connection closed".into());
            return Err(if head.is_empty() {
                Failure::Stale(e)
            } else {
                Failure::Hard(e)
            });
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(Failure::Hard(HttpError::Protocol(
                "response head too large".into(),
            )));
        }
    }
    let mut raw_headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut raw_headers);
    match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(Failure::Hard(HttpError::Protocol("incomplete head".into())))
        }
        Err(e) => return Err(Failure::Hard(HttpError::Protocol(e.to_string()))),
    }
    let status = parsed.code.unwrap_or(0);
    let http11 = parsed.version == Some(1);
    let headers: Vec<(String, String)> = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let close = find("connection").is_some_and(|v| v.contains("close"));
    let mut keep = http11 && !close;
    let hard = Failure::Hard;
    let body = if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(conn).await.map_err(hard)?
    } else if let Some(len) = find("content-length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| hard(HttpError::Protocol("bad content-length".into())))?;
        if len > MAX_BODY {
            return Err(hard(HttpError::Protocol("body too large".into())));
        }
        let mut body = vec![0; len];
        conn.read_exact(&mut body).await.map_err(|e| hard(io(e)))?;
        body
    } else {
        keep = false;
        let mut body = Vec::new();
        let mut limited = conn.take(MAX_BODY as u64 + 1);
        limited
            .read_to_end(&mut body)
            .await
            .map_err(|e| hard(io(e)))?;
        if body.len() > MAX_BODY {
            return Err(hard(HttpError::Protocol("body too large".into())));
        }
        body
    };
    Ok((
        Response {
            status,
            headers,
            body,
        },
        keep,
    ))
}

async fn read_chunked(conn: &mut Conn) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        conn.read_until(b'\n', &mut line).await.map_err(io)?;
        let text = String::from_utf8_lossy(&line);
        let size_hex = text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| HttpError::Protocol(format!("bad chunk size {size_hex:?}")))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                line.clear();
                let n = conn.read_until(b'\n', &mut line).await.map_err(io)?;
                if n == 0 || line == b"\r\n" || line == b"\n" {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(HttpError::Protocol("body too large".into()));
        }
        let start = body.len();
        body.resize(start + size, 0);
        conn.read_exact(&mut body[start..]).await.map_err(io)?;
        line.clear();
        conn.read_until(b'\n', &mut line).await.map_err(io)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_parsing() {
        let o = Origin::parse("http://127.0.0.1:8080/").expect("parses");
        assert_eq!(o.base, "http://127.0.0.1:8080");
        assert_eq!(o.host, "127.0.0.1:8080");
        assert!(o.is_loopback());
        assert!(Origin::parse("https://example.com").is_err());
        assert!(Origin::parse("http://127.0.0.1:8080/api").is_err());
    }

    #[test]
    fn links_stay_on_origin() {
        let o = Origin::parse("http://127.0.0.1:8080").expect("parses");
        assert_eq!(
            o.path_of("https://elsewhere.example/api/v1/timelines/home?max_id=5"),
            Some("/api/v1/timelines/home?max_id=5".to_string())
        );
        let res = Response {
            status: 200,
            headers: vec![(
                "link".into(),
                "<http://a/api/v1/timelines/home?max_id=9>; rel=\"next\", <http://a/x?min_id=1>; rel=\"prev\"".into(),
            )],
            body: Vec::new(),
        };
        assert_eq!(
            res.link_next().as_deref(),
            Some("http://a/api/v1/timelines/home?max_id=9")
        );
    }

    #[tokio::test]
    async fn talks_to_a_tiny_server() -> Result<(), Box<dyn std::error::Error>> {
        use tokio::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut sock = BufReader::new(sock);
                    let mut n = 0;
                    loop {
                        let mut line = Vec::new();
                        let mut blank = false;
                        while !blank {
                            line.clear();
                            if sock.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            blank = line == b"\r\n";
                        }
                        n += 1;
                        let reply = if n % 2 == 1 {
                            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_string()
                        } else {
                            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_string()
                        };
                        if sock.get_mut().write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let client = Client::new(
            Origin::parse(&format!("http://{addr}"))?,
            Duration::from_secs(5),
            4,
        );
        let a = client.get("/a", None).await?;
        assert_eq!((a.status, a.body.as_slice()), (200, &b"hello"[..]));
        let b = client.get("/b", Some("t")).await?;
        assert_eq!((b.status, b.body.as_slice()), (404, &b"abcde"[..]));
        Ok(())
    }
}
