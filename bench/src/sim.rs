//! Simulated remote servers for the `burst` scenario and the federation part of the
//! `small-instance` / `soak` mix: one small HTTP/1.1 server on loopback that answers for many
//! fediverse domains (`d0.sim`, `d1.sim`, …, told apart by the `Host` header; the server under
//! test maps those names to 127.0.0.1 with `BONSAI_FEDERATION_HOSTS`). It serves WebFinger and
//! an actor document for each simulated account, and an inbox that checks every delivery's
//! HTTP signature against the sender's published key before answering 202, so federation is
//! measured over real HTTP with real signatures. Once connected to the server under test
//! ([`Sim::connect`]) it fetches unknown senders' keys from it and answers each `Follow` with
//! a signed `Accept`, as a remote Mastodon would.
//!
//! All followers share one RSA-2048 key pair (each with its own key id): generating 10k keys
//! would take minutes and changes nothing for the server, which verifies every Follow anyway.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use bonsai_federation::signatures::{self, PublicKey, SigningKey};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::http::{Client, Request};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Simulated followers (actors), spread round-robin over the domains.
    pub actors: usize,
    pub domains: usize,
    /// Advertise a per-domain `sharedInbox` (one delivery per domain) instead of only personal
    /// inboxes (one delivery per follower).
    pub shared_inbox: bool,
    /// Added before every inbox answer.
    pub delay: Duration,
    /// Most inbox requests answered per second, over all simulated servers (paced, not refused).
    pub rate: Option<f64>,
    /// What the per-second `deliveries` counter counts: every verified delivery (true), or
    /// only the first `Create` at each inbox (false: the burst's fan-out).
    pub count_every_delivery: bool,
}

/// What the simulated inboxes saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SimCounts {
    pub actor_fetches: u64,
    pub inbox_requests: u64,
    pub accepts: u64,
    pub accepts_distinct: u64,
    pub creates: u64,
    pub creates_distinct: u64,
    pub other_activities: u64,
    pub bad_signatures: u64,
    pub not_found: u64,
    pub first_error: Option<String>,
    /// Verified deliveries by activity type.
    pub by_type: BTreeMap<String, u64>,
    /// Keys of the server's senders fetched from it (actor documents).
    pub key_fetches: u64,
    pub webfinger: u64,
    /// `Follow`s from the server's users, and the `Accept`s sent back for them.
    pub follows_received: u64,
    pub accepts_sent: u64,
    pub accepts_failed: u64,
}

#[derive(Default)]
struct Tallies {
    accept_seen: Vec<bool>,
    accepts_distinct: u64,
    create_seen: Vec<bool>,
    /// Seconds from the mark to each first arrival of a Create at an inbox.
    create_times: Vec<f64>,
    first_error: Option<String>,
    by_type: BTreeMap<String, u64>,
}

/// A sender on the server under test: its key, and where to send it activities.
#[derive(Clone)]
struct ServerActor {
    key: PublicKey,
    inbox: String,
}

struct State {
    opts: SimOptions,
    port: u16,
    public_pem: String,
    /// Signs the simulated actors' own requests (Accepts).
    signing: SigningKey,
    /// The server's senders by key id: set in advance, or fetched through `server`.
    server_keys: Mutex<HashMap<String, ServerActor>>,
    /// The server under test, once connected.
    server: OnceLock<Arc<Client>>,
    mark: Mutex<Instant>,
    pacing: Mutex<Instant>,
    tallies: Mutex<Tallies>,
    actor_fetches: AtomicU64,
    inbox_requests: AtomicU64,
    accepts: AtomicU64,
    creates: AtomicU64,
    other: AtomicU64,
    bad_signatures: AtomicU64,
    not_found: AtomicU64,
    key_fetches: AtomicU64,
    webfinger: AtomicU64,
    follows_received: AtomicU64,
    accepts_sent: AtomicU64,
    accepts_failed: AtomicU64,
    /// Numbers the Accepts' ids.
    accept_ids: AtomicU64,
    /// Bumped for every delivery counted (see `count_every_delivery`); the sampler drains it
    /// once a second.
    deliveries: Arc<AtomicU64>,
}

