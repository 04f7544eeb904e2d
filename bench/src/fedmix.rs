//! Federation inside the `small-instance` / `soak` mix, with the simulated remote servers of
//! [`crate::sim`] on loopback:
//!
//! - seeding: simulated remote accounts follow local users (signed `Follow`s to their inboxes;
//!   the server fetches each actor and sends an `Accept` back), and local users follow
//!   simulated accounts (found through WebFinger by `GET /api/v2/search?resolve=true`, then
//!   `POST /api/v1/accounts/:id/follow`; the simulated server answers each `Follow` with a
//!   signed `Accept`), so local posts fan out to the simulated inboxes;
//! - workload: a share of the scheduled requests are signed `Create` (a public Note, some
//!   replying to local posts or mentioning local users), `Like` and `Announce` activities
//!   from simulated accounts to the server's shared inbox, measured like every other endpoint;
//!   the simulated inboxes verify and count what the server delivers meanwhile.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::burst::{server_actor, signed_follow, ServerActor};
use crate::content;
use crate::http::{with_query, Client, Request};
use crate::rng::Rng;
use crate::sim::{Sim, SimCounts};
use crate::stats::Stats;
use crate::world::{LocalPost, World};

pub const INBOX_CREATE: &str = "POST /inbox (signed Create Note from a simulated remote)";
pub const INBOX_LIKE: &str = "POST /inbox (signed Like from a simulated remote)";
pub const INBOX_ANNOUNCE: &str = "POST /inbox (signed Announce from a simulated remote)";

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub struct FedOptions {
    /// Local users each simulated account follows.
    pub remote_follows: usize,
    /// Simulated accounts each local user follows.
    pub local_follows: usize,
    /// Share of the workload's scheduled requests that are inbox deliveries (0 to 1).
    pub share: f64,
    pub concurrency: usize,
    /// Upper bound on the whole federation seeding.
    pub timeout: Duration,
    pub seed: u64,
}

/// One seeding step: requests sent, answered 2xx, failed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Step {
    pub sent: u64,
    pub ok: u64,
    pub failed: u64,
    pub first_error: Option<String>,
}

