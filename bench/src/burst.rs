//! The `burst` scenario: one local account gains N followers on simulated remote servers
//! (signed `Follow`s to its inbox; the server fetches each actor and sends an `Accept` back),
//! then posts one public status, and the fan-out is measured where it lands: how long the post
//! took (its deliveries are queued in the posting transaction), when each simulated inbox got
//! the `Create` (signature checked), and the server's RSS and CPU meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::http::{Client, Request};
use crate::sampler::Sampler;
use crate::sim::{Sim, SimCounts};
use crate::stats::{Outcome, Stats};
use crate::world::User;

pub const FOLLOW: &str = "POST /users/:name/inbox (signed Follow)";
pub const POST: &str = "POST /api/v1/statuses (fan-out)";

pub struct BurstOptions {
    pub follow_concurrency: usize,
    pub follow_timeout: Duration,
    pub drain_timeout: Duration,
    /// Quiet time before the post (RSS baseline) and after the drain (RSS settles).
    pub settle: Duration,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowPhase {
    pub sent: u64,
    pub answered_2xx: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    /// Until the last Follow was answered.
    pub send_seconds: f64,
    /// Until the last Accept arrived at a simulated inbox.
    pub accepted_seconds: f64,
    pub followers_count: Option<u64>,
    pub timed_out: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BurstReport {
    pub remote_followers: usize,
    pub remote_domains: usize,
    pub shared_inbox: bool,
    pub remote_delay_ms: f64,
    pub remote_rate_limit: Option<f64>,
    /// Distinct inboxes the post must reach.
    pub expected_deliveries: usize,
    pub follows: FollowPhase,
    pub post_status: Option<u16>,
    /// Latency of `POST /api/v1/statuses`: its delivery jobs are enqueued in the posting
    /// transaction, so all of them are queued when it answers.
    pub post_ms: Option<f64>,
    pub status_uri: Option<String>,
    pub delivered: u64,
    pub duplicate_deliveries: u64,
    pub first_delivery_s: Option<f64>,
    pub p50_delivered_s: Option<f64>,
    pub p90_delivered_s: Option<f64>,
    pub p99_delivered_s: Option<f64>,
    /// From the post to the last first-time delivery.
    pub drain_s: Option<f64>,
    /// Deliveries per second between the first and the last.
    pub mean_rate_per_s: Option<f64>,
    pub peak_rate_per_s: Option<u64>,
    pub drain_timed_out: bool,
    pub rss_before_post_mib: Option<f64>,
    pub peak_rss_fanout_mib: Option<f64>,
    pub rss_after_drain_mib: Option<f64>,
    pub anon_before_post_mib: Option<f64>,
    pub anon_after_drain_mib: Option<f64>,
    pub cpu_s_fanout: Option<f64>,
    pub cpu_ms_per_delivery: Option<f64>,
    pub sim: SimCounts,
}

fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let idx = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted.get(idx).copied()
}

async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => false,
        _ = stop.changed() => true,
    }
}

/// The server's actor document for `user`.
pub async fn server_actor(client: &Client, user: &User) -> Result<ServerActor, String> {
    let accept = [(
        "accept".to_string(),
        "application/activity+json".to_string(),
    )];
    let path = format!("/users/{}", user.username);
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
    let doc: Value = res
        .json()
        .filter(|_| res.ok())
        .ok_or_else(|| format!("GET {path}: {} {}", res.status, res.body_snippet()))?;
    ServerActor::from_document(&doc)
        .ok_or_else(|| format!("GET {path}: not an actor with a key and an inbox"))
}

/// An actor of the server under test, from its ActivityPub document.
#[derive(Debug, Clone)]
pub struct ServerActor {
    pub id: String,
    pub key_id: String,
    pub public_pem: String,
    pub inbox: String,
    /// `endpoints.sharedInbox`, if it has one.
    pub shared_inbox: Option<String>,
}

impl ServerActor {
    pub fn from_document(doc: &Value) -> Option<ServerActor> {
        let field = |v: &Value| v.as_str().map(str::to_string);
        Some(ServerActor {
            id: field(&doc["id"])?,
            key_id: field(&doc["publicKey"]["id"])?,
            public_pem: field(&doc["publicKey"]["publicKeyPem"])?,
            inbox: field(&doc["inbox"])?,
            shared_inbox: field(&doc["endpoints"]["sharedInbox"]),
        })
    }
}

/// A request body and the headers that sign it.
type SignedBody = (Vec<u8>, Vec<(String, String)>);

/// A Follow (id number `n`) from simulated actor `i` to `target`, signed for `POST
/// inbox_path` on the server at `base`.
pub fn signed_follow(
    sim: &Sim,
    base: &str,
    inbox_path: &str,
    i: usize,
    target: &str,
    n: usize,
) -> Result<SignedBody, String> {
    let actor = sim.actor_uri(i);
    let body = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}#follows/{n}"),
        "type": "Follow",
        "actor": actor,
        "object": target,
    })
    .to_string()
    .into_bytes();
    let headers = sim.sign_post(i, &format!("{base}{inbox_path}"), &body)?;
    Ok((body, headers))
}

