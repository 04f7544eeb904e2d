//! One scenario from start to report: start or attach to the server, sample it, seed, drive
//! the workload (or stay idle), stop, and write the results.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::args::{RunArgs, Scenario, SeedCmdArgs, SeedVia};
use crate::burst::{self, BurstCtx, BurstOptions, BurstReport};
use crate::fedmix::{self, FedOptions, FederationReport};
use crate::http::{Client, Origin};
use crate::media::{self, MediaOptions, MediaReport};
use crate::metrics::{self, Scraper};
use crate::procfs::{self, ProcSample};
use crate::report::{self, mib, Memory, Options, ServerInfo, Summary};
use crate::sampler::Sampler;
use crate::seed::{self, SeedOptions, SeedReport, Via};
use crate::server::{self, SpawnOptions, Spawned};
use crate::sim::{Sim, SimOptions};
use crate::stats::Stats;
use crate::streams::{self, StreamOptions, StreamsReport};
use crate::svg;
use crate::workload::{self, Op, WorkloadOptions, WorkloadReport};
use crate::world::{self, World};

fn now_utc() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn default_out(scenario: Scenario, t: time::OffsetDateTime) -> PathBuf {
    PathBuf::from("bench/results").join(format!(
        "{}-{:04}{:02}{:02}-{:02}{:02}{:02}",
        scenario.name(),
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

fn empty_summary(scenario: Scenario, command: &str, started: time::OffsetDateTime) -> Summary {
    Summary {
        bench_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario.name().into(),
        status: "ok".into(),
        message: None,
        started_at: rfc3339(started),
        command: command.to_string(),
        machine: procfs::machine(),
        server: None,
        options: None,
        seed: None,
        users: 0,
        workload: None,
        endpoints: Vec::new(),
        memory: Memory::default(),
        trend: None,
        targets: Vec::new(),
        not_available: Vec::new(),
        marks: Vec::new(),
        burst: None,
        federation: None,
        streams: None,
        media: None,
        jobs: Vec::new(),
        jobs_window: None,
    }
}

fn check_origin(origin: &Origin, allow_remote: bool) -> Result<(), String> {
    if origin.is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(format!(
            "{} is not a loopback address; pass --allow-remote if this is your own server",
            origin.base
        ))
    }
}

fn parse_env(pairs: &[String]) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("--server-env {p:?}: expected KEY=VALUE"))
        })
        .collect()
}

/// What the body of a run found out, reported even when it fails half-way.
#[derive(Default)]
struct Findings {
    seed: Option<SeedReport>,
    users: usize,
    workload: Option<WorkloadReport>,
    workload_window: Option<(f64, f64)>,
    warmup_end: Option<f64>,
    rss_after_start: Option<ProcSample>,
    rss_after_seed: Option<ProcSample>,
    rss_after_idle: Option<ProcSample>,
    cpu_workload: Option<f64>,
    not_available: Vec<String>,
    burst: Option<BurstReport>,
    federation: Option<FederationReport>,
    streams: Option<StreamsReport>,
    media: Option<MediaReport>,
}