impl Step {
    fn record(&mut self, r: Result<(), String>) {
        self.sent += 1;
        match r {
            Ok(()) => self.ok += 1,
            Err(e) => {
                self.failed += 1;
                self.first_error
                    .get_or_insert_with(|| e.chars().take(300).collect());
            }
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SetupReport {
    /// Local users whose actor document (key, inboxes) the bench read.
    pub local_actors: usize,
    /// Signed Follows from simulated accounts to local users.
    pub remote_follows: Step,
    /// Accepts the server sent back for them (verified at the simulated inboxes).
    pub accepts_received: u64,
    /// Simulated accounts looked up through the server (WebFinger + actor fetch).
    pub resolves: Step,
    /// Local users following simulated accounts.
    pub local_follows: Step,
    /// Accepts the simulated servers sent for those follows (answered 2xx by the server).
    pub accepts_sent: u64,
    pub seconds: f64,
    pub timed_out: bool,
}

/// What the simulated remotes received from the server during the workload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outbound {
    /// Inbox requests, and those whose signature verified.
    pub requests: u64,
    pub verified: u64,
    pub per_second: f64,
    pub peak_per_second: u64,
    pub bad_signatures: u64,
    pub by_type: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FederationReport {
    pub remote_accounts: usize,
    pub remote_domains: usize,
    /// Share of the scheduled requests that were inbox deliveries, percent.
    pub inbound_share_percent: f64,
    pub setup: SetupReport,
    pub outbound: Outbound,
    /// Everything the simulated remotes saw over the whole run (seeding included).
    pub sim: SimCounts,
}

/// The state the workload's inbox deliveries need.
pub struct Federation {
    sim: Arc<Sim>,
    client: Arc<Client>,
    /// Per `World::users` entry: its actor on the server, when its document was read.
    actors: Vec<Option<ServerActor>>,
    share: f64,
    next: AtomicU64,
    /// Makes activity ids unique per run, so a server seeded before is not confused.
    nonce: u64,
    /// The simulated remotes' counts when the workload started.
    baseline: Mutex<SimCounts>,
}

async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => false,
        _ = stop.changed() => true,
    }
}

/// A wait for answers that gives up when none has come for this long.
const NO_PROGRESS: Duration = Duration::from_secs(30);

/// Waits until `count()` reaches `want`, the deadline passes, nothing changes for
/// [`NO_PROGRESS`], or Ctrl-C; false if it gave up.
async fn wait_for(
    count: impl Fn() -> u64,
    want: u64,
    deadline: Instant,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mut last = (count(), Instant::now());
    loop {
        let now = count();
        if now >= want {
            return true;
        }
        if now != last.0 {
            last = (now, Instant::now());
        }
        if Instant::now() > deadline || last.1.elapsed() > NO_PROGRESS || *stop.borrow() {
            eprintln!("  gave up waiting: {now} of {want}");
            return false;
        }
        if sleep_or_stop(Duration::from_millis(100), stop).await {
            return count() >= want;
        }
    }
}

/// Runs `f` over `items`, at most `concurrency` at a time, until `deadline`; one step tally.
async fn each<T, F, Fut>(items: Vec<T>, concurrency: usize, deadline: Instant, f: F) -> (Step, bool)
where
    T: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let mut step = Step::default();
    let mut set = JoinSet::new();
    let mut items = items.into_iter();
    let deadline = tokio::time::Instant::from_std(deadline);
    loop {
        while set.len() < concurrency.max(1) {
            let Some(item) = items.next() else { break };
            set.spawn(f(item));
        }
        match tokio::time::timeout_at(deadline, set.join_next()).await {
            Ok(Some(Ok(r))) => step.record(r),
            Ok(Some(Err(e))) => step.record(Err(e.to_string())),
            Ok(None) => return (step, false),
            Err(_) => {
                set.abort_all();
                return (step, true);
            }
        }
    }
}

/// Up to `k` distinct values below `n` that `allowed` lets through, drawn at random.
fn distinct(rng: &mut Rng, n: usize, k: usize, allowed: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut out = Vec::with_capacity(k);
    let mut attempts = 0;
    while out.len() < k && attempts < k * 50 + 50 {
        attempts += 1;
        let j = rng.below(n);
        if allowed(j) && !out.contains(&j) {
            out.push(j);
        }
    }
    out
}