async fn send_follows(
    client: &Arc<Client>,
    sim: &Arc<Sim>,
    stats: &Stats,
    user: &User,
    target: &str,
    opts: &BurstOptions,
    stop: &mut watch::Receiver<bool>,
) -> FollowPhase {
    let n = sim.options().actors;
    let started = Instant::now();
    let deadline = started + opts.follow_timeout;
    let inbox_path = Arc::new(format!("/users/{}/inbox", user.username));
    let target = Arc::new(target.to_string());
    let base = Arc::new(client.origin().base.clone());
    let mut phase = FollowPhase::default();
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0;
    loop {
        while set.len() < opts.follow_concurrency.max(1) && next < n && !*stop.borrow() {
            let (c, s, st) = (client.clone(), sim.clone(), stats.clone());
            let (p, t, b) = (inbox_path.clone(), target.clone(), base.clone());
            let i = next;
            next += 1;
            set.spawn(async move {
                let (body, headers) = match signed_follow(&s, &b, &p, i, &t, 1) {
                    Ok(x) => x,
                    Err(e) => return Err(format!("signing: {e}")),
                };
                let t0 = Instant::now();
                let res = c
                    .send(&Request {
                        method: "POST",
                        path: &p,
                        token: None,
                        body: Some(("application/activity+json", body)),
                        headers: &headers,
                    })
                    .await;
                match res {
                    Ok(r) => {
                        st.record(FOLLOW, t0.elapsed(), Outcome::Status(r.status));
                        if r.ok() {
                            Ok(())
                        } else {
                            Err(format!("{} {}", r.status, r.body_snippet()))
                        }
                    }
                    Err(e) => {
                        let detail = e.to_string();
                        st.record(FOLLOW, t0.elapsed(), Outcome::Failed(e.label(), &detail));
                        Err(detail)
                    }
                }
            });
            phase.sent += 1;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, set.join_next()).await {
            Ok(Some(Ok(Ok(())))) => phase.answered_2xx += 1,
            Ok(Some(Ok(Err(e)))) => {
                phase.failed += 1;
                phase.first_error.get_or_insert(e);
            }
            Ok(Some(Err(_))) => phase.failed += 1,
            Ok(None) => break,
            Err(_) => {
                set.abort_all();
                phase.timed_out = true;
                break;
            }
        }
    }
    phase.send_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "  {} Follows answered 2xx, {} failed in {:.1} s; waiting for the Accepts …",
        phase.answered_2xx, phase.failed, phase.send_seconds
    );
    // Every Follow that was taken must come back as an Accept.
    let mut last_report = Instant::now();
    loop {
        let got = sim.counts().accepts_distinct;
        if got >= phase.answered_2xx {
            break;
        }
        if Instant::now() > deadline {
            phase.timed_out = true;
            break;
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!("  {got} Accepts so far");
            last_report = Instant::now();
        }
        if sleep_or_stop(Duration::from_millis(100), stop).await {
            break;
        }
    }
    phase.accepted_seconds = started.elapsed().as_secs_f64();
    phase
}

pub struct BurstCtx<'a> {
    pub client: Arc<Client>,
    pub sim: Arc<Sim>,
    pub sampler: &'a Sampler,
    pub stats: &'a Stats,
    pub user: User,
    pub opts: BurstOptions,
    pub stop: watch::Receiver<bool>,
}