pub async fn run(args: RunArgs, command: String) -> Result<bool, String> {
    let started = now_utc();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(args.scenario, started));
    let mut summary = empty_summary(args.scenario, &command, started);

    let duration = args.duration.unwrap_or(match args.scenario {
        Scenario::Idle => Duration::from_secs(300),
        Scenario::Burst => Duration::from_secs(600),
        Scenario::Soak => Duration::from_secs(3600),
        Scenario::Media => Duration::from_secs(120),
        _ => Duration::from_secs(60),
    });
    let rate = args.rate.unwrap_or(match args.scenario {
        Scenario::Soak => 150.0,
        Scenario::Media => 20.0,
        _ => 50.0,
    });
    if !(rate > 0.0 && rate <= 100_000.0) {
        return Err(format!("--rate {rate}: must be above 0 and at most 100000"));
    }
    let warmup = (args.scenario == Scenario::Soak).then(|| {
        args.warmup.unwrap_or_else(|| {
            duration
                .mul_f64(0.1)
                .clamp(Duration::from_secs(60), Duration::from_secs(600))
                .min(duration / 2)
        })
    });
    summary.options = Some(Options {
        rate,
        duration_s: duration.as_secs_f64(),
        concurrency: args.concurrency.max(1),
        timeout_s: args.timeout.as_secs_f64(),
        warmup_s: warmup.map(|w| w.as_secs_f64()),
        seed: args.seed,
    });
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    // Burst, and federation in the small-instance / soak mix: the simulated remote servers,
    // bound before the server starts so it can be told where they are.
    let b = &args.burst;
    let f = &args.federation;
    let federated_mix =
        matches!(args.scenario, Scenario::SmallInstance | Scenario::Soak) && !f.no_federation;
    let sim_options = match args.scenario {
        Scenario::Burst => Some(SimOptions {
            actors: b.followers,
            domains: b.remote_domains.unwrap_or(100),
            shared_inbox: b.shared_inbox,
            delay: b.remote_delay,
            rate: b.remote_rate,
            count_every_delivery: false,
        }),
        _ if federated_mix => {
            if !(0.0..=100.0).contains(&f.inbox_share) {
                return Err("--inbox-share must be 0 to 100 (percent)".into());
            }
            Some(SimOptions {
                actors: f.remote_accounts,
                domains: b.remote_domains.unwrap_or(20),
                shared_inbox: true,
                delay: b.remote_delay,
                rate: b.remote_rate,
                count_every_delivery: true,
            })
        }
        _ => None,
    };
    let sim = match sim_options {
        Some(o) => {
            if !(1..=2000).contains(&o.domains) {
                return Err("--remote-domains must be 1 to 2000".into());
            }
            if o.rate.is_some_and(|r| r.is_nan() || r <= 0.0) {
                return Err("--remote-rate must be above 0".into());
            }
            Some(Arc::new(Sim::bind(o, Arc::default()).await?))
        }
        None => None,
    };
    let mut sim_env = Vec::new();
    if let Some(sim) = &sim {
        sim_env.push((
            "BONSAI_FEDERATION_ALLOW_ADDRESSES".to_string(),
            "127.0.0.0/8".to_string(),
        ));
        sim_env.push(("BONSAI_FEDERATION_HOSTS".to_string(), sim.hosts_setting()));
        if args.spawn.is_none() {
            eprintln!(
                "{}: the server must speak plain http to the simulated remotes on 127.0.0.1:{} \
                 and resolve their names: allow 127.0.0.0/8 and map {} to 127.0.0.1 \
                 (Bonsai: BONSAI_PROTOCOL=http BONSAI_FEDERATION_ALLOW_ADDRESSES=127.0.0.0/8 \
                 BONSAI_FEDERATION_HOSTS=d0.sim=127.0.0.1,…){}",
                args.scenario.name(),
                sim.port(),
                if sim.options().domains > 1 {
                    format!("d0.sim … d{}.sim", sim.options().domains - 1)
                } else {
                    "d0.sim".to_string()
                },
                if federated_mix {
                    "; or pass --no-federation"
                } else {
                    ""
                }
            );
        }
    }

    // The server: spawned here, or given by URL (and optionally PIDs).
    let mut spawned: Option<Spawned> = None;
    let origin = match &args.spawn {
        Some(bin) => {
            let port = match &args.url {
                Some(u) => Some(Origin::parse(u)?.addr.port()),
                None => None,
            };
            let mut extra_env = sim_env.clone();
            extra_env.extend(parse_env(&args.server_env)?);
            let log = out.join("server.log");
            eprintln!("starting {} …", bin.display());
            let s = server::spawn(SpawnOptions {
                bin,
                port,
                log: &log,
                extra_env: &extra_env,
                keep_data: args.keep_data,
            })
            .await?;
            eprintln!(
                "server pid {} ready at {} after {:.2} s",
                s.pid,
                s.origin.base,
                s.ready_after.as_secs_f64()
            );
            let o = s.origin.clone();
            spawned = Some(s);
            o
        }
        None => {
            let url = args
                .url
                .as_deref()
                .ok_or("give --url of a running server, or --spawn PATH_TO_BONSAI")?;
            Origin::parse(url)?
        }
    };
    check_origin(&origin, args.allow_remote)?;
    let pids: Vec<u32> = match &spawned {
        Some(s) => vec![s.pid],
        None => args.pid.clone(),
    };
    for pid in &pids {
        if procfs::sample(*pid).is_none() {
            if let Some(s) = spawned.as_mut() {
                s.stop().await;
            }
            return Err(format!("no process {pid} to sample (/proc/{pid}/status)"));
        }
    }

    let stats = Stats::default();
    let mut sampler = Sampler::new(pids.clone(), stats.clone());
    if let Some(sim) = &sim {
        sampler = sampler.with_deliveries(sim.deliveries());
    }
    // Not while idle: a request a second would be most of what the server does then.
    if args.scenario != Scenario::Idle {
        sampler = sampler.with_metrics(Arc::new(Scraper::new(origin.clone())));
    }
    sampler.tick();
    let sampler_task = sampler.spawn();
    let client = Arc::new(Client::new(
        origin.clone(),
        args.timeout,
        args.concurrency.max(1),
    ));
    let version = match client.get("/api/v1/instance", None).await {
        Ok(r) if r.ok() => r
            .json()
            .and_then(|v| v.get("version").and_then(Value::as_str).map(str::to_string)),
        _ => None,
    };
    summary.server = Some(ServerInfo {
        url: origin.base.clone(),
        spawned: args.spawn.as_ref().map(|b| b.display().to_string()),
        pids: pids.clone(),
        ready_after_s: spawned.as_ref().map(|s| s.ready_after.as_secs_f64()),
        version,
        log: spawned
            .as_ref()
            .map(|_| out.join("server.log").display().to_string()),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: finishing in-flight requests and writing the report …");
            let _ = stop_tx.send(true);
        }
    });

    let mut found = Findings::default();
    let body = body(
        &args,
        &mut found,
        BodyCtx {
            client: client.clone(),
            sampler: sampler.clone(),
            stats: stats.clone(),
            spawned: spawned.as_ref(),
            duration,
            rate,
            warmup,
            stop: stop_rx,
            sim: sim.clone(),
        },
    )
    .await;

    sampler.phase("end");
    let last = sampler.tick();
    sampler_task.abort();
    if let Some(s) = spawned.as_mut() {
        s.stop().await;
    }

    if let Err(e) = &body {
        summary.status = "failed".into();
        summary.message = Some(e.clone());
    }
    let samples = sampler.samples();
    let marks = sampler.marks();
    let mem = &mut summary.memory;
    mem.sampled = sampler.has_pids();
    if mem.sampled {
        let to_mib = |p: Option<ProcSample>| p.map(|p| mib(p.rss_kib));
        mem.rss_after_start_mib = to_mib(found.rss_after_start);
        mem.rss_after_seed_mib = to_mib(found.rss_after_seed);
        mem.rss_after_idle_mib = to_mib(found.rss_after_idle);
        mem.final_rss_mib = to_mib(last);
        mem.anon_after_start_mib = found.rss_after_start.map(|p| mib(p.anon_kib));
        mem.final_anon_mib = last.map(|p| mib(p.anon_kib));
        mem.hwm_mib = last.map(|p| mib(p.hwm_kib));
        mem.cpu_s_total = last.map(|p| p.cpu_s);
        mem.cpu_s_workload = found.cpu_workload;
        mem.peak_rss_sampled_mib = samples.iter().filter_map(|s| s.rss_kib).max().map(mib);
        if let Some((a, b)) = found.workload_window {
            mem.peak_rss_workload_mib = samples
                .iter()
                .filter(|s| s.t_s >= a && s.t_s <= b + 1.0)
                .filter_map(|s| s.rss_kib)
                .max()
                .map(mib);
        }
    }
    mem.bench_cpu_s = procfs::self_cpu_s();
    if let (Some(w), Some((_, end))) = (found.warmup_end, found.workload_window) {
        summary.trend = report::trend(&samples, w, end);
    }
    summary.seed = found.seed;
    summary.users = found.users;
    summary.workload = found.workload;
    summary.burst = found.burst;
    summary.federation = found.federation;
    summary.streams = found.streams;
    summary.media = found.media;
    let (from, to, window) = match found.workload_window {
        Some((a, b)) => (a, b + 1.0, "during the workload"),
        None => (f64::NEG_INFINITY, f64::INFINITY, "whole run"),
    };
    summary.jobs = metrics::report(&samples, from, to);
    if samples.iter().any(|s| s.jobs.is_some()) {
        summary.jobs_window = Some(window.to_string());
    } else if args.scenario != Scenario::Idle {
        found.not_available.push(
            "job queue lag: the server offers no job metrics (GET /metrics answered 404, or without bonsai_jobs_* series)".into(),
        );
    }
    summary.endpoints = summary
        .workload
        .as_ref()
        .map(|w| w.seconds)
        .or_else(|| summary.burst.as_ref().map(|b| b.follows.send_seconds))
        .map(|secs| stats.report(Duration::from_secs_f64(secs)))
        .unwrap_or_default();
    summary.not_available = found.not_available;
    summary.marks = marks.clone();
    summary.targets = report::targets(&summary);
    let title = format!(
        "bonsai-bench {} — {}",
        args.scenario.name(),
        summary
            .server
            .as_ref()
            .map(|s| s.url.clone())
            .unwrap_or_default()
    );
    let plot = svg::plot(&title, &samples, &marks, args.scenario == Scenario::Burst);
    report::write_all(&out, &summary, &samples, Some(plot))?;
    println!("{}", report::markdown(&summary));
    println!("wrote {}", out.display());
    body.map(|()| true)
}