pub async fn setup(
    client: Arc<Client>,
    sim: Arc<Sim>,
    world: &World,
    opts: &FedOptions,
    mut stop: watch::Receiver<bool>,
) -> Result<(Federation, SetupReport), String> {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let conc = opts.concurrency.max(1);
    let mut rep = SetupReport::default();
    let mut rng = Rng::new(opts.seed ^ 0x05ee_dfed);
    let remotes = sim.options().actors;

    // 1. Every local user's actor: its key (deliveries from it are verified with it) and its
    //    inboxes.
    let mut actors: Vec<Option<ServerActor>> = vec![None; world.users.len()];
    let mut first_error = None;
    let mut pending = world.users.iter().cloned().enumerate();
    let mut set = JoinSet::new();
    loop {
        while set.len() < conc {
            let Some((i, u)) = pending.next() else { break };
            let c = client.clone();
            set.spawn(async move { (i, server_actor(&c, &u).await) });
        }
        match set.join_next().await {
            Some(Ok((i, Ok(a)))) => actors[i] = Some(a),
            Some(Ok((_, Err(e)))) => {
                first_error.get_or_insert(e);
            }
            Some(Err(_)) => {}
            None => break,
        }
    }
    for a in actors.iter().flatten() {
        sim.set_server_key(a.key_id.clone(), &a.public_pem, a.inbox.clone())?;
    }
    rep.local_actors = actors.iter().flatten().count();
    if rep.local_actors == 0 {
        return Err(format!(
            "no local actor document could be read ({})",
            first_error.unwrap_or_default()
        ));
    }
    sim.connect(client.clone());

    // 2. Local users follow simulated accounts: each one looked up once through the server
    //    (WebFinger, then its actor document: done first, while the server knows none of
    //    them), then followed.
    let plan: Vec<Vec<usize>> = world
        .users
        .iter()
        .map(|_| distinct(&mut rng, remotes, opts.local_follows.min(remotes), |_| true))
        .collect();
    let mut wanted: Vec<usize> = plan.iter().flatten().copied().collect();
    wanted.sort_unstable();
    wanted.dedup();
    let resolved: Arc<Mutex<BTreeMap<usize, String>>> = Arc::default();
    let token = world
        .users
        .first()
        .map(|u| u.token.clone())
        .unwrap_or_default();
    let (c, s, res, tok) = (client.clone(), sim.clone(), resolved.clone(), token);
    eprintln!(
        "  local users look up {} simulated accounts and follow them …",
        wanted.len()
    );
    let (step, late) = each(wanted, conc, deadline, move |i| {
        let (c, s, res, tok) = (c.clone(), s.clone(), res.clone(), tok.clone());
        async move {
            let id = resolve(&c, &tok, &s.acct(i), &s.actor_uri(i)).await?;
            res.lock().unwrap_or_else(|p| p.into_inner()).insert(i, id);
            Ok(())
        }
    })
    .await;
    rep.resolves = step;
    rep.timed_out |= late;
    if rep.resolves.ok == 0 && rep.resolves.sent > 0 {
        return Err(format!(
            "the server found none of the simulated accounts ({})",
            rep.resolves.first_error.clone().unwrap_or_default()
        ));
    }
    let resolved = std::mem::take(&mut *resolved.lock().unwrap_or_else(|p| p.into_inner()));
    let pairs: Vec<(String, String)> = plan
        .iter()
        .enumerate()
        .flat_map(|(u, rs)| {
            let resolved = &resolved;
            rs.iter()
                .filter_map(move |i| Some((world.users[u].token.clone(), resolved.get(i)?.clone())))
        })
        .collect();
    let accepts_sent_before = sim.counts().accepts_sent;
    let c = client.clone();
    let (step, late) = each(pairs, conc, deadline, move |(token, id)| {
        let c = c.clone();
        async move {
            let path = format!("/api/v1/accounts/{id}/follow");
            let r = c
                .form("POST", &path, Some(&token), &[])
                .await
                .map_err(|e| e.to_string())?;
            if r.ok() {
                Ok(())
            } else {
                Err(format!("{path}: {} {}", r.status, r.body_snippet()))
            }
        }
    })
    .await;
    rep.local_follows = step;
    rep.timed_out |= late;
    let want = rep.local_follows.ok;
    rep.timed_out |= !wait_for(
        || {
            sim.counts()
                .accepts_sent
                .saturating_sub(accepts_sent_before)
        },
        want,
        deadline,
        &mut stop,
    )
    .await;
    rep.accepts_sent = sim
        .counts()
        .accepts_sent
        .saturating_sub(accepts_sent_before);
    // 3. Simulated accounts follow local users (unlocked ones: a locked account's follows
    //    stay requests, and nothing would be delivered to them).
    let base = client.origin().base.clone();
    let mut follows = Vec::new();
    for i in 0..remotes {
        let targets = distinct(&mut rng, world.users.len(), opts.remote_follows, |j| {
            !world.users[j].locked && actors[j].is_some()
        });
        for (n, j) in targets.into_iter().enumerate() {
            if let Some(a) = &actors[j] {
                follows.push((i, a.id.clone(), a.inbox.clone(), n));
            }
        }
    }
    let accepts_before = sim.counts().accepts;
    eprintln!(
        "  {} simulated accounts send {} signed Follows to local users …",
        remotes,
        follows.len()
    );
    let (c, s, b) = (client.clone(), sim.clone(), base.clone());
    let (step, late) = each(follows, conc, deadline, move |(i, target, inbox, n)| {
        let (c, s, b) = (c.clone(), s.clone(), b.clone());
        async move {
            let path = c
                .origin()
                .path_of(&inbox)
                .ok_or_else(|| format!("bad inbox {inbox}"))?;
            let (body, headers) = signed_follow(&s, &b, &path, i, &target, n)?;
            let r = c
                .send(&Request {
                    method: "POST",
                    path: &path,
                    token: None,
                    body: Some(("application/activity+json", body)),
                    headers: &headers,
                })
                .await
                .map_err(|e| e.to_string())?;
            if r.ok() {
                Ok(())
            } else {
                Err(format!("{} {}", r.status, r.body_snippet()))
            }
        }
    })
    .await;
    rep.remote_follows = step;
    rep.timed_out |= late;
    if rep.remote_follows.ok == 0 && rep.remote_follows.sent > 0 {
        return Err(format!(
            "the server took none of the simulated accounts' Follows ({})",
            rep.remote_follows.first_error.clone().unwrap_or_default()
        ));
    }
    let want = rep.remote_follows.ok;
    rep.timed_out |= !wait_for(
        || sim.counts().accepts.saturating_sub(accepts_before),
        want,
        deadline,
        &mut stop,
    )
    .await;
    rep.accepts_received = sim.counts().accepts.saturating_sub(accepts_before);

    rep.seconds = started.elapsed().as_secs_f64();

    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok((
        Federation {
            sim,
            client,
            actors,
            share: opts.share.clamp(0.0, 1.0),
            next: AtomicU64::new(0),
            nonce,
            baseline: Mutex::default(),
        },
        rep,
    ))
}