pub struct Sim {
    state: Arc<State>,
    listener: Mutex<Option<TcpListener>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Sim {
    /// Binds 127.0.0.1 on a free port and makes the followers' key pair; `serve` starts it.
    pub async fn bind(opts: SimOptions, deliveries: Arc<AtomicU64>) -> Result<Sim, String> {
        if opts.actors == 0 || opts.domains == 0 {
            return Err(
                "the simulated fediverse needs at least one follower and one domain".into(),
            );
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen for the simulated remotes: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let pair = tokio::task::spawn_blocking(bonsai_federation::keys::generate_rsa_2048)
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot make the followers' key: {e}"))?;
        let signing = SigningKey::from_pem(&pair.private_pem).map_err(|e| e.to_string())?;
        let inboxes = inbox_count(&opts);
        let now = Instant::now();
        let state = State {
            port,
            public_pem: pair.public_pem,
            signing,
            server_keys: Mutex::new(HashMap::new()),
            server: OnceLock::new(),
            mark: Mutex::new(now),
            pacing: Mutex::new(now),
            tallies: Mutex::new(Tallies {
                accept_seen: vec![false; opts.actors],
                create_seen: vec![false; inboxes],
                create_times: Vec::with_capacity(inboxes),
                ..Tallies::default()
            }),
            opts,
            actor_fetches: AtomicU64::new(0),
            inbox_requests: AtomicU64::new(0),
            accepts: AtomicU64::new(0),
            creates: AtomicU64::new(0),
            other: AtomicU64::new(0),
            bad_signatures: AtomicU64::new(0),
            not_found: AtomicU64::new(0),
            key_fetches: AtomicU64::new(0),
            webfinger: AtomicU64::new(0),
            follows_received: AtomicU64::new(0),
            accepts_sent: AtomicU64::new(0),
            accepts_failed: AtomicU64::new(0),
            accept_ids: AtomicU64::new(0),
            deliveries,
        };
        Ok(Sim {
            state: Arc::new(state),
            listener: Mutex::new(Some(listener)),
        })
    }

    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// Bumped for every first Create at an inbox.
    pub fn deliveries(&self) -> Arc<AtomicU64> {
        self.state.deliveries.clone()
    }

    pub fn options(&self) -> &SimOptions {
        &self.state.opts
    }

    /// Inboxes a post to every follower reaches: one per follower, or one per domain.
    pub fn inboxes(&self) -> usize {
        inbox_count(&self.state.opts)
    }

    pub fn domain(&self, j: usize) -> String {
        format!("d{j}.sim")
    }

    /// `d0.sim=127.0.0.1,d1.sim=127.0.0.1,…` for `BONSAI_FEDERATION_HOSTS`.
    pub fn hosts_setting(&self) -> String {
        (0..self.state.opts.domains)
            .map(|j| format!("{}=127.0.0.1", self.domain(j)))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn actor_uri(&self, i: usize) -> String {
        actor_uri(&self.state, i)
    }

    #[cfg(test)]
    pub fn signing_key(&self) -> &SigningKey {
        &self.state.signing
    }

    /// `uI@dJ.sim:PORT`, the acct WebFinger answers for simulated actor `i`.
    pub fn acct(&self, i: usize) -> String {
        format!(
            "u{i}@{}:{}",
            self.domain(i % self.state.opts.domains),
            self.state.port
        )
    }

    /// A key of the server's: deliveries signed with it are verified from now on (others are
    /// fetched from the server once connected, refused until then). `inbox` is where the
    /// key's owner takes activities (its Accepts).
    pub fn set_server_key(
        &self,
        key_id: String,
        public_pem: &str,
        inbox: String,
    ) -> Result<(), String> {
        let key = PublicKey::from_pem(public_pem).map_err(|e| format!("server's key: {e}"))?;
        lock(&self.state.server_keys).insert(key_id, ServerActor { key, inbox });
        Ok(())
    }

    /// The server under test: unknown senders' keys are fetched from it, and each `Follow`
    /// is answered with an `Accept` sent to it.
    pub fn connect(&self, client: Arc<Client>) {
        let _ = self.state.server.set(client);
    }

    /// Headers signing `POST url` with `body` as simulated actor `i` (draft-cavage, as
    /// Mastodon signs).
    pub fn sign_post(
        &self,
        i: usize,
        url: &str,
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        sign_post(&self.state, i, url, body)
    }

    /// Create arrival times are measured from now.
    pub fn mark(&self) {
        *lock(&self.state.mark) = Instant::now();
    }

    pub fn counts(&self) -> SimCounts {
        let s = &self.state;
        let t = lock(&s.tallies);
        SimCounts {
            actor_fetches: s.actor_fetches.load(Ordering::Relaxed),
            inbox_requests: s.inbox_requests.load(Ordering::Relaxed),
            accepts: s.accepts.load(Ordering::Relaxed),
            accepts_distinct: t.accepts_distinct,
            creates: s.creates.load(Ordering::Relaxed),
            creates_distinct: t.create_times.len() as u64,
            other_activities: s.other.load(Ordering::Relaxed),
            bad_signatures: s.bad_signatures.load(Ordering::Relaxed),
            not_found: s.not_found.load(Ordering::Relaxed),
            first_error: t.first_error.clone(),
            by_type: t.by_type.clone(),
            key_fetches: s.key_fetches.load(Ordering::Relaxed),
            webfinger: s.webfinger.load(Ordering::Relaxed),
            follows_received: s.follows_received.load(Ordering::Relaxed),
            accepts_sent: s.accepts_sent.load(Ordering::Relaxed),
            accepts_failed: s.accepts_failed.load(Ordering::Relaxed),
        }
    }

    pub fn create_times(&self) -> Vec<f64> {
        lock(&self.state.tallies).create_times.clone()
    }

    /// Accepts connections until the returned task is aborted.
    pub fn serve(&self) -> Result<tokio::task::JoinHandle<()>, String> {
        let listener = lock(&self.listener)
            .take()
            .ok_or("the simulated remotes are already serving")?;
        let state = self.state.clone();
        Ok(tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = connection(sock, state).await;
                });
            }
        }))
    }
}