struct BodyCtx<'a> {
    client: Arc<Client>,
    sampler: Sampler,
    stats: Stats,
    spawned: Option<&'a Spawned>,
    duration: Duration,
    rate: f64,
    warmup: Option<Duration>,
    stop: watch::Receiver<bool>,
    sim: Option<Arc<Sim>>,
}

async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = stop.changed() => {}
    }
}

async fn body(args: &RunArgs, found: &mut Findings, mut cx: BodyCtx<'_>) -> Result<(), String> {
    // A second for the server to settle after start (or after we attached).
    sleep_or_stop(Duration::from_secs(1), &mut cx.stop).await;
    found.rss_after_start = cx.sampler.read();
    if let (Some(sim), Scenario::Burst) = (cx.sim.clone(), args.scenario) {
        return burst_body(args, found, cx, sim).await;
    }

    let via = match (args.seed_via, &args.token_file) {
        (_, Some(_)) | (SeedVia::None, _) => None,
        (SeedVia::Auto, None) if args.scenario == Scenario::Idle => None,
        (SeedVia::Auto, None) => Some(match cx.spawned {
            Some(s) => Via::Admin(s.admin.clone()),
            None => Via::Registration,
        }),
        (SeedVia::Admin, None) => Some(Via::Admin(
            cx.spawned
                .ok_or("--seed-via admin needs --spawn")?
                .admin
                .clone(),
        )),
        (SeedVia::Registration, None) => Some(Via::Registration),
    };
    let world = if let Some(path) = &args.token_file {
        let tokens = world::read_tokens(path)?;
        eprintln!(
            "signing in {} users from {} …",
            tokens.len(),
            path.display()
        );
        world::discover(&cx.client, tokens).await?
    } else if let Some(via) = via {
        cx.sampler.phase("seed");
        let s = &args.seeding;
        eprintln!(
            "seeding {} users, {} follows each, {} posts …",
            s.users, s.follows, s.posts
        );
        let (world, rep) = seed::seed(
            cx.client.clone(),
            SeedOptions {
                users: s.users,
                follows: s.follows,
                posts: s.posts,
                locked_every: s.locked_every,
                concurrency: s.seed_concurrency,
                timeout: s.seed_timeout,
                seed: args.seed,
                via,
            },
        )
        .await?;
        eprintln!("seeded in {:.1} s", rep.seconds);
        found.seed = Some(rep);
        found.rss_after_seed = cx.sampler.read();
        world
    } else {
        World::new(Vec::new(), Vec::new(), Vec::new())
    };
    found.users = world.users.len();

    if args.scenario == Scenario::Idle {
        cx.sampler.phase("idle");
        eprintln!("idling for {:.0} s …", cx.duration.as_secs_f64());
        sleep_or_stop(cx.duration, &mut cx.stop).await;
        found.rss_after_idle = cx.sampler.read();
        return Ok(());
    }

    if world.users.is_empty() {
        return Err("no users to drive the workload: seed (default) or pass --token-file".into());
    }
    let mut disabled = Vec::new();
    let token = world.users.first().map(|u| u.token.clone());
    let probe = |path: &'static str| {
        let (c, t) = (cx.client.clone(), token.clone());
        async move {
            match c.get(path, t.as_deref()).await {
                Ok(r) => r.status != 404,
                Err(_) => false,
            }
        }
    };
    if !probe("/api/v1/notifications?limit=1").await {
        disabled.push(Op::Notifications);
        found.not_available.push(
            "notification timeline reads: GET /api/v1/notifications answers 404 (its share of the mix goes to the rest)".into(),
        );
    }
    let streaming = args.streams > 0 && probe("/api/v1/streaming/health").await;
    if args.streams > 0 && !streaming {
        found.not_available.push(
            "streaming connections held open: /api/v1/streaming/health does not answer".into(),
        );
    }

    // Federation: simulated remote accounts follow local users and are followed by them.
    let mut fed_server = None;
    let federation = match cx.sim.clone() {
        Some(sim) => {
            cx.sampler.phase("federation");
            fed_server = Some(sim.serve()?);
            let so = sim.options().clone();
            let fo = &args.federation;
            eprintln!(
                "federation: {} simulated accounts on {} simulated servers …",
                so.actors, so.domains
            );
            let sim_client = Arc::new(Client::new(cx.client.origin().clone(), args.timeout, 16));
            match fedmix::setup(
                sim_client,
                sim,
                &world,
                &FedOptions {
                    remote_follows: fo.remote_follows,
                    local_follows: fo.follows_remote,
                    share: fo.inbox_share / 100.0,
                    concurrency: args.seeding.seed_concurrency,
                    timeout: args.seeding.seed_timeout,
                    seed: args.seed,
                },
                cx.stop.clone(),
            )
            .await
            {
                Ok((f, setup)) => {
                    eprintln!(
                        "  {}/{} remote follows accepted, {}/{} local follows of remote accounts accepted, in {:.1} s",
                        setup.accepts_received,
                        setup.remote_follows.sent,
                        setup.accepts_sent,
                        setup.local_follows.sent,
                        setup.seconds
                    );
                    Some((Arc::new(f), setup))
                }
                Err(e) => {
                    eprintln!("  federation left out: {e}");
                    found.not_available.push(format!(
                        "federation traffic in this mix: setting it up failed ({e})"
                    ));
                    None
                }
            }
        }
        None => {
            if args.federation.no_federation {
                found
                    .not_available
                    .push("federation traffic in this mix: left out (--no-federation)".into());
            }
            None
        }
    };

    let streams = streaming.then(|| {
        let tokens: Vec<String> = world.users.iter().map(|u| u.token.clone()).collect();
        eprintln!(
            "streaming: {} WebSocket connections held open …",
            args.streams.min(tokens.len())
        );
        streams::start(
            cx.client.origin().clone(),
            &tokens,
            &StreamOptions {
                connections: args.streams,
                public_every: args.stream_public_every,
                timeout: args.timeout,
                seed: args.seed,
            },
        )
    });
    let uploads = match args.scenario {
        Scenario::Media => {
            let m = &args.media;
            let (image, video) = media::inputs(
                &m.media_inputs,
                m.media_image.clone(),
                m.media_video.clone(),
            )
            .await?;
            eprintln!(
                "media: {} photo and {} video uploaders ({} and {}) …",
                m.image_uploaders,
                m.video_uploaders,
                image.display(),
                video.display()
            );
            // Uploads are slow requests by nature: their own client and deadline.
            let client = Arc::new(Client::new(
                cx.client.origin().clone(),
                m.media_deadline,
                m.image_uploaders + m.video_uploaders,
            ));
            Some(tokio::spawn(media::run(
                client,
                world.users.iter().map(|u| u.token.clone()).collect(),
                MediaOptions {
                    image_uploaders: m.image_uploaders,
                    video_uploaders: m.video_uploaders,
                    image,
                    video,
                    deadline: m.media_deadline,
                    duration: cx.duration,
                },
                cx.stats.clone(),
                cx.stop.clone(),
            )))
        }
        _ => None,
    };
    let world = Arc::new(world);
    let before = cx.sampler.read();
    if let Some((f, _)) = &federation {
        f.start_workload();
    }
    let t0 = cx.sampler.elapsed_s();
    cx.sampler.phase(if cx.warmup.is_some() {
        "warm-up"
    } else {
        "workload"
    });
    let marker = cx.warmup.map(|w| {
        let s = cx.sampler.clone();
        tokio::spawn(async move {
            tokio::time::sleep(w).await;
            s.phase("measured");
        })
    });
    found.warmup_end = cx.warmup.map(|w| t0 + w.as_secs_f64());
    eprintln!(
        "workload: {} req/s for {:.0} s ({} users, {} statuses to act on) …",
        cx.rate,
        cx.duration.as_secs_f64(),
        world.users.len(),
        world.statuses.len()
    );
    let rep = workload::run(
        cx.client.clone(),
        world,
        cx.stats.clone(),
        WorkloadOptions {
            rate: cx.rate,
            duration: cx.duration,
            concurrency: args.concurrency.max(1),
            seed: args.seed,
            next_page: 0.4,
            disabled,
            federation: federation
                .as_ref()
                .map(|(f, _)| f.clone())
                .filter(|f| f.share() > 0.0),
        },
        cx.stop.clone(),
    )
    .await;
    if let Some(m) = marker {
        m.abort();
    }
    let after = cx.sampler.read();
    if let Some(task) = uploads {
        eprintln!("  waiting for the uploads in progress …");
        let mut r = task
            .await
            .map_err(|e| format!("the uploaders failed: {e}"))??;
        cx.sampler.tick();
        let t1 = cx.sampler.elapsed_s();
        r.peak_children_rss_mib = cx
            .sampler
            .samples()
            .iter()
            .filter(|s| s.t_s >= t0 && s.t_s <= t1)
            .filter_map(|s| s.children_rss_kib)
            .max()
            .map(mib);
        found.media = Some(r);
    }
    let t1 = cx.sampler.elapsed_s();
    found.workload_window = Some((t0, t1));
    if let Some(st) = streams {
        let r = st.finish().await;
        eprintln!(
            "  streaming: {} of {} open at the end, {} drops, {} events",
            r.open_at_end,
            r.requested,
            r.drops,
            r.events.values().sum::<u64>()
        );
        found.streams = Some(r);
    }
    if let Some((f, setup)) = federation {
        // The last second's deliveries are in the next sample.
        cx.sampler.tick();
        let peak = cx
            .sampler
            .samples()
            .iter()
            .filter(|s| s.t_s > t0 && s.t_s <= t1 + 1.5)
            .map(|s| s.deliveries)
            .max()
            .unwrap_or(0);
        found.federation = Some(f.report(setup, rep.seconds, peak));
    }
    if let Some(task) = fed_server {
        task.abort();
    }
    found.cpu_workload = match (before, after) {
        (Some(b), Some(a)) => Some(a.cpu_s - b.cpu_s),
        _ => None,
    };
    found.workload = Some(rep);
    Ok(())
}