/// The server's id for a simulated account: by `acct` through WebFinger, else by actor URL.
async fn resolve(client: &Client, token: &str, acct: &str, url: &str) -> Result<String, String> {
    let mut last = String::new();
    for q in [format!("@{acct}"), url.to_string()] {
        let path = with_query(
            "/api/v2/search",
            &[
                ("q", q.as_str()),
                ("resolve", "true"),
                ("type", "accounts"),
                ("limit", "1"),
            ],
        );
        match client.get(&path, Some(token)).await {
            Ok(r) if r.ok() => {
                if let Some(id) = r
                    .json()
                    .and_then(|v| v["accounts"][0]["id"].as_str().map(str::to_string))
                {
                    return Ok(id);
                }
                last = format!("search {q}: no account");
            }
            Ok(r) => last = format!("search {q}: {} {}", r.status, r.body_snippet()),
            Err(e) => last = format!("search {q}: {e}"),
        }
    }
    Err(last)
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `host[:port]` of an `http(s)://` URL.
fn authority(url: &str) -> &str {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}

/// Which activity a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inbound {
    Create,
    Like,
    Announce,
}

impl Inbound {
    pub fn endpoint(self) -> &'static str {
        match self {
            Inbound::Create => INBOX_CREATE,
            Inbound::Like => INBOX_LIKE,
            Inbound::Announce => INBOX_ANNOUNCE,
        }
    }
}

/// Create 50 %, Like 30 %, Announce 20 %; only Creates while no local post is known.
pub fn pick_kind(rng: &mut Rng, have_posts: bool) -> Inbound {
    match rng.below(100) {
        _ if !have_posts => Inbound::Create,
        0..50 => Inbound::Create,
        50..80 => Inbound::Like,
        _ => Inbound::Announce,
    }
}

/// A local actor to mention: its id and `@user@host`.
pub struct Mention {
    pub href: String,
    pub name: String,
}