pub async fn run(mut cx: BurstCtx<'_>) -> Result<BurstReport, String> {
    let so = cx.sim.options().clone();
    let mut rep = BurstReport {
        remote_followers: so.actors,
        remote_domains: so.domains,
        shared_inbox: so.shared_inbox,
        remote_delay_ms: so.delay.as_secs_f64() * 1000.0,
        remote_rate_limit: so.rate,
        expected_deliveries: cx.sim.inboxes(),
        ..BurstReport::default()
    };
    let me = server_actor(&cx.client, &cx.user).await?;
    cx.sim
        .set_server_key(me.key_id.clone(), &me.public_pem, me.inbox.clone())?;
    let actor_id = me.id;

    cx.sampler.phase("follows");
    eprintln!(
        "{} simulated followers on {} domains send signed Follows ({} at a time) …",
        so.actors, so.domains, cx.opts.follow_concurrency
    );
    rep.follows = send_follows(
        &cx.client,
        &cx.sim,
        cx.stats,
        &cx.user,
        &actor_id,
        &cx.opts,
        &mut cx.stop,
    )
    .await;
    let path = format!("/api/v1/accounts/{}", cx.user.id);
    if let Ok(r) = cx.client.get(&path, Some(&cx.user.token)).await {
        rep.follows.followers_count = r.json().and_then(|v| v["followers_count"].as_u64());
    }
    eprintln!(
        "  followers: {} (Accepts at the simulated inboxes: {}) after {:.1} s",
        rep.follows
            .followers_count
            .map_or_else(|| "?".to_string(), |n| n.to_string()),
        cx.sim.counts().accepts_distinct,
        rep.follows.accepted_seconds
    );
    if *cx.stop.borrow() {
        rep.sim = cx.sim.counts();
        return Ok(rep);
    }

    cx.sampler.phase("settle");
    sleep_or_stop(cx.opts.settle, &mut cx.stop).await;
    let before = cx.sampler.read();
    rep.rss_before_post_mib = before.map(|p| crate::report::mib(p.rss_kib));
    rep.anon_before_post_mib = before.map(|p| crate::report::mib(p.anon_kib));

    cx.sampler.phase("post");
    let t_post = cx.sampler.elapsed_s();
    eprintln!(
        "posting one public status to {} inboxes …",
        rep.expected_deliveries
    );
    cx.sim.mark();
    let t0 = Instant::now();
    let res = cx
        .client
        .form(
            "POST",
            "/api/v1/statuses",
            Some(&cx.user.token),
            &[
                (
                    "status",
                    "The proof of small: one post, every follower's inbox. #bench",
                ),
                ("visibility", "public"),
            ],
        )
        .await;
    let post_latency = t0.elapsed();
    match &res {
        Ok(r) => {
            cx.stats
                .record(POST, post_latency, Outcome::Status(r.status));
            rep.post_status = Some(r.status);
            rep.post_ms = Some(post_latency.as_secs_f64() * 1000.0);
            if r.ok() {
                rep.status_uri = r.json().and_then(|v| v["uri"].as_str().map(str::to_string));
            } else {
                cx.stats.note_error(POST, &r.body_snippet());
            }
        }
        Err(e) => {
            let detail = e.to_string();
            cx.stats
                .record(POST, post_latency, Outcome::Failed(e.label(), &detail));
        }
    }
    let posted = res.as_ref().is_ok_and(|r| r.ok());
    eprintln!(
        "  answered {} after {:.1} ms",
        rep.post_status
            .map_or_else(|| "nothing".to_string(), |s| s.to_string()),
        post_latency.as_secs_f64() * 1000.0
    );
    if posted {
        cx.sampler.phase("drain");
        let expected = rep.expected_deliveries as u64;
        let mut last_report = Instant::now();
        loop {
            let got = cx.sim.counts().creates_distinct;
            if got >= expected {
                break;
            }
            if t0.elapsed() > cx.opts.drain_timeout {
                rep.drain_timed_out = true;
                break;
            }
            if last_report.elapsed() > Duration::from_secs(5) {
                eprintln!("  {got} of {expected} inboxes reached");
                last_report = Instant::now();
            }
            if sleep_or_stop(Duration::from_millis(20), &mut cx.stop).await {
                break;
            }
        }
    }
    let drained = cx.sampler.read();
    let t_drained = cx.sampler.elapsed_s();
    rep.cpu_s_fanout = match (before, drained) {
        (Some(b), Some(a)) => Some(a.cpu_s - b.cpu_s),
        _ => None,
    };
    cx.sampler.phase("after");
    sleep_or_stop(cx.opts.settle, &mut cx.stop).await;
    let after = cx.sampler.read();
    rep.rss_after_drain_mib = after.map(|p| crate::report::mib(p.rss_kib));
    rep.anon_after_drain_mib = after.map(|p| crate::report::mib(p.anon_kib));
    rep.peak_rss_fanout_mib = cx
        .sampler
        .samples()
        .iter()
        .filter(|s| s.t_s >= t_post && s.t_s <= t_drained + 1.0)
        .filter_map(|s| s.rss_kib)
        .chain(drained.map(|p| p.rss_kib))
        .max()
        .map(crate::report::mib);

    let mut times = cx.sim.create_times();
    times.sort_by(f64::total_cmp);
    rep.sim = cx.sim.counts();
    rep.delivered = times.len() as u64;
    rep.duplicate_deliveries = rep.sim.creates.saturating_sub(rep.sim.creates_distinct);
    rep.first_delivery_s = times.first().copied();
    rep.p50_delivered_s = quantile(&times, 0.50);
    rep.p90_delivered_s = quantile(&times, 0.90);
    rep.p99_delivered_s = quantile(&times, 0.99);
    rep.drain_s = times.last().copied();
    if let (Some(a), Some(b)) = (times.first(), times.last()) {
        if b > a && times.len() > 1 {
            rep.mean_rate_per_s = Some((times.len() - 1) as f64 / (b - a));
        }
    }
    let mut per_second = std::collections::BTreeMap::<u64, u64>::new();
    for t in &times {
        *per_second.entry(*t as u64).or_default() += 1;
    }
    rep.peak_rate_per_s = per_second.values().max().copied();
    if let (Some(cpu), true) = (rep.cpu_s_fanout, rep.delivered > 0) {
        rep.cpu_ms_per_delivery = Some(cpu * 1000.0 / rep.delivered as f64);
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_of_arrivals() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), Some(50.0));
        assert_eq!(quantile(&v, 0.99), Some(99.0));
        assert_eq!(quantile(&v, 1.0), Some(100.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
