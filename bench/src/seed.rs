//! Seeding a "small instance": users (admin CLI or open registration), password-grant sign-in,
//! a follow graph with some locked accounts, and a few thousand posts with mentions, hashtags
//! and replies. Every phase runs with bounded concurrency and under one overall deadline.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::content;
use crate::http::{Client, HttpError, Response};
use crate::rng::Rng;
use crate::server::AdminCli;
use crate::world::{LocalPost, User, World};

pub const SCOPES: &str = "read write follow";

#[derive(Clone)]
pub enum Via {
    Admin(AdminCli),
    Registration,
}

pub struct SeedOptions {
    pub users: usize,
    pub follows: usize,
    pub posts: usize,
    /// Every n-th user is locked (0 = none).
    pub locked_every: usize,
    pub concurrency: usize,
    pub timeout: Duration,
    pub seed: u64,
    pub via: Via,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct PhaseReport {
    pub ok: u64,
    pub failed: u64,
    pub seconds: f64,
    pub first_error: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct SeedReport {
    pub via: String,
    pub prefix: String,
    pub phases: BTreeMap<String, PhaseReport>,
    pub timed_out: bool,
    pub seconds: f64,
}

#[derive(Clone, Default)]
struct Tally(Arc<Mutex<PhaseReport>>);

impl Tally {
    fn ok(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).ok += 1;
    }

    fn fail(&self, e: impl std::fmt::Display) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        t.failed += 1;
        if t.first_error.is_none() {
            t.first_error = Some(e.to_string().chars().take(300).collect());
        }
    }

    fn finish(&self, started: Instant) -> PhaseReport {
        let mut r = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        r.seconds = started.elapsed().as_secs_f64();
        r
    }
}

/// Runs `f` over `items` with at most `concurrency` in flight; stops starting new work at
/// `deadline` and abandons what is still running then. Results keep the input order.
async fn bounded<T, R, F, Fut>(
    items: Vec<T>,
    concurrency: usize,
    deadline: Instant,
    f: F,
) -> (Vec<Option<R>>, bool)
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let f = Arc::new(f);
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let mut pending = items.into_iter().enumerate();
    let mut set = JoinSet::new();
    let deadline = tokio::time::Instant::from_std(deadline);
    let mut timed_out = false;
    loop {
        while set.len() < concurrency.max(1) {
            let Some((i, item)) = pending.next() else {
                break;
            };
            let f = f.clone();
            set.spawn(async move { (i, f(item).await) });
        }
        match tokio::time::timeout_at(deadline, set.join_next()).await {
            Ok(Some(Ok((i, r)))) => {
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(r);
                }
            }
            Ok(Some(Err(_))) => {}
            Ok(None) => break,
            Err(_) => {
                set.abort_all();
                timed_out = true;
                break;
            }
        }
    }
    (results, timed_out)
}

fn describe(res: &Result<Response, HttpError>) -> String {
    match res {
        Ok(r) => format!("HTTP {}: {}", r.status, r.body_snippet()),
        Err(e) => e.to_string(),
    }
}

fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// `Ok(json)` for a 2xx JSON answer, else a description of what came back.
fn json_ok(res: Result<Response, HttpError>) -> Result<Value, String> {
    match &res {
        Ok(r) if r.ok() => r.json().ok_or_else(|| describe(&res)),
        _ => Err(describe(&res)),
    }
}

struct App {
    client_id: String,
    client_secret: String,
}

async fn create_app(client: &Client) -> Result<App, String> {
    let v = json_ok(
        client
            .form(
                "POST",
                "/api/v1/apps",
                None,
                &[
                    ("client_name", "bonsai-bench"),
                    ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                    ("scopes", SCOPES),
                ],
            )
            .await,
    )
    .map_err(|e| format!("POST /api/v1/apps: {e}"))?;
    Ok(App {
        client_id: str_field(&v, "client_id").ok_or("POST /api/v1/apps: no client_id")?,
        client_secret: str_field(&v, "client_secret")
            .ok_or("POST /api/v1/apps: no client_secret")?,
    })
}

async fn token(client: &Client, app: &App, extra: &[(&str, &str)]) -> Result<String, String> {
    let mut pairs = vec![
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("scope", SCOPES),
    ];
    pairs.extend_from_slice(extra);
    let v = json_ok(client.form("POST", "/oauth/token", None, &pairs).await)?;
    str_field(&v, "access_token").ok_or_else(|| "no access_token".to_string())
}

struct Planned {
    username: String,
    email: String,
    password: String,
}