/// The activity simulated `actor` sends: a public Note (replying to `post` if given,
/// mentioning `mention`), or a Like / Announce of `post`.
pub fn activity(
    kind: Inbound,
    actor: &str,
    n: &str,
    post: Option<&LocalPost>,
    post_author: Option<&str>,
    mention: Option<&Mention>,
    rng: &mut Rng,
) -> Value {
    let now = now_rfc3339();
    let followers = format!("{actor}/followers");
    match (kind, post) {
        (Inbound::Like, Some(p)) => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}#likes/{n}"),
            "type": "Like",
            "actor": actor,
            "object": p.uri,
        }),
        (Inbound::Announce, Some(p)) => {
            let mut cc = vec![followers];
            cc.extend(post_author.map(str::to_string));
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{actor}/statuses/{n}/activity"),
                "type": "Announce",
                "actor": actor,
                "published": now,
                "to": [PUBLIC],
                "cc": cc,
                "object": p.uri,
            })
        }
        _ => {
            let id = format!("{actor}/statuses/{n}");
            let mut html = String::from("<p>");
            let mut tags = Vec::new();
            let mut cc = vec![followers];
            if let Some(m) = mention {
                let user = m.name.trim_start_matches('@');
                let user = user.split('@').next().unwrap_or(user);
                let _ = write!(
                    html,
                    "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{user}</span></a></span> ",
                    m.href
                );
                tags.push(json!({ "type": "Mention", "href": m.href, "name": m.name }));
                cc.push(m.href.clone());
            }
            let words = 8 + rng.below(25);
            html.push_str(&content::sentence(rng, words));
            let hashtags = if rng.chance(0.6) { 1 + rng.below(2) } else { 0 };
            let host = format!("http://{}", authority(actor));
            for _ in 0..hashtags {
                let tag = rng.pick(content::TAGS).copied().unwrap_or("bonsai");
                let _ = write!(
                    html,
                    " <a href=\"{host}/tags/{tag}\" class=\"mention hashtag\" rel=\"tag\">#<span>{tag}</span></a>"
                );
                tags.push(json!({ "type": "Hashtag", "href": format!("{host}/tags/{tag}"), "name": format!("#{tag}") }));
            }
            html.push_str("</p>");
            let note = json!({
                "id": id,
                "type": "Note",
                "attributedTo": actor,
                "inReplyTo": post.map(|p| p.uri.clone()),
                "published": now,
                "url": id,
                "to": [PUBLIC],
                "cc": cc,
                "sensitive": false,
                "content": html,
                "tag": tags,
            });
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{id}/activity"),
                "type": "Create",
                "actor": actor,
                "published": now,
                "to": [PUBLIC],
                "cc": cc,
                "object": note,
            })
        }
    }
}

impl Federation {
    pub fn share(&self) -> f64 {
        self.share
    }

    /// Remembers the simulated remotes' counts: the outbound report covers what follows.
    pub fn start_workload(&self) {
        *self.baseline.lock().unwrap_or_else(|p| p.into_inner()) = self.sim.counts();
    }

    fn mention(&self, user: usize, world: &World) -> Option<Mention> {
        let a = self.actors.get(user)?.as_ref()?;
        let u = world.users.get(user)?;
        Some(Mention {
            href: a.id.clone(),
            name: format!("@{}@{}", u.username, authority(&a.id)),
        })
    }