fn inbox_count(o: &SimOptions) -> usize {
    if o.shared_inbox {
        o.domains.min(o.actors)
    } else {
        o.actors
    }
}

fn base(s: &State, j: usize) -> String {
    format!("http://d{j}.sim:{}", s.port)
}

fn actor_uri(s: &State, i: usize) -> String {
    format!("{}/users/u{i}", base(s, i % s.opts.domains))
}

fn sign_post(s: &State, i: usize, url: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let mut headers = http::HeaderMap::new();
    signatures::sign_request_with(
        &http::Method::POST,
        &uri,
        &mut headers,
        Some(body),
        &format!("{}#main-key", actor_uri(s, i)),
        &s.signing,
        SystemTime::now(),
    )
    .map_err(|e| e.to_string())?;
    Ok(headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect())
}

struct Head {
    method: String,
    path: String,
    host: String,
    headers: Vec<(String, Vec<u8>)>,
    content_length: usize,
    close: bool,
}

fn parse_head(buf: &[u8]) -> Result<Option<(usize, Head)>, String> {
    let mut raw = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut raw);
    let n = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut head = Head {
        method: req.method.unwrap_or("").to_string(),
        path: req.path.unwrap_or("").to_string(),
        host: String::new(),
        headers: Vec::with_capacity(req.headers.len()),
        content_length: 0,
        close: req.version == Some(0),
    };
    for h in req.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value);
        match name.as_str() {
            "host" => head.host = value.trim().to_ascii_lowercase(),
            "content-length" => {
                head.content_length = value
                    .trim()
                    .parse()
                    .map_err(|_| "bad content-length".to_string())?;
            }
            "transfer-encoding" => return Err("chunked request bodies are not supported".into()),
            "connection" if value.to_ascii_lowercase().contains("close") => head.close = true,
            _ => {}
        }
        head.headers.push((name, h.value.to_vec()));
    }
    if head.content_length > MAX_BODY {
        return Err("body too large".into());
    }
    Ok(Some((n, head)))
}