fn run_prefix(seed: u64) -> String {
    // Usernames unique per run, so seeding an existing server twice does not collide.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut r = Rng::new(seed ^ nanos);
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let tag: String = (0..4)
        .map(|_| char::from(ALPHABET[r.below(ALPHABET.len())]))
        .collect();
    format!("b{tag}")
}

/// Follow targets of every user: half drawn from the most-followed tenth, the rest uniformly
/// (a small instance has a few accounts everyone follows).
fn follow_graph(n: usize, per_user: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let per_user = per_user.min(n.saturating_sub(1));
    let popular = (n / 10).max(1);
    (0..n)
        .map(|i| {
            let mut targets: Vec<usize> = Vec::with_capacity(per_user);
            let mut attempts = 0;
            while targets.len() < per_user && attempts < per_user * 50 {
                attempts += 1;
                let j = if rng.chance(0.5) {
                    rng.below(popular)
                } else {
                    rng.below(n)
                };
                if j != i && !targets.contains(&j) {
                    targets.push(j);
                }
            }
            targets
        })
        .collect()
}

pub async fn seed(client: Arc<Client>, opts: SeedOptions) -> Result<(World, SeedReport), String> {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let conc = opts.concurrency.max(1);
    let mut rng = Rng::new(opts.seed);
    let prefix = run_prefix(opts.seed);
    let mut report = SeedReport {
        via: match opts.via {
            Via::Admin(_) => "admin-cli".into(),
            Via::Registration => "registration".into(),
        },
        prefix: prefix.clone(),
        ..SeedReport::default()
    };

    let app = Arc::new(create_app(&client).await?);
    let planned: Vec<Planned> = (0..opts.users)
        .map(|i| Planned {
            username: format!("{prefix}_{i:04}"),
            email: format!("{prefix}_{i:04}@bench.test"),
            password: format!("bench-{prefix}-password-{i}"),
        })
        .collect();

    // 1. Accounts.
    let t = Instant::now();
    let tally = Tally::default();
    let fallback_tokens: Vec<Option<String>> = match &opts.via {
        Via::Admin(cli) => {
            // Each CLI run is a process with its own password hash: two at a time is plenty.
            let items: Vec<(String, String, String)> = planned
                .iter()
                .map(|p| (p.username.clone(), p.email.clone(), p.password.clone()))
                .collect();
            let (cli, tl) = (cli.clone(), tally.clone());
            let (res, late) = bounded(items, conc.min(2), deadline, move |(u, e, p)| {
                let (cli, tl) = (cli.clone(), tl.clone());
                async move {
                    // One retry: ids are time-based, and two processes creating a row in the
                    // same millisecond can collide (reported as a failure all the same).
                    for attempt in 0..2 {
                        match cli.create_account(&u, &e, &p).await {
                            Ok(_) => {
                                tl.ok();
                                break;
                            }
                            Err(err) => {
                                tl.fail(format!("{u} (attempt {}): {err}", attempt + 1));
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                        }
                    }
                    None
                }
            })
            .await;
            report.timed_out |= late;
            res.into_iter().map(Option::flatten).collect()
        }
        Via::Registration => {
            let app_token = token(&client, &app, &[("grant_type", "client_credentials")])
                .await
                .map_err(|e| format!("client_credentials token: {e}"))?;
            let items: Vec<(String, String, String)> = planned
                .iter()
                .map(|p| (p.username.clone(), p.email.clone(), p.password.clone()))
                .collect();
            let (c, tl) = (client.clone(), tally.clone());
            let (res, late) = bounded(items, conc, deadline, move |(u, e, p)| {
                let (c, tl, app_token) = (c.clone(), tl.clone(), app_token.clone());
                async move {
                    let res = c
                        .form(
                            "POST",
                            "/api/v1/accounts",
                            Some(&app_token),
                            &[
                                ("username", u.as_str()),
                                ("email", e.as_str()),
                                ("password", p.as_str()),
                                ("agreement", "true"),
                                ("locale", "en"),
                            ],
                        )
                        .await;
                    match json_ok(res) {
                        Ok(v) => {
                            tl.ok();
                            str_field(&v, "access_token")
                        }
                        Err(err) => {
                            tl.fail(format!("{u}: {err}"));
                            None
                        }
                    }
                }
            })
            .await;
            report.timed_out |= late;
            res.into_iter().map(Option::flatten).collect()
        }
    };
    report.phases.insert("1 accounts".into(), tally.finish(t));

    // 2. Sign in with the password grant (user name = e-mail, as Mastodon expects).
    let t = Instant::now();
    let tally = Tally::default();
    let items: Vec<(String, String, Option<String>)> = planned
        .iter()
        .zip(fallback_tokens)
        .map(|(p, f)| (p.email.clone(), p.password.clone(), f))
        .collect();
    let (c, tl, a) = (client.clone(), tally.clone(), app.clone());
    let (res, late) = bounded(items, conc, deadline, move |(email, password, fallback)| {
        let (c, tl, a) = (c.clone(), tl.clone(), a.clone());
        async move {
            let tok = match token(
                &c,
                &a,
                &[
                    ("grant_type", "password"),
                    ("username", email.as_str()),
                    ("password", password.as_str()),
                ],
            )
            .await
            {
                Ok(t) => Some(t),
                // A server that wants e-mail confirmation first: use the sign-up token.
                Err(e) => fallback.or_else(|| {
                    tl.fail(format!("{email}: {e}"));
                    None
                }),
            }?;
            let v = match json_ok(
                c.get("/api/v1/accounts/verify_credentials", Some(&tok))
                    .await,
            ) {
                Ok(v) => v,
                Err(e) => {
                    tl.fail(format!("verify_credentials {email}: {e}"));
                    return None;
                }
            };
            tl.ok();
            Some(User {
                id: str_field(&v, "id")?,
                username: str_field(&v, "username")?,
                token: tok,
                locked: false,
            })
        }
    })
    .await;
    report.timed_out |= late;
    let users: Vec<User> = res.into_iter().flatten().flatten().collect();
    report.phases.insert("2 sign-in".into(), tally.finish(t));
    if users.is_empty() {
        report.seconds = started.elapsed().as_secs_f64();
        let why = report
            .phases
            .values()
            .find_map(|p| p.first_error.clone())
            .unwrap_or_default();
        return Err(format!("seeding produced no usable account: {why}"));
    }
    let mut users = users;
    let n = users.len();

    // 3. Lock some accounts, so follows to them become requests.
    let t = Instant::now();
    let tally = Tally::default();
    let locked: Vec<usize> = if opts.locked_every == 0 {
        Vec::new()
    } else {
        (0..n)
            .filter(|i| i % opts.locked_every == opts.locked_every - 1)
            .collect()
    };
    for i in &locked {
        if let Some(u) = users.get_mut(*i) {
            u.locked = true;
        }
    }
    let users = Arc::new(users);
    let (c, tl, us) = (client.clone(), tally.clone(), users.clone());
    let (_, late) = bounded(locked.clone(), conc, deadline, move |i| {
        let (c, tl, us) = (c.clone(), tl.clone(), us.clone());
        async move {
            let Some(u) = us.get(i) else { return };
            let res = c
                .form(
                    "PATCH",
                    "/api/v1/accounts/update_credentials",
                    Some(&u.token),
                    &[("locked", "true")],
                )
                .await;
            match json_ok(res) {
                Ok(_) => tl.ok(),
                Err(e) => tl.fail(e),
            }
        }
    })
    .await;
    report.timed_out |= late;
    report
        .phases
        .insert("3 lock accounts".into(), tally.finish(t));

    // 4. Follow graph.
    let t = Instant::now();
    let tally = Tally::default();
    let graph = follow_graph(n, opts.follows, &mut rng);
    let pairs: Vec<(usize, usize)> = graph
        .iter()
        .enumerate()
        .flat_map(|(i, ts)| ts.iter().map(move |j| (i, *j)))
        .collect();
    let (c, tl, us) = (client.clone(), tally.clone(), users.clone());
    let (_, late) = bounded(pairs, conc, deadline, move |(i, j)| {
        let (c, tl, us) = (c.clone(), tl.clone(), us.clone());
        async move {
            let (Some(a), Some(b)) = (us.get(i), us.get(j)) else {
                return;
            };
            let path = format!("/api/v1/accounts/{}/follow", b.id);
            match json_ok(c.form("POST", &path, Some(&a.token), &[]).await) {
                Ok(_) => tl.ok(),
                Err(e) => tl.fail(e),
            }
        }
    })
    .await;
    report.timed_out |= late;
    report.phases.insert("4 follows".into(), tally.finish(t));

    // 5. Locked accounts accept their follow requests.
    let t = Instant::now();
    let tally = Tally::default();
    let (c, tl, us) = (client.clone(), tally.clone(), users.clone());
    let (_, late) = bounded(locked, conc, deadline, move |i| {
        let (c, tl, us) = (c.clone(), tl.clone(), us.clone());
        async move {
            let Some(u) = us.get(i) else { return };
            // Bounded: a page of 80 at a time, at most 20 pages.
            for _ in 0..20 {
                let list = match json_ok(
                    c.get("/api/v1/follow_requests?limit=80", Some(&u.token))
                        .await,
                ) {
                    Ok(v) => v,
                    Err(e) => {
                        tl.fail(format!("GET /api/v1/follow_requests: {e}"));
                        return;
                    }
                };
                let ids: Vec<String> = list
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| str_field(x, "id")).collect())
                    .unwrap_or_default();
                if ids.is_empty() {
                    return;
                }
                for id in ids {
                    let path = format!("/api/v1/follow_requests/{id}/authorize");
                    match json_ok(c.form("POST", &path, Some(&u.token), &[]).await) {
                        Ok(_) => tl.ok(),
                        Err(e) => {
                            tl.fail(e);
                            return;
                        }
                    }
                }
            }
        }
    })
    .await;
    report.timed_out |= late;
    report
        .phases
        .insert("5 accept follow requests".into(), tally.finish(t));

    // 6. Posts: mentions of followed accounts, hashtags, replies to earlier posts.
    let t = Instant::now();
    let tally = Tally::default();
    // (id, uri, author) of posts others can see and reply to.
    type Visible = Vec<(String, Option<String>, usize)>;
    let visible: Arc<Mutex<Visible>> = Arc::new(Mutex::new(Vec::new()));
    let graph = Arc::new(graph);
    let seeds: Vec<u64> = (0..opts.posts).map(|_| rng.next_u64()).collect();
    let (c, tl, us, vis) = (
        client.clone(),
        tally.clone(),
        users.clone(),
        visible.clone(),
    );
    let (_, late) = bounded(seeds, conc, deadline, move |s| {
        let (c, tl, us, vis, graph) = (
            c.clone(),
            tl.clone(),
            us.clone(),
            vis.clone(),
            graph.clone(),
        );
        async move {
            let mut r = Rng::new(s);
            let author = r.below(us.len());
            let Some(me) = us.get(author) else { return };
            let parent = if r.chance(0.25) {
                let v = vis.lock().unwrap_or_else(|p| p.into_inner());
                // Replies go to recent posts, as conversations do.
                let recent = v.len().min(200);
                (recent > 0).then(|| {
                    let (id, _, author) = &v[v.len() - 1 - r.below(recent)];
                    (id.clone(), *author)
                })
            } else {
                None
            };
            let mention = match &parent {
                Some((_, a)) => us.get(*a).map(|u| u.username.clone()),
                None if r.chance(0.3) => graph
                    .get(author)
                    .and_then(|ts| r.pick(ts).copied())
                    .and_then(|j| us.get(j))
                    .map(|u| u.username.clone()),
                None => None,
            };
            let text = content::post(&mut r, mention.as_deref());
            let visibility = match r.below(100) {
                0..75 => "public",
                75..90 => "unlisted",
                _ => "private",
            };
            let mut pairs = vec![("status", text.as_str()), ("visibility", visibility)];
            if let Some((pid, _)) = &parent {
                pairs.push(("in_reply_to_id", pid.as_str()));
            }
            match json_ok(
                c.form("POST", "/api/v1/statuses", Some(&me.token), &pairs)
                    .await,
            ) {
                Ok(v) => {
                    tl.ok();
                    if visibility != "private" {
                        if let Some(id) = str_field(&v, "id") {
                            vis.lock().unwrap_or_else(|p| p.into_inner()).push((
                                id,
                                str_field(&v, "uri"),
                                author,
                            ));
                        }
                    }
                }
                Err(e) => tl.fail(e),
            }
        }
    })
    .await;
    report.timed_out |= late;
    report.phases.insert("6 posts".into(), tally.finish(t));

    let visible = std::mem::take(&mut *visible.lock().unwrap_or_else(|p| p.into_inner()));
    let ids: Vec<String> = visible.iter().map(|(id, _, _)| id.clone()).collect();
    let posts: Vec<LocalPost> = visible
        .into_iter()
        .filter_map(|(_, uri, author)| Some(LocalPost { uri: uri?, author }))
        .collect();
    report.seconds = started.elapsed().as_secs_f64();
    let users = Arc::try_unwrap(users).unwrap_or_else(|a| (*a).clone());
    Ok((World::new(users, ids, posts), report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_graph_has_no_self_or_duplicate_follows() {
        let mut r = Rng::new(3);
        let g = follow_graph(100, 20, &mut r);
        for (i, ts) in g.iter().enumerate() {
            assert_eq!(ts.len(), 20);
            assert!(!ts.contains(&i));
            let mut s = ts.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), 20);
        }
    }

    #[test]
    fn tiny_instances_do_not_loop() {
        let mut r = Rng::new(3);
        assert_eq!(follow_graph(1, 20, &mut r), vec![Vec::<usize>::new()]);
        assert!(follow_graph(3, 20, &mut r).iter().all(|t| t.len() == 2));
    }
}
