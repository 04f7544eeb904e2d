//! The mixed workload, scheduled open-loop: request n is due at `start + n / rate` whatever
//! happened to earlier ones, and its latency is measured from that due time. A slow server
//! therefore shows up as latency instead of silently lowering the offered load (coordinated
//! omission). At most `concurrency` requests are in flight; when all slots are busy the due
//! requests wait for one, and that wait counts too.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::content;
use crate::fedmix::{Federation, INBOX_CREATE};
use crate::http::{with_query, Client, HttpError, Response};
use crate::rng::Rng;
use crate::stats::{Outcome, Stats, HOME};
use crate::world::{interactable_ids, LocalPost, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Home,
    PublicLocal,
    Public,
    Tag,
    AccountStatuses,
    Profile,
    Relationships,
    Search,
    Notifications,
    Post,
    Favourite,
    Unfavourite,
    Reblog,
    Unreblog,
}

/// Share of each operation in the mix, in percent. Reads dominate, as on a real instance.
pub const MIX: &[(Op, u32)] = &[
    (Op::Home, 30),
    (Op::PublicLocal, 7),
    (Op::Public, 4),
    (Op::Tag, 6),
    (Op::AccountStatuses, 8),
    (Op::Profile, 7),
    (Op::Relationships, 6),
    (Op::Search, 4),
    (Op::Notifications, 5),
    (Op::Post, 8),
    (Op::Favourite, 6),
    (Op::Unfavourite, 3),
    (Op::Reblog, 3),
    (Op::Unreblog, 3),
];

pub const HOME_NEXT: &str = "GET /api/v1/timelines/home (next page)";

impl Op {
    pub fn endpoint(self) -> &'static str {
        match self {
            Op::Home => HOME,
            Op::PublicLocal => "GET /api/v1/timelines/public?local=true",
            Op::Public => "GET /api/v1/timelines/public",
            Op::Tag => "GET /api/v1/timelines/tag/:hashtag",
            Op::AccountStatuses => "GET /api/v1/accounts/:id/statuses",
            Op::Profile => "GET /api/v1/accounts/:id",
            Op::Relationships => "GET /api/v1/accounts/relationships",
            Op::Search => "GET /api/v2/search",
            Op::Notifications => "GET /api/v1/notifications",
            Op::Post => "POST /api/v1/statuses",
            Op::Favourite => "POST /api/v1/statuses/:id/favourite",
            Op::Unfavourite => "POST /api/v1/statuses/:id/unfavourite",
            Op::Reblog => "POST /api/v1/statuses/:id/reblog",
            Op::Unreblog => "POST /api/v1/statuses/:id/unreblog",
        }
    }
}