pub async fn seed_only(args: SeedCmdArgs) -> Result<bool, String> {
    let origin = Origin::parse(&args.url)?;
    check_origin(&origin, args.allow_remote)?;
    if let Some(dir) = args
        .token_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let client = Arc::new(Client::new(origin, args.timeout, 64));
    let s = &args.seeding;
    let (world, rep) = seed::seed(
        client,
        SeedOptions {
            users: s.users,
            follows: s.follows,
            posts: s.posts,
            locked_every: s.locked_every,
            concurrency: s.seed_concurrency,
            timeout: s.seed_timeout,
            seed: args.seed,
            via: Via::Registration,
        },
    )
    .await?;
    world::write_tokens(&args.token_file, &world.users)?;
    for (name, p) in &rep.phases {
        println!(
            "{name}: {} ok, {} failed, {:.1} s{}",
            p.ok,
            p.failed,
            p.seconds,
            p.first_error
                .as_ref()
                .map(|e| format!(" (first error: {e})"))
                .unwrap_or_default()
        );
    }
    println!(
        "wrote {} tokens to {}",
        world.users.len(),
        Path::new(&args.token_file).display()
    );
    Ok(!rep.timed_out)
}

/// The burst scenario: one local account (admin CLI when spawned, else registration), the
/// simulated remotes serving, then `burst::run`.
async fn burst_body(
    args: &RunArgs,
    found: &mut Findings,
    cx: BodyCtx<'_>,
    sim: Arc<Sim>,
) -> Result<(), String> {
    let via = match (args.seed_via, cx.spawned) {
        (SeedVia::Registration, _) | (SeedVia::Auto, None) => Via::Registration,
        (SeedVia::Admin | SeedVia::Auto, Some(s)) => Via::Admin(s.admin.clone()),
        (SeedVia::Admin, None) => return Err("--seed-via admin needs --spawn".into()),
        (SeedVia::None, _) => {
            return Err(
                "burst creates its own posting account: --seed-via none is not supported".into(),
            )
        }
    };
    cx.sampler.phase("seed");
    let (world, rep) = seed::seed(
        cx.client.clone(),
        SeedOptions {
            users: 1,
            follows: 0,
            posts: 0,
            locked_every: 0,
            concurrency: 1,
            timeout: args.seeding.seed_timeout,
            seed: args.seed,
            via,
        },
    )
    .await?;
    found.seed = Some(rep);
    found.rss_after_seed = cx.sampler.read();
    let user = world
        .users
        .first()
        .cloned()
        .ok_or("could not create the posting account")?;
    found.users = 1;
    let server = sim.serve()?;
    let result = burst::run(BurstCtx {
        client: cx.client.clone(),
        sim: sim.clone(),
        sampler: &cx.sampler,
        stats: &cx.stats,
        user,
        opts: BurstOptions {
            follow_concurrency: args.burst.follow_concurrency.max(1),
            follow_timeout: args.burst.follow_timeout,
            drain_timeout: cx.duration,
            settle: args.burst.settle,
        },
        stop: cx.stop.clone(),
    })
    .await;
    server.abort();
    let t_end = cx.sampler.elapsed_s();
    let burst = result?;
    let t_start = cx
        .sampler
        .marks()
        .iter()
        .find(|m| m.label == "follows")
        .map_or(0.0, |m| m.t_s);
    found.workload_window = Some((t_start, t_end));
    found.burst = Some(burst);
    Ok(())
}
