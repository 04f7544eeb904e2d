//! Streaming connections held open during the workload, as apps keep them: one WebSocket per
//! user on Mastodon's `/api/v1/streaming` (the `user` stream; every `public_every`-th socket also
//! subscribes to `public:local` over the same socket, as web clients do). The point is what
//! holding them costs the server, so the client side is minimal: a hand-written RFC 6455 client
//! that answers pings, reassembles fragments, counts events by type and measures how long an
//! `update` took from its `created_at` to arrival. A socket that drops is reopened after a
//! second and counted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::hist::Histogram;
use crate::http::Origin;
use crate::rng::Rng;

/// Largest message the bench accepts (a status payload is a few KiB).
const MAX_MESSAGE: usize = 1024 * 1024;
const MAX_HEAD: usize = 16 * 1024;

#[derive(Clone, Debug)]
pub struct StreamOptions {
    pub connections: usize,
    /// Every n-th socket also subscribes to `public:local` (0: none).
    pub public_every: usize,
    /// Deadline for opening a socket (TCP + upgrade).
    pub timeout: Duration,
    pub seed: u64,
}

#[derive(Default)]
struct Counters {
    open: AtomicUsize,
    max_open: AtomicUsize,
    opened: AtomicU64,
    open_failures: AtomicU64,
    drops: AtomicU64,
    bytes: AtomicU64,
    events: Mutex<BTreeMap<String, u64>>,
    update_delay: Mutex<Histogram>,
    first_failure: Mutex<Option<String>>,
}

impl Counters {
    fn fail(&self, what: String) {
        if let Ok(mut f) = self.first_failure.lock() {
            f.get_or_insert(what);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamsReport {
    /// Sockets asked for (one per user, up to --streams).
    pub requested: usize,
    /// Open when the workload ended.
    pub open_at_end: usize,
    pub max_open: usize,
    /// Successful upgrades, reopenings included.
    pub opened: u64,
    pub open_failures: u64,
    /// Sockets the server closed or broke while the workload ran.
    pub drops: u64,
    pub bytes: u64,
    /// Events received, by Mastodon event name.
    pub events: BTreeMap<String, u64>,
    /// From a local `update`'s `created_at` to its arrival, in milliseconds (Mastodon's
    /// `created_at` has millisecond resolution; same clock, same machine). Remote posts are
    /// left out: their `created_at` is the other server's, often in whole seconds.
    pub update_delay_ms_p50: Option<f64>,
    pub update_delay_ms_p99: Option<f64>,
    pub update_delay_ms_max: Option<f64>,
    pub first_failure: Option<String>,
}

pub struct Streams {
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
    requested: usize,
}

/// Opens the sockets (in the background; each keeps reopening until `finish`).
pub fn start(origin: Origin, tokens: &[String], opts: &StreamOptions) -> Streams {
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut rng = Rng::new(opts.seed ^ 0x5eed_57ea);
    let tasks = tokens
        .iter()
        .take(opts.connections)
        .enumerate()
        .map(|(i, token)| {
            let public = opts.public_every > 0 && i % opts.public_every == 0;
            let socket = Socket {
                origin: origin.clone(),
                token: token.clone(),
                public,
                timeout: opts.timeout,
                key: websocket_key(&mut rng),
                counters: counters.clone(),
                stop: stop.clone(),
            };
            // Spread the openings over the first second rather than 100 at once.
            let delay = Duration::from_millis((i as u64 * 10) % 1000);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                socket.hold().await
            })
        })
        .collect::<Vec<_>>();
    Streams {
        counters,
        stop,
        requested: tasks.len(),
        tasks,
    }
}

impl Streams {
    pub fn open(&self) -> usize {
        self.counters.open.load(Ordering::Relaxed)
    }