pub struct WorkloadOptions {
    pub rate: f64,
    pub duration: Duration,
    pub concurrency: usize,
    pub seed: u64,
    /// Chance that a home timeline read is followed by the next page (via `Link`).
    pub next_page: f64,
    /// Operations the server cannot answer yet; their share goes to the rest.
    pub disabled: Vec<Op>,
    /// Signed inbox deliveries from simulated remotes, at their share of the schedule.
    pub federation: Option<Arc<Federation>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkloadReport {
    pub target_rate: f64,
    pub seconds: f64,
    /// Requests due within the run (rate × duration).
    pub due: u64,
    pub started: u64,
    /// Due but never sent: the run ended (deadline or Ctrl-C) while they waited for a slot.
    pub not_started: u64,
    /// Follow-up requests (next pages) on top of the scheduled ones.
    pub follow_ups: u64,
    /// Scheduled requests that were signed inbox deliveries from simulated remotes.
    pub inbox_deliveries: u64,
    /// How late the scheduler started requests; large values mean the concurrency limit (or
    /// the bench itself) was the bottleneck, and the lateness is included in latencies.
    pub max_start_lag_ms: f64,
    pub starts_late_over_10ms: u64,
    pub max_in_flight: usize,
    pub mix_percent: Vec<(String, u32)>,
    pub interrupted: bool,
}

struct Ctx {
    client: Arc<Client>,
    world: Arc<World>,
    stats: Stats,
    usernames: Vec<String>,
    next_page: f64,
}

pub(crate) fn record(
    stats: &Stats,
    endpoint: &'static str,
    since: Instant,
    res: &Result<Response, HttpError>,
) {
    let latency = since.elapsed();
    match res {
        Ok(r) => {
            stats.record(endpoint, latency, Outcome::Status(r.status));
            if !r.ok() {
                stats.note_error(
                    endpoint,
                    &format!("HTTP {}: {}", r.status, r.body_snippet()),
                );
            }
        }
        Err(e) => stats.record(
            endpoint,
            latency,
            Outcome::Failed(e.label(), &e.to_string()),
        ),
    }
}

/// Adds a few statuses seen in a timeline to the pool (not every time: parsing costs the
/// bench CPU it shares with the server).
fn harvest(ctx: &Ctx, rng: &mut Rng, res: &Result<Response, HttpError>) {
    if !rng.chance(0.25) {
        return;
    }
    if let Some(list) = res
        .as_ref()
        .ok()
        .filter(|r| r.ok())
        .and_then(Response::json)
    {
        for id in interactable_ids(&list).into_iter().take(3) {
            ctx.world.statuses.push(id);
        }
    }
}

/// Runs one operation; returns the number of follow-up requests made.
async fn execute(ctx: &Ctx, op: Op, due: Instant, mut rng: Rng) -> u64 {
    let users = &ctx.world.users;
    if users.is_empty() {
        return 0;
    }
    let me_index = rng.below(users.len());
    let Some(me) = users.get(me_index) else {
        return 0;
    };
    let token = Some(me.token.as_str());
    let c = &ctx.client;
    let ep = op.endpoint();
    match op {
        Op::Home => {
            let res = c.get("/api/v1/timelines/home?limit=20", token).await;
            record(&ctx.stats, ep, due, &res);
            let next = res
                .as_ref()
                .ok()
                .filter(|r| r.ok())
                .and_then(Response::link_next)
                .and_then(|l| c.origin().path_of(&l));
            if let Some(path) = next.filter(|_| rng.chance(ctx.next_page)) {
                let t = Instant::now();
                let res = c.get(&path, token).await;
                record(&ctx.stats, HOME_NEXT, t, &res);
                return 1;
            }
        }
        Op::PublicLocal | Op::Public | Op::Tag => {
            let path = match op {
                Op::PublicLocal => "/api/v1/timelines/public?local=true&limit=20".to_string(),
                Op::Public => "/api/v1/timelines/public?limit=20".to_string(),
                _ => format!(
                    "/api/v1/timelines/tag/{}?limit=20",
                    rng.pick(content::TAGS).copied().unwrap_or("bonsai")
                ),
            };
            let res = c.get(&path, token).await;
            record(&ctx.stats, ep, due, &res);
            harvest(ctx, &mut rng, &res);
        }
        Op::AccountStatuses | Op::Profile => {
            let Some(other) = rng.pick(users) else {
                return 0;
            };
            let path = if op == Op::Profile {
                format!("/api/v1/accounts/{}", other.id)
            } else {
                format!("/api/v1/accounts/{}/statuses?limit=20", other.id)
            };
            let res = c.get(&path, token).await;
            record(&ctx.stats, ep, due, &res);
        }
        Op::Relationships => {
            let ids: Vec<&str> = (0..5)
                .filter_map(|_| rng.pick(users).map(|u| u.id.as_str()))
                .collect();
            let pairs: Vec<(&str, &str)> = ids.iter().map(|id| ("id[]", *id)).collect();
            let path = with_query("/api/v1/accounts/relationships", &pairs);
            let res = c.get(&path, token).await;
            record(&ctx.stats, ep, due, &res);
        }
        Op::Search => {
            let q = content::query(&mut rng, &ctx.usernames);
            let path = with_query(
                "/api/v2/search",
                &[("q", q.as_str()), ("limit", "10"), ("resolve", "false")],
            );
            let res = c.get(&path, token).await;
            record(&ctx.stats, ep, due, &res);
        }
        Op::Notifications => {
            let res = c.get("/api/v1/notifications?limit=20", token).await;
            record(&ctx.stats, ep, due, &res);
        }
        Op::Post => {
            let mention = if rng.chance(0.3) {
                rng.pick(&ctx.usernames).cloned()
            } else {
                None
            };
            let text = content::post(&mut rng, mention.as_deref());
            let visibility = match rng.below(100) {
                0..80 => "public",
                80..95 => "unlisted",
                _ => "private",
            };
            let parent = if rng.chance(0.25) {
                ctx.world.statuses.pick(rng.below(usize::MAX))
            } else {
                None
            };
            let mut pairs = vec![("status", text.as_str()), ("visibility", visibility)];
            if let Some(p) = &parent {
                pairs.push(("in_reply_to_id", p.as_str()));
            }
            let res = c.form("POST", "/api/v1/statuses", token, &pairs).await;
            record(&ctx.stats, ep, due, &res);
            if visibility != "private" {
                let posted = res
                    .as_ref()
                    .ok()
                    .filter(|r| r.ok())
                    .and_then(Response::json);
                let field = |k: &str| {
                    posted
                        .as_ref()
                        .and_then(|v| v.get(k).and_then(|i| i.as_str()).map(str::to_string))
                };
                if let Some(id) = field("id") {
                    ctx.world.statuses.push(id);
                }
                if let Some(uri) = field("uri") {
                    ctx.world.local_posts.push(LocalPost {
                        uri,
                        author: me_index,
                    });
                }
            }
        }
        Op::Favourite | Op::Unfavourite | Op::Reblog | Op::Unreblog => {
            let Some(id) = ctx.world.statuses.pick(rng.below(usize::MAX)) else {
                return 0;
            };
            let action = match op {
                Op::Favourite => "favourite",
                Op::Unfavourite => "unfavourite",
                Op::Reblog => "reblog",
                _ => "unreblog",
            };
            let path = format!("/api/v1/statuses/{id}/{action}");
            let res = c.form("POST", &path, token, &[]).await;
            record(&ctx.stats, ep, due, &res);
        }
    }
    0
}

pub async fn run(
    client: Arc<Client>,
    world: Arc<World>,
    stats: Stats,
    opts: WorkloadOptions,
    mut stop: watch::Receiver<bool>,
) -> WorkloadReport {
    let mix: Vec<(Op, u32)> = MIX
        .iter()
        .map(|(op, w)| (*op, if opts.disabled.contains(op) { 0 } else { *w }))
        .collect();
    let weights: Vec<u32> = mix.iter().map(|(_, w)| *w).collect();
    let total_weight: u32 = weights.iter().sum();
    let fed = opts.federation.clone();
    let share = fed.as_ref().map_or(0.0, |f| f.share());
    let mut mix_percent: Vec<(String, u32)> = mix
        .iter()
        .filter(|(_, w)| *w > 0)
        .map(|(op, w)| {
            (
                op.endpoint().to_string(),
                (f64::from(*w) * 100.0 * (1.0 - share) / f64::from(total_weight.max(1))).round()
                    as u32,
            )
        })
        .collect();
    if share > 0.0 {
        mix_percent.push((
            INBOX_CREATE.replace("Create Note", "Create, Like, Announce"),
            (share * 100.0).round() as u32,
        ));
    }
    let mut report = WorkloadReport {
        target_rate: opts.rate,
        mix_percent,
        ..WorkloadReport::default()
    };
    let ctx = Arc::new(Ctx {
        usernames: world.users.iter().map(|u| u.username.clone()).collect(),
        client,
        world,
        stats,
        next_page: opts.next_page,
    });
    let rate = opts.rate.max(0.001);
    let start = Instant::now();
    let end = start + opts.duration;
    report.due = (opts.duration.as_secs_f64() * rate).ceil() as u64;
    let slots = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut rng = Rng::new(opts.seed);
    let mut tasks: JoinSet<u64> = JoinSet::new();
    let mut n: u64 = 0;
    let mut follow_ups = 0;
    loop {
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        if due >= end || *stop.borrow() {
            break;
        }
        let slot = tokio::select! {
            biased;
            _ = stop.changed() => None,
            slot = async {
                tokio::time::sleep_until(due).await;
                slots.clone().acquire_owned().await.ok()
            } => slot,
            () = tokio::time::sleep_until(end) => None,
        };
        let Some(slot) = slot else { break };
        let lag = due.elapsed();
        report.max_start_lag_ms = report.max_start_lag_ms.max(lag.as_secs_f64() * 1000.0);
        if lag > Duration::from_millis(10) {
            report.starts_late_over_10ms += 1;
        }
        // Drawn only with federation on, so the client mix is the same sequence without it.
        let inbound = match &fed {
            Some(f) if rng.chance(share) => Some(f.clone()),
            _ => None,
        };
        let op = mix[rng.weighted(&weights)].0;
        let task_rng = Rng::new(rng.next_u64());
        let ctx = ctx.clone();
        if let Some(f) = inbound {
            report.inbox_deliveries += 1;
            tasks.spawn(async move {
                let _slot = slot;
                f.deliver(&ctx.world, &ctx.stats, due, task_rng).await;
                0
            });
        } else {
            tasks.spawn(async move {
                let _slot = slot;
                execute(&ctx, op, due, task_rng).await
            });
        }
        n += 1;
        report.max_in_flight = report
            .max_in_flight
            .max(opts.concurrency.max(1) - slots.available_permits());
        // Reap finished tasks as we go, so a long soak does not accumulate them.
        while let Some(done) = tasks.try_join_next() {
            follow_ups += done.unwrap_or(0);
        }
    }
    report.interrupted = *stop.borrow();
    report.started = n;
    report.not_started = report.due.saturating_sub(n);
    // What is in flight finishes within the request timeout (two requests at most).
    while let Some(done) = tasks.join_next().await {
        follow_ups += done.unwrap_or(0);
    }
    report.follow_ups = follow_ups;
    report.seconds = start.elapsed().as_secs_f64();
    report
}