    /// One signed delivery to the server's shared inbox (a local user's own inbox if it has
    /// none). Latency counts from the due time, less the bench's own signing time.
    pub async fn deliver(
        &self,
        world: &World,
        stats: &Stats,
        due: tokio::time::Instant,
        mut rng: Rng,
    ) {
        let remotes = self.sim.options().actors;
        let i = rng.below(remotes);
        let actor = self.sim.actor_uri(i);
        let n = format!(
            "{}{}",
            self.nonce,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let post = world.local_posts.pick(rng.below(usize::MAX));
        let kind = pick_kind(&mut rng, post.is_some());
        let (post, mention) = match kind {
            Inbound::Create => {
                let reply = post.filter(|_| rng.chance(0.3));
                let mentioned = match &reply {
                    Some(p) => Some(p.author),
                    None if rng.chance(0.2) => Some(rng.below(world.users.len())),
                    None => None,
                };
                (reply, mentioned.and_then(|m| self.mention(m, world)))
            }
            _ => (post, None),
        };
        let author = post
            .as_ref()
            .and_then(|p| self.actors.get(p.author)?.as_ref())
            .map(|a| a.id.clone());
        let body = activity(
            kind,
            &actor,
            &n,
            post.as_ref(),
            author.as_deref(),
            mention.as_ref(),
            &mut rng,
        )
        .to_string()
        .into_bytes();
        // The receiving inbox: the addressee's, or anyone's (a shared inbox is the same).
        let target = post
            .as_ref()
            .map(|p| p.author)
            .unwrap_or_else(|| rng.below(self.actors.len()));
        let Some(inbox) = self
            .actors
            .get(target)
            .and_then(Option::as_ref)
            .or_else(|| self.actors.iter().flatten().next())
            .map(|a| a.shared_inbox.clone().unwrap_or_else(|| a.inbox.clone()))
        else {
            return;
        };
        let ep = kind.endpoint();
        let Some(path) = self.client.origin().path_of(&inbox) else {
            stats.note_error(ep, &format!("bad inbox {inbox}"));
            return;
        };
        let signing = Instant::now();
        let url = format!("{}{path}", self.client.origin().base);
        let headers = match self.sim.sign_post(i, &url, &body) {
            Ok(h) => h,
            Err(e) => {
                stats.note_error(ep, &format!("signing: {e}"));
                return;
            }
        };
        let since = due + signing.elapsed();
        let res = self
            .client
            .send(&Request {
                method: "POST",
                path: &path,
                token: None,
                body: Some(("application/activity+json", body)),
                headers: &headers,
            })
            .await;
        crate::workload::record(stats, ep, since, &res);
    }

    /// What the simulated remotes received since `start_workload`, over `seconds`; the
    /// busiest second comes from the sampler.
    pub fn report(&self, setup: SetupReport, seconds: f64, peak: u64) -> FederationReport {
        let now = self.sim.counts();
        let before = self
            .baseline
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let so = self.sim.options();
        let by_type: BTreeMap<String, u64> = now
            .by_type
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.saturating_sub(before.by_type.get(k).copied().unwrap_or(0)),
                )
            })
            .filter(|(_, v)| *v > 0)
            .collect();
        let verified: u64 = by_type.values().sum();
        FederationReport {
            remote_accounts: so.actors,
            remote_domains: so.domains,
            inbound_share_percent: self.share * 100.0,
            setup,
            outbound: Outbound {
                requests: now.inbox_requests.saturating_sub(before.inbox_requests),
                verified,
                per_second: verified as f64 / seconds.max(1e-9),
                peak_per_second: peak,
                bad_signatures: now.bad_signatures.saturating_sub(before.bad_signatures),
                by_type,
            },
            sim: now,
        }
    }
}