fn response(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Status",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

async fn connection(mut sock: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let _ = sock.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    loop {
        let (n, head) = loop {
            match parse_head(&buf) {
                Ok(Some(h)) => break h,
                Ok(None) if buf.len() > MAX_HEAD => return Ok(()),
                Ok(None) => {
                    if sock.read_buf(&mut buf).await? == 0 {
                        return Ok(());
                    }
                }
                Err(e) => {
                    sock.write_all(&response(400, "text/plain", e.as_bytes()))
                        .await?;
                    return Ok(());
                }
            }
        };
        let end = n + head.content_length;
        while buf.len() < end {
            if sock.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let body: Vec<u8> = buf[n..end].to_vec();
        buf.drain(..end);
        let res = handle(&state, &head, &body).await;
        sock.write_all(&res).await?;
        if head.close {
            return Ok(());
        }
    }
}

/// `d<j>.sim:<port>` → j.
fn domain_index(s: &State, host: &str) -> Option<usize> {
    let (name, port) = host.rsplit_once(':')?;
    if port.parse::<u16>().ok()? != s.port {
        return None;
    }
    let j: usize = name.strip_prefix('d')?.strip_suffix(".sim")?.parse().ok()?;
    (j < s.opts.domains).then_some(j)
}

/// `/users/u<i>` (optionally followed by `rest`) on its own domain → i.
fn actor_index(s: &State, j: usize, path: &str, rest: &str) -> Option<usize> {
    let i: usize = path
        .strip_prefix("/users/u")?
        .strip_suffix(rest)?
        .parse()
        .ok()?;
    (i < s.opts.actors && i % s.opts.domains == j).then_some(i)
}

async fn handle(s: &Arc<State>, head: &Head, body: &[u8]) -> Vec<u8> {
    let not_found = || {
        s.not_found.fetch_add(1, Ordering::Relaxed);
        response(404, "application/json", br#"{"error":"Record not found"}"#)
    };
    let Some(j) = domain_index(s, &head.host) else {
        return not_found();
    };
    match head.method.as_str() {
        "GET" if head.path.starts_with("/.well-known/webfinger?") => {
            match webfinger(s, j, &head.path) {
                Some(jrd) => {
                    s.webfinger.fetch_add(1, Ordering::Relaxed);
                    response(200, "application/jrd+json", jrd.to_string().as_bytes())
                }
                None => not_found(),
            }
        }
        "GET" => match actor_index(s, j, &head.path, "") {
            Some(i) => {
                s.actor_fetches.fetch_add(1, Ordering::Relaxed);
                let doc = actor_document(s, i);
                response(200, "application/activity+json", doc.to_string().as_bytes())
            }
            None => not_found(),
        },
        "POST" => {
            let inbox = if s.opts.shared_inbox && head.path == "/inbox" {
                Some(j)
            } else if s.opts.shared_inbox {
                // Personal inboxes exist too, but deliveries should use the shared one.
                actor_index(s, j, &head.path, "/inbox").map(|_| j)
            } else {
                actor_index(s, j, &head.path, "/inbox")
            };
            match inbox {
                Some(k) => inbox_post(s, j, k, head, body).await,
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

/// `?resource=acct:uI@dJ.sim:PORT` (or the actor's URL) on domain `j` → its JRD.
fn webfinger(s: &State, j: usize, path: &str) -> Option<Value> {
    let query = path.split_once('?')?.1;
    let resource = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "resource")?
        .1
        .into_owned();
    let host = format!("d{j}.sim:{}", s.port);
    let i = match resource.strip_prefix("acct:") {
        Some(acct) => {
            let (user, domain) = acct.trim_start_matches('@').rsplit_once('@')?;
            if !domain.eq_ignore_ascii_case(&host) {
                return None;
            }
            actor_index(s, j, &format!("/users/{user}"), "")?
        }
        None => actor_index(s, j, resource.strip_prefix(&base(s, j))?, "")?,
    };
    let id = actor_uri(s, i);
    Some(json!({
        "subject": format!("acct:u{i}@{host}"),
        "aliases": [id],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": id },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": id },
        ],
    }))
}

fn actor_document(s: &State, i: usize) -> Value {
    let j = i % s.opts.domains;
    let id = actor_uri(s, i);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": format!("u{i}"),
        "name": format!("Simulated account {i}"),
        "summary": "",
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "manuallyApprovesFollowers": false,
        "discoverable": false,
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": s.public_pem,
        },
    });
    if s.opts.shared_inbox {
        doc["endpoints"] = json!({ "sharedInbox": format!("{}/inbox", base(s, j)) });
    }
    doc
}

fn note_error(s: &State, e: String) {
    let mut t = lock(&s.tallies);
    if t.first_error.is_none() {
        t.first_error = Some(e);
    }
}

async fn pace(s: &State) {
    if !s.opts.delay.is_zero() {
        tokio::time::sleep(s.opts.delay).await;
    }
    if let Some(rate) = s.opts.rate.filter(|r| *r > 0.0) {
        let slot = {
            let mut next = lock(&s.pacing);
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + Duration::from_secs_f64(1.0 / rate);
            slot
        };
        tokio::time::sleep_until(tokio::time::Instant::from_std(slot)).await;
    }
}

/// A delivery to inbox `k` (an actor, or a domain's shared inbox) on domain `j`.
async fn inbox_post(s: &Arc<State>, j: usize, k: usize, head: &Head, body: &[u8]) -> Vec<u8> {
    s.inbox_requests.fetch_add(1, Ordering::Relaxed);
    pace(s).await;
    let sender = match check_signature(s, head, body).await {
        Ok(sender) => sender,
        Err(e) => {
            s.bad_signatures.fetch_add(1, Ordering::Relaxed);
            note_error(s, format!("d{j}.sim {}: {e}", head.path));
            return response(401, "application/json", br#"{"error":"bad signature"}"#);
        }
    };
    let activity: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            note_error(s, format!("d{j}.sim {}: body is not JSON: {e}", head.path));
            return response(400, "application/json", br#"{"error":"not JSON"}"#);
        }
    };
    let kind = activity["type"].as_str().unwrap_or("(none)");
    {
        let mut t = lock(&s.tallies);
        *t.by_type
            .entry(kind.chars().take(40).collect())
            .or_default() += 1;
    }
    if s.opts.count_every_delivery {
        s.deliveries.fetch_add(1, Ordering::Relaxed);
    }
    match activity["type"].as_str() {
        Some("Follow") => {
            s.follows_received.fetch_add(1, Ordering::Relaxed);
            if s.server.get().is_some() {
                let (s, inbox) = (s.clone(), sender.inbox.clone());
                tokio::spawn(async move { send_accept(&s, &inbox, activity).await });
            } else {
                s.other.fetch_add(1, Ordering::Relaxed);
            }
        }
        Some("Accept") => {
            s.accepts.fetch_add(1, Ordering::Relaxed);
            // The follower is the Follow's actor: with a shared inbox `k` is only the domain.
            let follower = activity["object"]["actor"]
                .as_str()
                .and_then(|a| a.rsplit_once("/users/u"))
                .and_then(|(_, i)| i.parse::<usize>().ok())
                .filter(|i| *i < s.opts.actors);
            if let Some(i) = follower {
                let mut t = lock(&s.tallies);
                if !t.accept_seen[i] {
                    t.accept_seen[i] = true;
                    t.accepts_distinct += 1;
                }
            }
        }
        Some("Create") => {
            s.creates.fetch_add(1, Ordering::Relaxed);
            let at = lock(&s.mark).elapsed().as_secs_f64();
            let mut t = lock(&s.tallies);
            if let Some(seen) = t.create_seen.get_mut(k) {
                if !*seen {
                    *seen = true;
                    t.create_times.push(at);
                    if !s.opts.count_every_delivery {
                        s.deliveries.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        _ => {
            s.other.fetch_add(1, Ordering::Relaxed);
        }
    }
    response(202, "application/json", b"{}")
}

/// Answers a `Follow` of one of our actors: a signed `Accept` (embedding the Follow, as
/// Mastodon does) from the followed actor to the follower's inbox.
async fn send_accept(s: &State, inbox: &str, follow: Value) {
    let result = async {
        let client = s.server.get().ok_or("not connected")?;
        let object = follow["object"]
            .as_str()
            .ok_or("the Follow has no object")?;
        let i = object
            .rsplit_once("/users/u")
            .and_then(|(b, i)| Some((b, i.parse::<usize>().ok()?)))
            .filter(|(b, i)| *i < s.opts.actors && *b == base(s, i % s.opts.domains))
            .map(|(_, i)| i)
            .ok_or_else(|| format!("Follow of {object}, not one of ours"))?;
        let actor = actor_uri(s, i);
        let n = s.accept_ids.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}#accepts/follows/{n}"),
            "type": "Accept",
            "actor": actor,
            "object": follow,
        })
        .to_string()
        .into_bytes();
        let path = client
            .origin()
            .path_of(inbox)
            .ok_or_else(|| format!("bad inbox {inbox}"))?;
        let url = format!("{}{path}", client.origin().base);
        let headers = sign_post(s, i, &url, &body)?;
        let res = client
            .send(&Request {
                method: "POST",
                path: &path,
                token: None,
                body: Some(("application/activity+json", body)),
                headers: &headers,
            })
            .await
            .map_err(|e| format!("Accept to {path}: {e}"))?;
        if res.ok() {
            Ok(())
        } else {
            Err(format!(
                "Accept to {path}: {} {}",
                res.status,
                res.body_snippet()
            ))
        }
    }
    .await;
    match result {
        Ok(()) => s.accepts_sent.fetch_add(1, Ordering::Relaxed),
        Err(e) => {
            note_error(s, e);
            s.accepts_failed.fetch_add(1, Ordering::Relaxed)
        }
    };
}

/// The server's sender named by `key_id`: known, or fetched from the server (its actor
/// document) when connected.
async fn server_actor(s: &State, key_id: &str) -> Result<ServerActor, String> {
    if let Some(a) = lock(&s.server_keys).get(key_id) {
        return Ok(a.clone());
    }
    let client = s
        .server
        .get()
        .ok_or_else(|| format!("signed by {key_id}, which is not the server's known key"))?;
    let actor_url = key_id.split('#').next().unwrap_or(key_id);
    let path = client
        .origin()
        .path_of(actor_url)
        .filter(|_| actor_url.starts_with(&client.origin().base))
        .ok_or_else(|| format!("key {key_id} is not on the server under test"))?;
    let accept = [(
        "accept".to_string(),
        "application/activity+json".to_string(),
    )];
    s.key_fetches.fetch_add(1, Ordering::Relaxed);
    let res = client
        .send(&Request {
            method: "GET",
            path: &path,
            token: None,
            body: None,
            headers: &accept,
        })
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    let doc = res
        .json()
        .filter(|_| res.ok())
        .ok_or_else(|| format!("GET {path}: {} {}", res.status, res.body_snippet()))?;
    let actor = actor_key(&doc, key_id)?;
    lock(&s.server_keys).insert(key_id.to_string(), actor.clone());
    Ok(actor)
}

/// The key `key_id` and the inbox of an actor document.
fn actor_key(doc: &Value, key_id: &str) -> Result<ServerActor, String> {
    if doc["publicKey"]["id"].as_str() != Some(key_id) {
        return Err(format!("the actor document has no key {key_id}"));
    }
    let pem = doc["publicKey"]["publicKeyPem"]
        .as_str()
        .ok_or("the actor document has no publicKeyPem")?;
    let key = PublicKey::from_pem(pem).map_err(|e| format!("{key_id}: {e}"))?;
    let inbox = doc["inbox"]
        .as_str()
        .ok_or("the actor document has no inbox")?
        .to_string();
    Ok(ServerActor { key, inbox })
}

async fn check_signature(s: &State, head: &Head, body: &[u8]) -> Result<ServerActor, String> {
    let method = http::Method::from_bytes(head.method.as_bytes()).map_err(|e| e.to_string())?;
    let uri: http::Uri = head.path.parse().map_err(|e| format!("{e}"))?;
    let mut headers = http::HeaderMap::new();
    for (k, v) in &head.headers {
        let name = http::HeaderName::from_bytes(k.as_bytes()).map_err(|e| e.to_string())?;
        let value = http::HeaderValue::from_bytes(v).map_err(|e| e.to_string())?;
        headers.append(name, value);
    }
    let parsed = signatures::parse(&method, &uri, &headers).map_err(|e| e.to_string())?;
    let sender = server_actor(s, parsed.key_id()).await?;
    signatures::verify_with_key(&parsed, &sender.key, Some(body), SystemTime::now())
        .map(|_| sender)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::http::{Client, Origin, Request};

    async fn get(c: &Client, host: &str, path: &str) -> crate::http::Response {
        let h = [("host".to_string(), host.to_string())];
        c.send(&Request {
            method: "GET",
            path,
            token: None,
            body: None,
            headers: &h,
        })
        .await
        .unwrap()
    }

    /// Actors on their own domains, and an inbox that takes only deliveries signed by the
    /// server's key, counting each inbox's first Create once.
    #[tokio::test]
    async fn serves_actors_and_checks_signed_deliveries() {
        let opts = SimOptions {
            actors: 3,
            domains: 2,
            shared_inbox: false,
            delay: Duration::ZERO,
            rate: None,
            count_every_delivery: false,
        };
        let sim = Sim::bind(opts, Arc::default()).await.unwrap();
        let task = sim.serve().unwrap();
        let port = sim.port();
        let c = Client::new(
            Origin::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
            Duration::from_secs(5),
            2,
        );
        assert_eq!(sim.hosts_setting(), "d0.sim=127.0.0.1,d1.sim=127.0.0.1");
        let d1 = format!("d1.sim:{port}");
        let r = get(&c, &d1, "/users/u1").await;
        assert_eq!(r.status, 200);
        let doc = r.json().unwrap();
        assert_eq!(doc["id"], sim.actor_uri(1));
        assert_eq!(doc["inbox"], format!("http://{d1}/users/u1/inbox"));
        assert!(doc.get("endpoints").is_none(), "no sharedInbox");
        assert!(doc["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .contains("PUBLIC KEY"));
        // u1 lives on d1 only; u3 does not exist.
        assert_eq!(
            get(&c, &format!("d0.sim:{port}"), "/users/u1").await.status,
            404
        );
        assert_eq!(get(&c, &d1, "/users/u3").await.status, 404);

        // The "server": its own key pair, published to the sim.
        let server = bonsai_federation::keys::generate_rsa_2048().unwrap();
        let server_key = SigningKey::from_pem(&server.private_pem).unwrap();
        let kid = "http://127.0.0.1:1/users/alice#main-key";
        sim.set_server_key(
            kid.to_string(),
            &server.public_pem,
            "http://127.0.0.1:1/users/alice/inbox".into(),
        )
        .unwrap();
        sim.mark();
        let body = br#"{"type":"Create","actor":"http://127.0.0.1:1/users/alice"}"#.to_vec();
        let deliver = |key: &SigningKey| {
            let uri: http::Uri = format!("http://{d1}/users/u1/inbox").parse().unwrap();
            let mut h = http::HeaderMap::new();
            signatures::sign_request_with(
                &http::Method::POST,
                &uri,
                &mut h,
                Some(&body),
                kid,
                key,
                SystemTime::now(),
            )
            .unwrap();
            h.iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                .collect::<Vec<_>>()
        };
        let post = |headers: Vec<(String, String)>| {
            let c = &c;
            let body = body.clone();
            async move {
                c.send(&Request {
                    method: "POST",
                    path: "/users/u1/inbox",
                    token: None,
                    body: Some(("application/activity+json", body)),
                    headers: &headers,
                })
                .await
                .unwrap()
                .status
            }
        };
        assert_eq!(post(deliver(&server_key)).await, 202);
        assert_eq!(post(deliver(&server_key)).await, 202);
        // Signed by another key (the followers' own): refused.
        assert_eq!(post(deliver(sim.signing_key())).await, 401);
        let n = sim.counts();
        assert_eq!((n.creates, n.creates_distinct, n.bad_signatures), (2, 1, 1));
        assert_eq!(sim.create_times().len(), 1);
        assert_eq!(sim.deliveries().load(Ordering::Relaxed), 1);
        task.abort();
    }

    /// A tiny stand-in for the server under test: one actor (`/users/alice`) and its inbox,
    /// which hands every POST (headers and body) to the test.
    async fn fake_server(
        public_pem: String,
    ) -> (
        u16,
        tokio::sync::mpsc::UnboundedReceiver<(Vec<(String, String)>, Value)>,
    ) {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (tx, pem) = (tx.clone(), public_pem.clone());
                tokio::spawn(async move {
                    let mut sock = BufReader::new(sock);
                    loop {
                        let mut first = String::new();
                        if sock.read_line(&mut first).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let mut headers = Vec::new();
                        loop {
                            let mut line = String::new();
                            sock.read_line(&mut line).await.unwrap();
                            let line = line.trim_end();
                            if line.is_empty() {
                                break;
                            }
                            let (k, v) = line.split_once(':').unwrap();
                            headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
                        }
                        let len: usize = headers
                            .iter()
                            .find(|(k, _)| k == "content-length")
                            .map_or(0, |(_, v)| v.parse().unwrap());
                        let mut body = vec![0; len];
                        sock.read_exact(&mut body).await.unwrap();
                        let base = format!("http://127.0.0.1:{port}");
                        let reply = if first.starts_with("GET /users/alice ") {
                            json!({
                                "id": format!("{base}/users/alice"),
                                "type": "Person",
                                "inbox": format!("{base}/users/alice/inbox"),
                                "publicKey": {
                                    "id": format!("{base}/users/alice#main-key"),
                                    "owner": format!("{base}/users/alice"),
                                    "publicKeyPem": pem,
                                },
                            })
                            .to_string()
                        } else {
                            let _ = tx.send((headers, serde_json::from_slice(&body).unwrap()));
                            String::new()
                        };
                        let status = if reply.is_empty() {
                            "202 Accepted"
                        } else {
                            "200 OK"
                        };
                        let out = format!(
                            "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{reply}",
                            reply.len()
                        );
                        sock.get_mut().write_all(out.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        (port, rx)
    }

    /// WebFinger names the actors; a Follow signed by a key the sim has never seen is checked
    /// against the key fetched from the server, and answered with a signed Accept that embeds
    /// it, sent to the follower's inbox.
    #[tokio::test]
    async fn webfinger_and_follows_are_answered_with_accepts() {
        let opts = SimOptions {
            actors: 4,
            domains: 2,
            shared_inbox: true,
            delay: Duration::ZERO,
            rate: None,
            count_every_delivery: true,
        };
        let sim = Sim::bind(opts, Arc::default()).await.unwrap();
        let task = sim.serve().unwrap();
        let port = sim.port();
        let c = Client::new(
            Origin::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
            Duration::from_secs(5),
            2,
        );
        let d1 = format!("d1.sim:{port}");
        assert_eq!(sim.acct(3), format!("u3@{d1}"));
        let r = get(
            &c,
            &d1,
            &format!("/.well-known/webfinger?resource=acct:u3@{d1}"),
        )
        .await;
        assert_eq!(r.status, 200);
        let jrd = r.json().unwrap();
        assert_eq!(jrd["subject"], format!("acct:u3@{d1}"));
        assert_eq!(jrd["links"][0]["href"], sim.actor_uri(3));
        // u2 lives on d0, and d0's name is not d1's.
        let wrong = format!("/.well-known/webfinger?resource=acct:u2@{d1}");
        assert_eq!(get(&c, &d1, &wrong).await.status, 404);
        let doc = get(&c, &d1, "/users/u3").await.json().unwrap();
        assert_eq!(
            doc["endpoints"]["sharedInbox"],
            format!("http://{d1}/inbox")
        );

        let alice_keys = bonsai_federation::keys::generate_rsa_2048().unwrap();
        let (server_port, mut received) = fake_server(alice_keys.public_pem.clone()).await;
        let server = Origin::parse(&format!("http://127.0.0.1:{server_port}")).unwrap();
        sim.connect(Arc::new(Client::new(server, Duration::from_secs(5), 2)));
        let alice = format!("http://127.0.0.1:{server_port}/users/alice");
        let follow = json!({
            "id": format!("{alice}#follows/7"),
            "type": "Follow",
            "actor": alice,
            "object": sim.actor_uri(3),
        });
        let body = follow.to_string().into_bytes();
        let uri: http::Uri = format!("http://{d1}/inbox").parse().unwrap();
        let mut h = http::HeaderMap::new();
        signatures::sign_request_with(
            &http::Method::POST,
            &uri,
            &mut h,
            Some(&body),
            &format!("{alice}#main-key"),
            &SigningKey::from_pem(&alice_keys.private_pem).unwrap(),
            SystemTime::now(),
        )
        .unwrap();
        let headers: Vec<(String, String)> = h
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let status = c
            .send(&Request {
                method: "POST",
                path: "/inbox",
                token: None,
                body: Some(("application/activity+json", body)),
                headers: &headers,
            })
            .await
            .unwrap()
            .status;
        assert_eq!(status, 202);
        let (headers, accept) = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accept["type"], "Accept");
        assert_eq!(accept["actor"], sim.actor_uri(3));
        assert_eq!(accept["object"], follow);
        let signature = headers.iter().find(|(k, _)| k == "signature").unwrap();
        assert!(signature
            .1
            .contains(&format!("keyId=\"{}#main-key\"", sim.actor_uri(3))));
        // The Accept is counted once the server has answered it.
        for _ in 0..100 {
            if sim.counts().accepts_sent > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let n = sim.counts();
        assert_eq!((n.key_fetches, n.webfinger, n.follows_received), (1, 1, 1));
        assert_eq!(
            (n.accepts_sent, n.accepts_failed, n.bad_signatures),
            (1, 0, 0)
        );
        assert_eq!(n.by_type.get("Follow"), Some(&1));
        assert_eq!(sim.deliveries().load(Ordering::Relaxed), 1);
        task.abort();
    }
}