    /// Closes every socket and reports.
    pub async fn finish(self) -> StreamsReport {
        let open_at_end = self.open();
        self.stop.store(true, Ordering::Relaxed);
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
        let c = &self.counters;
        let (p50, p99, max) = match c.update_delay.lock() {
            Ok(h) if h.count() > 0 => (
                Some(h.quantile(0.5) as f64 / 1000.0),
                Some(h.quantile(0.99) as f64 / 1000.0),
                Some(h.max() as f64 / 1000.0),
            ),
            _ => (None, None, None),
        };
        StreamsReport {
            requested: self.requested,
            open_at_end,
            max_open: c.max_open.load(Ordering::Relaxed),
            opened: c.opened.load(Ordering::Relaxed),
            open_failures: c.open_failures.load(Ordering::Relaxed),
            drops: c.drops.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            events: c.events.lock().map(|e| e.clone()).unwrap_or_default(),
            update_delay_ms_p50: p50,
            update_delay_ms_p99: p99,
            update_delay_ms_max: max,
            first_failure: c.first_failure.lock().ok().and_then(|f| f.clone()),
        }
    }
}

struct Socket {
    origin: Origin,
    token: String,
    public: bool,
    timeout: Duration,
    key: String,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
}

impl Socket {
    async fn hold(self) {
        let c = &self.counters;
        while !self.stop.load(Ordering::Relaxed) {
            let conn = match tokio::time::timeout(self.timeout, self.open()).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => {
                    c.open_failures.fetch_add(1, Ordering::Relaxed);
                    c.fail(format!("opening a socket: {e}"));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                Err(_) => {
                    c.open_failures.fetch_add(1, Ordering::Relaxed);
                    c.fail("opening a socket: timed out".into());
                    continue;
                }
            };
            c.opened.fetch_add(1, Ordering::Relaxed);
            let open = c.open.fetch_add(1, Ordering::Relaxed) + 1;
            c.max_open.fetch_max(open, Ordering::Relaxed);
            let end = self.read(conn).await;
            c.open.fetch_sub(1, Ordering::Relaxed);
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            c.drops.fetch_add(1, Ordering::Relaxed);
            c.fail(format!("socket dropped: {end}"));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// TCP, the upgrade request, a 101, and the extra subscription.
    async fn open(&self) -> Result<BufReader<TcpStream>, String> {
        let stream = TcpStream::connect(self.origin.addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let mut conn = BufReader::with_capacity(8 * 1024, stream);
        let head = format!(
            "GET /api/v1/streaming?stream=user HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\
             Authorization: Bearer {}\r\nUser-Agent: bonsai-bench/{}\r\n\r\n",
            self.origin.host,
            self.key,
            self.token,
            env!("CARGO_PKG_VERSION")
        );
        conn.get_mut()
            .write_all(head.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut status_line = String::new();
        let mut total = 0;
        loop {
            let mut line = String::new();
            let n = conn
                .read_line(&mut line)
                .await
                .map_err(|e| format!("read: {e}"))?;
            total += n;
            if n == 0 || total > MAX_HEAD {
                return Err("no complete response head".into());
            }
            if status_line.is_empty() {
                status_line = line.trim_end().to_string();
            } else if line == "\r\n" {
                break;
            }
        }
        if status_line.split(' ').nth(1) != Some("101") {
            return Err(format!("no upgrade: {status_line}"));
        }
        if self.public {
            let sub = br#"{"type":"subscribe","stream":"public:local"}"#;
            write_frame(conn.get_mut(), 0x1, sub)
                .await
                .map_err(|e| format!("subscribe: {e}"))?;
        }
        Ok(conn)
    }

    /// Reads until the socket ends; returns why it ended.
    async fn read(&self, mut conn: BufReader<TcpStream>) -> String {
        let mut message = Vec::new();
        loop {
            let frame = match read_frame(&mut conn).await {
                Ok(f) => f,
                Err(e) => return e,
            };
            self.counters
                .bytes
                .fetch_add(frame.payload.len() as u64 + 2, Ordering::Relaxed);
            match frame.opcode {
                0x9 => {
                    if let Err(e) = write_frame(conn.get_mut(), 0xA, &frame.payload).await {
                        return format!("pong: {e}");
                    }
                }
                0x8 => return "closed by the server".into(),
                // Continuation, text, binary.
                0x0..=0x2 => {
                    if message.len() + frame.payload.len() > MAX_MESSAGE {
                        return "message over 1 MiB".into();
                    }
                    message.extend_from_slice(&frame.payload);
                    if frame.fin {
                        self.event(&message);
                        message.clear();
                    }
                }
                _ => {}
            }
        }
    }

    fn event(&self, message: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(message) else {
            self.counters.fail("a message that is not JSON".into());
            return;
        };
        let name = v
            .get("event")
            .and_then(|e| e.as_str())
            .unwrap_or(if v.get("error").is_some() {
                "error"
            } else {
                "(none)"
            })
            .to_string();
        if name == "update" {
            // Only posts and boosts written on the server itself: their `created_at` has
            // milliseconds, while remote ones carry the other server's `published`, which is
            // usually whole seconds (up to a second of apparent delay).
            let created = v
                .get("payload")
                .and_then(|p| p.as_str())
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .filter(|s| {
                    s.pointer("/account/acct")
                        .and_then(|a| a.as_str())
                        .is_some_and(|a| !a.contains('@'))
                })
                .and_then(|s| {
                    s.get("created_at")
                        .and_then(|c| c.as_str())
                        .map(str::to_string)
                });
            if let Some(delay) = created.and_then(|c| delay_since(&c)) {
                if let Ok(mut h) = self.counters.update_delay.lock() {
                    h.record(delay.as_micros() as u64);
                }
            }
        }
        if let Ok(mut e) = self.counters.events.lock() {
            *e.entry(name).or_insert(0) += 1;
        }
    }
}

fn delay_since(rfc3339: &str) -> Option<Duration> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    let d = time::OffsetDateTime::now_utc() - t;
    d.try_into().ok()
}

struct Frame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

async fn read_frame(conn: &mut BufReader<TcpStream>) -> Result<Frame, String> {
    let mut head = [0u8; 2];
    conn.read_exact(&mut head)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let fin = head[0] & 0x80 != 0;
    let opcode = head[0] & 0x0f;
    let masked = head[1] & 0x80 != 0;
    let len = match head[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            conn.read_exact(&mut b)
                .await
                .map_err(|e| format!("read: {e}"))?;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            conn.read_exact(&mut b)
                .await
                .map_err(|e| format!("read: {e}"))?;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    if masked {
        return Err("the server masked a frame (RFC 6455 forbids it)".into());
    }
    if len > MAX_MESSAGE as u64 {
        return Err(format!("a {len}-byte frame"));
    }
    let mut payload = vec![0u8; len as usize];
    conn.read_exact(&mut payload)
        .await
        .map_err(|e| format!("read: {e}"))?;
    Ok(Frame {
        fin,
        opcode,
        payload,
    })
}

/// A client frame: always masked (RFC 6455 5.3). The mask only defeats proxy cache poisoning,
/// which does not apply on loopback, so a fixed key is enough.
async fn write_frame(stream: &mut TcpStream, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    stream.write_all(&out).await
}

/// `Sec-WebSocket-Key`: 16 random bytes in base64.
fn websocket_key(rng: &mut Rng) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 18];
    for b in bytes.iter_mut().take(16) {
        *b = rng.next_u64() as u8;
    }
    // 16 bytes are 5 full groups of 3 and one byte: encode 18 (zero-padded) and fix the tail.
    let mut out = String::with_capacity(24);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
        }
    }
    out.truncate(22);
    out.push_str("==");
    out
}

pub fn markdown(md: &mut String, st: &StreamsReport) {
    use std::fmt::Write;
    let events: Vec<String> = st.events.iter().map(|(e, n)| format!("{e} {n}")).collect();
    let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1} ms"));
    let _ = writeln!(
        md,
        "\n## Streaming connections (WebSocket, held open during the workload)\n\n\
         - {} requested, {} open at the end (at most {} at once); {} opened, {} failed to open, {} dropped\n\
         - events received: {} ({} KiB)\n\
         - local `update` from `created_at` to arrival: p50 {}, p99 {}, max {}",
        st.requested,
        st.open_at_end,
        st.max_open,
        st.opened,
        st.open_failures,
        st.drops,
        if events.is_empty() { "none".to_string() } else { events.join(", ") },
        st.bytes / 1024,
        ms(st.update_delay_ms_p50),
        ms(st.update_delay_ms_p99),
        ms(st.update_delay_ms_max),
    );
    if let Some(f) = &st.first_failure {
        let _ = writeln!(md, "- first failure: {f}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_key_is_16_bytes_of_base64() {
        let key = websocket_key(&mut Rng::new(1));
        assert_eq!(key.len(), 24);
        assert!(key.ends_with("=="));
        assert!(key[..22]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
    }

    #[test]
    fn delay_is_measured_from_created_at() {
        let t = time::OffsetDateTime::now_utc() - time::Duration::milliseconds(250);
        let s = t
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let d = delay_since(&s).unwrap_or_default();
        assert!(d >= Duration::from_millis(250) && d < Duration::from_secs(5));
    }
}