pub fn markdown(md: &mut String, f: &FederationReport) {
    let s = &f.setup;
    let step = |st: &Step| {
        format!(
            "{} sent, {} ok, {} failed{}",
            st.sent,
            st.ok,
            st.failed,
            st.first_error
                .as_ref()
                .map(|e| format!(" (first error: {})", e.replace('\n', " ")))
                .unwrap_or_default()
        )
    };
    let _ = writeln!(
        md,
        "\n## Federation\n\n- {} simulated accounts on {} simulated servers (shared inboxes); {:.0} % of the scheduled requests are signed deliveries to the server's inbox\n- seeding ({:.1} s{}): {} local actor documents read; remote accounts follow local users: {}, {} Accepts back; lookups of simulated accounts: {}; local users follow them: {}, {} Accepts sent back",
        f.remote_accounts,
        f.remote_domains,
        f.inbound_share_percent,
        s.seconds,
        if s.timed_out { ", TIMED OUT" } else { "" },
        s.local_actors,
        step(&s.remote_follows),
        s.accepts_received,
        step(&s.resolves),
        step(&s.local_follows),
        s.accepts_sent,
    );
    let o = &f.outbound;
    let types: Vec<String> = o.by_type.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(
        md,
        "- outbound, during the workload: {} deliveries to the simulated inboxes ({} verified, {:.1}/s, busiest second {}), {} bad signatures; by type: {}",
        o.requests,
        o.verified,
        o.per_second,
        o.peak_per_second,
        o.bad_signatures,
        if types.is_empty() { "none".to_string() } else { types.join(", ") },
    );
    let _ = writeln!(
        md,
        "- simulated remotes over the whole run: {} actor fetches, {} WebFinger look-ups, {} key fetches from the server, {} not found{}",
        f.sim.actor_fetches,
        f.sim.webfinger,
        f.sim.key_fetches,
        f.sim.not_found,
        f.sim
            .first_error
            .as_ref()
            .map(|e| format!("; first error: {e}"))
            .unwrap_or_default()
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn activities_are_shaped_like_mastodons() {
        let mut rng = Rng::new(5);
        let actor = "http://d3.sim:9000/users/u3";
        let post = LocalPost {
            uri: "http://127.0.0.1:8080/users/alice/statuses/1".into(),
            author: 0,
        };
        let alice = "http://127.0.0.1:8080/users/alice";
        let m = Mention {
            href: alice.into(),
            name: "@alice@127.0.0.1:8080".into(),
        };
        let create = activity(
            Inbound::Create,
            actor,
            "17",
            Some(&post),
            Some(alice),
            Some(&m),
            &mut rng,
        );
        assert_eq!(create["type"], "Create");
        assert_eq!(create["actor"], actor);
        let note = &create["object"];
        assert_eq!(note["id"], format!("{actor}/statuses/17"));
        assert_eq!(note["attributedTo"], actor);
        assert_eq!(note["inReplyTo"], post.uri);
        assert_eq!(note["to"][0], PUBLIC);
        assert!(note["cc"].as_array().unwrap().contains(&json!(alice)));
        assert_eq!(note["tag"][0]["type"], "Mention");
        assert_eq!(note["tag"][0]["href"], alice);
        assert!(note["content"]
            .as_str()
            .unwrap()
            .contains("@<span>alice</span>"));
        assert!(create["published"].as_str().unwrap().ends_with('Z'));

        let like = activity(
            Inbound::Like,
            actor,
            "18",
            Some(&post),
            None,
            None,
            &mut rng,
        );
        assert_eq!(
            (like["type"].as_str(), like["object"].as_str()),
            (Some("Like"), Some(post.uri.as_str()))
        );
        let boost = activity(
            Inbound::Announce,
            actor,
            "19",
            Some(&post),
            Some(alice),
            None,
            &mut rng,
        );
        assert_eq!(boost["type"], "Announce");
        assert_eq!(boost["id"], format!("{actor}/statuses/19/activity"));
        assert!(boost["cc"].as_array().unwrap().contains(&json!(alice)));
        // Without a post a Like falls back to a plain Note.
        let note = activity(Inbound::Like, actor, "20", None, None, None, &mut rng);
        assert_eq!(note["type"], "Create");
        assert!(note["object"]["inReplyTo"].is_null());
    }

    #[test]
    fn kinds_follow_the_shares() {
        let mut rng = Rng::new(9);
        let mut n = [0u32; 3];
        for _ in 0..10_000 {
            n[pick_kind(&mut rng, true) as usize] += 1;
        }
        assert!((4700..5300).contains(&n[0]), "{n:?}");
        assert!((2700..3300).contains(&n[1]), "{n:?}");
        assert!((1700..2300).contains(&n[2]), "{n:?}");
        assert!((0..100).all(|_| pick_kind(&mut rng, false) == Inbound::Create));
        assert_eq!(authority("http://127.0.0.1:8080/users/a"), "127.0.0.1:8080");
    }

    #[test]
    fn distinct_picks_respect_the_filter() {
        let mut rng = Rng::new(1);
        let v = distinct(&mut rng, 10, 5, |j| j % 2 == 0);
        assert_eq!(v.len(), 5);
        assert!(v.iter().all(|j| j % 2 == 0));
        // Asking for more than exists ends.
        assert_eq!(distinct(&mut rng, 3, 10, |_| true).len(), 3);
    }
}
