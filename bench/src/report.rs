//! `summary.json`, `summary.md` and `samples.csv`.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::burst::BurstReport;
use crate::fedmix::FederationReport;
use crate::metrics::QueueReport;
use crate::procfs::Machine;
use crate::sampler::{Mark, Sample};
use crate::seed::SeedReport;
use crate::stats::{EndpointReport, HOME};
use crate::streams::StreamsReport;
use crate::workload::WorkloadReport;

/// Targets from issue 4 (MiB; measured by the bench, never asserted by tests).
pub const IDLE_RSS_MIB: f64 = 16.0;
pub const PEAK_RSS_MIB: f64 = 64.0;
pub const HOME_P99_MS: f64 = 20.0;
pub const HOME_P99_RATE: f64 = 200.0;
pub const SOAK_DRIFT_PCT: f64 = 5.0;
/// Burst: the fan-out's deliveries queued within this long (the posting request's latency).
pub const BURST_QUEUED_MS: f64 = 1000.0;
/// Burst: "RSS flat" read as a peak during the fan-out at most this much above the RSS before it.
pub const BURST_RSS_GROWTH_PCT: f64 = 10.0;
/// Burst: "drained at the rate the remotes allow" read as at least this share of their limit.
pub const BURST_RATE_SHARE: f64 = 0.9;

#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    pub url: String,
    pub spawned: Option<String>,
    pub pids: Vec<u32>,
    pub ready_after_s: Option<f64>,
    pub version: Option<String>,
    pub log: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub rate: f64,
    pub duration_s: f64,
    pub concurrency: usize,
    pub timeout_s: f64,
    pub warmup_s: Option<f64>,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Memory {
    pub sampled: bool,
    pub rss_after_start_mib: Option<f64>,
    pub rss_after_seed_mib: Option<f64>,
    pub rss_after_idle_mib: Option<f64>,
    /// Largest VmRSS seen by the 1 Hz sampler, over the whole run and during the workload.
    pub peak_rss_sampled_mib: Option<f64>,
    pub peak_rss_workload_mib: Option<f64>,
    /// VmHWM at the end: the true peak since the process started (includes start-up).
    pub hwm_mib: Option<f64>,
    pub final_rss_mib: Option<f64>,
    /// Anonymous part (heap, stacks) of the RSS after start and at the end; the rest is
    /// file-backed, mostly the binary's own pages.
    pub anon_after_start_mib: Option<f64>,
    pub final_anon_mib: Option<f64>,
    pub cpu_s_total: Option<f64>,
    pub cpu_s_workload: Option<f64>,
    pub bench_cpu_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub warmup_s: f64,
    /// Mean RSS over the 10 s after warm-up and over the last 10 s.
    pub post_warmup_rss_mib: f64,
    pub final_rss_mib: f64,
    pub change_pct: f64,
    /// Least-squares slope of RSS after warm-up.
    pub slope_mib_per_hour: f64,
    pub samples: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub target: String,
    pub measured: Option<String>,
    pub met: Option<bool>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub bench_version: String,
    pub scenario: String,
    /// "ok", "not_available" or "failed".
    pub status: String,
    pub message: Option<String>,
    pub started_at: String,
    pub command: String,
    pub machine: Machine,
    pub server: Option<ServerInfo>,
    pub options: Option<Options>,
    pub seed: Option<SeedReport>,
    pub users: usize,
    pub workload: Option<WorkloadReport>,
    pub endpoints: Vec<EndpointReport>,
    pub memory: Memory,
    pub trend: Option<Trend>,
    pub targets: Vec<TargetCheck>,
    pub not_available: Vec<String>,
    pub marks: Vec<Mark>,
    pub burst: Option<BurstReport>,
    /// Federation traffic in the small-instance / soak mix.
    pub federation: Option<FederationReport>,
    /// WebSocket streaming connections held open during the small-instance / soak workload.
    pub streams: Option<StreamsReport>,
    /// The media scenario's uploads.
    pub media: Option<crate::media::MediaReport>,
    /// The server's job queues from `GET /metrics`, sampled once a second (empty when it has
    /// none), over `jobs_window`.
    pub jobs: Vec<QueueReport>,
    pub jobs_window: Option<String>,
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// RSS trend after `warmup_end_s`; `None` without enough samples.
pub fn trend(samples: &[Sample], warmup_end_s: f64, end_s: f64) -> Option<Trend> {
    let pts: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.t_s >= warmup_end_s && s.t_s <= end_s + 0.5)
        .filter_map(|s| s.rss_kib.map(|k| (s.t_s, mib(k))))
        .collect();
    if pts.len() < 3 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let window = pts.len().min(10);
    let mean = |s: &[(f64, f64)]| s.iter().map(|p| p.1).sum::<f64>() / s.len() as f64;
    let first = mean(&pts[..window]);
    let last = mean(&pts[pts.len() - window..]);
    Some(Trend {
        warmup_s: warmup_end_s,
        post_warmup_rss_mib: first,
        final_rss_mib: last,
        change_pct: (last - first) / first * 100.0,
        slope_mib_per_hour: slope * 3600.0,
        samples: pts.len(),
    })
}

pub fn targets(s: &Summary) -> Vec<TargetCheck> {
    let mut out = Vec::new();
    let m = &s.memory;
    let rate = s.options.as_ref().map_or(0.0, |o| o.rate);
    match s.scenario.as_str() {
        "idle" => {
            out.push(check_max(
                format!("idle RSS (after the idle period) <= {IDLE_RSS_MIB} MiB"),
                m.rss_after_idle_mib,
                IDLE_RSS_MIB,
                "MiB",
                String::new(),
            ));
            out.push(check_max(
                format!("RSS right after start <= {IDLE_RSS_MIB} MiB"),
                m.rss_after_start_mib,
                IDLE_RSS_MIB,
                "MiB",
                String::new(),
            ));
        }
        "small-instance" | "soak" => {
            out.push(check_max(
                format!("peak RSS (VmHWM) <= {PEAK_RSS_MIB} MiB"),
                m.hwm_mib,
                PEAK_RSS_MIB,
                "MiB",
                "VmHWM includes start-up and seeding".into(),
            ));
            let home = s.endpoints.iter().find(|e| e.endpoint == HOME);
            let note = if rate + 1e-9 < HOME_P99_RATE {
                format!("measured at {rate} req/s; the target is defined at {HOME_P99_RATE} req/s")
            } else {
                format!("measured at {rate} req/s")
            };
            out.push(check_max(
                format!("home timeline p99 <= {HOME_P99_MS} ms at {HOME_P99_RATE} req/s"),
                home.filter(|h| h.requests > 0).map(|h| h.p99_ms),
                HOME_P99_MS,
                "ms",
                note,
            ));
            if s.scenario == "soak" {
                out.push(match &s.trend {
                    Some(t) => TargetCheck {
                        target: format!("final RSS within {SOAK_DRIFT_PCT} % of post-warm-up RSS"),
                        measured: Some(format!(
                            "{:+.1} % ({:.1} -> {:.1} MiB, slope {:+.2} MiB/h)",
                            t.change_pct,
                            t.post_warmup_rss_mib,
                            t.final_rss_mib,
                            t.slope_mib_per_hour
                        )),
                        met: Some(t.change_pct.abs() <= SOAK_DRIFT_PCT),
                        note: format!("warm-up {:.0} s", t.warmup_s),
                    },
                    None => TargetCheck {
                        target: format!("final RSS within {SOAK_DRIFT_PCT} % of post-warm-up RSS"),
                        measured: None,
                        met: None,
                        note: "not enough RSS samples after warm-up".into(),
                    },
                });
            }
        }
        "burst" => {
            if let Some(b) = &s.burst {
                burst_targets(b, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn burst_targets(b: &BurstReport, out: &mut Vec<TargetCheck>) {
    let n = b.expected_deliveries;
    let ok_post = b.post_status.is_some_and(|c| (200..300).contains(&c));
    out.push(TargetCheck {
        target: format!("{n} deliveries queued in < {:.0} s", BURST_QUEUED_MS / 1000.0),
        measured: b.post_ms.map(|ms| {
            format!(
                "POST answered {} after {ms:.0} ms",
                b.post_status.unwrap_or(0)
            )
        }),
        met: b.post_ms.map(|ms| ok_post && ms < BURST_QUEUED_MS),
        note: "the delivery jobs are enqueued in the posting transaction, so all are queued when it answers".into(),
    });
    out.push(TargetCheck {
        target: format!("every one of the {n} inboxes gets the post, signature verified"),
        measured: Some(format!(
            "{} delivered, {} duplicates, {} bad signatures",
            b.delivered, b.duplicate_deliveries, b.sim.bad_signatures
        )),
        met: Some(b.delivered == n as u64 && b.sim.bad_signatures == 0 && !b.drain_timed_out),
        note: if b.drain_timed_out {
            "the drain timed out (--duration)".into()
        } else {
            String::new()
        },
    });
    let measured = b.mean_rate_per_s.map(|r| {
        format!(
            "{r:.0} deliveries/s, drained {:.1} s after the post",
            b.drain_s.unwrap_or(0.0)
        )
    });
    out.push(match b.remote_rate_limit {
        Some(limit) => TargetCheck {
            target: "drained at the rate the simulated remotes allow".into(),
            measured,
            met: b
                .mean_rate_per_s
                .map(|r| r >= BURST_RATE_SHARE * limit),
            note: format!(
                "the remotes accept {limit} deliveries/s; met at {:.0} % of that",
                BURST_RATE_SHARE * 100.0
            ),
        },
        None => TargetCheck {
            target: "drained at the rate the simulated remotes allow".into(),
            measured,
            met: None,
            note: format!(
                "the remotes set no limit (answer 202 after {:.0} ms): this is the server's own delivery rate; pass --remote-rate to test the pacing",
                b.remote_delay_ms
            ),
        },
    });
    let growth = match (b.rss_before_post_mib, b.peak_rss_fanout_mib) {
        (Some(a), Some(p)) if a > 0.0 => Some((a, p, (p - a) / a * 100.0)),
        _ => None,
    };
    out.push(TargetCheck {
        target: format!(
            "RSS flat: peak during the fan-out within {BURST_RSS_GROWTH_PCT} % of the RSS before the post"
        ),
        measured: growth.map(|(a, p, g)| format!("{a:.1} -> peak {p:.1} MiB ({g:+.1} %)")),
        met: growth.map(|(_, _, g)| g <= BURST_RSS_GROWTH_PCT),
        note: b
            .rss_after_drain_mib
            .map(|f| format!("{f:.1} MiB after the drain"))
            .unwrap_or_default(),
    });
}

fn burst_markdown(md: &mut String, b: &BurstReport) {
    let f = &b.follows;
    let o = |v: Option<f64>, unit: &str| opt(v, unit);
    let _ = writeln!(
        md,
        "\n## Burst\n\n- {} followers on {} simulated domains ({}), remotes answer after {:.0} ms{}\n- Follows: {} sent, {} answered 2xx, {} failed in {:.1} s ({:.0}/s); Accepts back at {} inboxes after {:.1} s; followers_count {}{}{}",
        b.remote_followers,
        b.remote_domains,
        if b.shared_inbox { "shared inboxes" } else { "personal inboxes, no sharedInbox" },
        b.remote_delay_ms,
        b.remote_rate_limit.map(|r| format!(", at most {r}/s")).unwrap_or_default(),
        f.sent,
        f.answered_2xx,
        f.failed,
        f.send_seconds,
        f.answered_2xx as f64 / f.send_seconds.max(1e-9),
        b.sim.accepts_distinct,
        f.accepted_seconds,
        f.followers_count.map_or_else(|| "?".to_string(), |n| n.to_string()),
        if f.timed_out { " (TIMED OUT)" } else { "" },
        f.first_error.as_ref().map(|e| format!("; first error: {e}")).unwrap_or_default(),
    );
    let _ = writeln!(
        md,
        "\n| figure | value |\n|---|---|\n| inboxes to reach | {} |\n| POST /api/v1/statuses (queues every delivery) | {} ({}) |\n| first delivery after | {} |\n| 50 % / 90 % / 99 % delivered after | {} / {} / {} |\n| all delivered after (drain) | {}{} |\n| mean rate (first to last) | {} |\n| busiest second | {} |\n| delivered / duplicates / bad signatures | {} / {} / {} |\n| RSS before the post | {} |\n| peak RSS during the fan-out | {} |\n| RSS after the drain | {} |\n| anonymous RSS before / after | {} / {} |\n| server CPU, post to drained | {} ({} per delivery) |\n| actor fetches / inbox requests at the simulated remotes | {} / {} |",
        b.expected_deliveries,
        o(b.post_ms, "ms"),
        b.post_status.map_or_else(|| "no answer".to_string(), |s| s.to_string()),
        o(b.first_delivery_s.map(|s| s * 1000.0), "ms"),
        o(b.p50_delivered_s, "s"),
        o(b.p90_delivered_s, "s"),
        o(b.p99_delivered_s, "s"),
        o(b.drain_s, "s"),
        if b.drain_timed_out { " (TIMED OUT)" } else { "" },
        o(b.mean_rate_per_s, "/s"),
        b.peak_rate_per_s.map_or_else(|| "–".to_string(), |r| format!("{r} deliveries")),
        b.delivered,
        b.duplicate_deliveries,
        b.sim.bad_signatures,
        o(b.rss_before_post_mib, "MiB"),
        o(b.peak_rss_fanout_mib, "MiB"),
        o(b.rss_after_drain_mib, "MiB"),
        o(b.anon_before_post_mib, "MiB"),
        o(b.anon_after_drain_mib, "MiB"),
        o(b.cpu_s_fanout, "s"),
        o(b.cpu_ms_per_delivery, "ms"),
        b.sim.actor_fetches,
        b.sim.inbox_requests,
    );
    if let Some(e) = &b.sim.first_error {
        let _ = writeln!(md, "\nFirst error at a simulated inbox: {e}");
    }
}

fn check_max(target: String, v: Option<f64>, max: f64, unit: &str, note: String) -> TargetCheck {
    TargetCheck {
        target,
        measured: v.map(|v| format!("{v:.1} {unit}")),
        met: v.map(|v| v <= max),
        note: if v.is_none() && note.is_empty() {
            "not measured".into()
        } else {
            note
        },
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "–".to_string(), |v| format!("{v:.1} {unit}"))
}

pub fn markdown(s: &Summary) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# bonsai-bench: `{}`\n", s.scenario);
    let _ = writeln!(md, "- status: **{}**", s.status);
    if let Some(msg) = &s.message {
        let _ = writeln!(md, "- {msg}");
    }
    let _ = writeln!(md, "- started: {}", s.started_at);
    let _ = writeln!(md, "- command: `{}`", s.command);
    let mc = &s.machine;
    let _ = writeln!(
        md,
        "- machine: {} CPU(s), {}, {} MiB RAM, Linux {}",
        mc.cpus, mc.cpu_model, mc.mem_total_mib, mc.kernel
    );
    if let Some(sv) = &s.server {
        let _ = writeln!(
            md,
            "- server: {} {}{}{}",
            sv.url,
            sv.version.as_deref().unwrap_or(""),
            sv.spawned
                .as_ref()
                .map(|b| format!(" (spawned: {b})"))
                .unwrap_or_default(),
            sv.ready_after_s
                .map(|r| format!(", ready after {r:.2} s"))
                .unwrap_or_default()
        );
    }
    if let (Some(o), "idle") = (&s.options, s.scenario.as_str()) {
        let _ = writeln!(md, "- idle period: {:.0} s", o.duration_s);
    } else if let Some(o) = &s.options {
        let _ = writeln!(
            md,
            "- load: {} req/s offered for {:.0} s, at most {} in flight, {} s timeout{}",
            o.rate,
            o.duration_s,
            o.concurrency,
            o.timeout_s,
            o.warmup_s
                .map(|w| format!(", warm-up {w:.0} s"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(md, "- users driving the load: {}", s.users);

    if !s.targets.is_empty() {
        let _ = writeln!(
            md,
            "\n## Targets\n\n| target | measured | met | note |\n|---|---|---|---|"
        );
        for t in &s.targets {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                t.target,
                t.measured.as_deref().unwrap_or("–"),
                met,
                t.note
            );
        }
    }

    let m = &s.memory;
    if m.sampled {
        let _ = writeln!(
            md,
            "\n## Memory and CPU (server)\n\n| figure | value |\n|---|---|"
        );
        for (k, v) in [
            ("RSS after start", opt(m.rss_after_start_mib, "MiB")),
            ("RSS after seeding", opt(m.rss_after_seed_mib, "MiB")),
            ("RSS after idle period", opt(m.rss_after_idle_mib, "MiB")),
            (
                "peak RSS, sampled (whole run)",
                opt(m.peak_rss_sampled_mib, "MiB"),
            ),
            (
                "peak RSS, sampled (workload)",
                opt(m.peak_rss_workload_mib, "MiB"),
            ),
            ("peak RSS, VmHWM", opt(m.hwm_mib, "MiB")),
            ("final RSS", opt(m.final_rss_mib, "MiB")),
            (
                "anonymous RSS after start",
                opt(m.anon_after_start_mib, "MiB"),
            ),
            ("anonymous RSS at the end", opt(m.final_anon_mib, "MiB")),
            ("CPU, whole run", opt(m.cpu_s_total, "s")),
            ("CPU, workload", opt(m.cpu_s_workload, "s")),
            ("bench's own CPU", opt(m.bench_cpu_s, "s")),
        ] {
            if v != "–" {
                let _ = writeln!(md, "| {k} | {v} |");
            }
        }
    } else {
        let _ = writeln!(md, "\n_Memory not sampled: pass `--pid` or `--spawn`._");
    }
    if let Some(t) = &s.trend {
        let _ = writeln!(
            md,
            "\n## RSS trend after warm-up ({:.0} s)\n\n- post-warm-up {:.2} MiB, final {:.2} MiB: {:+.2} %\n- linear fit over {} samples: {:+.3} MiB/hour",
            t.warmup_s, t.post_warmup_rss_mib, t.final_rss_mib, t.change_pct, t.samples, t.slope_mib_per_hour
        );
    }

    if !s.jobs.is_empty() {
        let _ = writeln!(
            md,
            "\n## Job queues (`GET /metrics`, once a second, {})\n\n| queue | samples | lag peak / mean | waiting peak / mean | due peak / mean | failed at the end |\n|---|---:|---:|---:|---:|---:|",
            s.jobs_window.as_deref().unwrap_or("whole run")
        );
        for q in &s.jobs {
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} / {:.2} s | {:.0} / {:.1} | {:.0} / {:.1} | {:.0} |",
                q.queue,
                q.samples,
                q.peak_lag_s,
                q.mean_lag_s,
                q.peak_waiting,
                q.mean_waiting,
                q.peak_due,
                q.mean_due,
                q.final_failed
            );
        }
    }
    if s.jobs.is_empty() {
        if let Some(w) = &s.jobs_window {
            let _ = writeln!(
                md,
                "\n## Job queues (`GET /metrics`, once a second, {w})\n\nNo queue had a job in any sample."
            );
        }
    }
    if let Some(f) = &s.federation {
        crate::fedmix::markdown(&mut md, f);
    }
    if let Some(st) = &s.streams {
        crate::streams::markdown(&mut md, st);
    }
    if let Some(m) = &s.media {
        crate::media::markdown(&mut md, m);
    }

    if let Some(w) = &s.workload {
        let _ = writeln!(
            md,
            "\n## Workload\n\n- {} requests due at {} req/s, {} started (+{} next-page follow-ups), {} not started{}\n- scheduler: max start lag {:.1} ms, {} starts more than 10 ms late, at most {} in flight",
            w.due,
            w.target_rate,
            w.started,
            w.follow_ups,
            w.not_started,
            if w.interrupted { " (interrupted)" } else { "" },
            w.max_start_lag_ms,
            w.starts_late_over_10ms,
            w.max_in_flight
        );
        let mix: Vec<String> = w
            .mix_percent
            .iter()
            .map(|(e, p)| format!("{e} {p} %"))
            .collect();
        let _ = writeln!(md, "- mix: {}", mix.join(", "));
    }
    if let Some(b) = &s.burst {
        burst_markdown(&mut md, b);
    }
    if !s.endpoints.is_empty() {
        let _ = writeln!(
            md,
            "\n## Endpoints\n\n{}\n\n| endpoint | requests | ok/s | p50 | p95 | p99 | max | errors |\n|---|---:|---:|---:|---:|---:|---:|---|",
            if s.burst.is_some() {
                "Latency from sending each request (at most --follow-concurrency Follows in flight), in ms; ok/s over the Follow phase."
            } else {
                "Latency from the time each request was due (open loop), in ms."
            }
        );
        for e in &s.endpoints {
            let errors: Vec<String> = e.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let name = if e.endpoint == "all" {
                "**all**".to_string()
            } else {
                format!("`{}`", e.endpoint)
            };
            let _ = writeln!(
                md,
                "| {name} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                e.requests,
                e.throughput_per_s,
                e.p50_ms,
                e.p95_ms,
                e.p99_ms,
                e.max_ms,
                errors.join(", ")
            );
        }
        let firsts: Vec<String> = s
            .endpoints
            .iter()
            .filter_map(|e| {
                e.first_error
                    .as_ref()
                    .map(|f| format!("- `{}`: {}", e.endpoint, f.replace('\n', " ")))
            })
            .collect();
        if !firsts.is_empty() {
            let _ = writeln!(md, "\nFirst error per endpoint:\n\n{}", firsts.join("\n"));
        }
    }
    if let Some(seed) = &s.seed {
        let _ = writeln!(
            md,
            "\n## Seeding ({}, prefix `{}`, {:.1} s{})\n\n| phase | ok | failed | seconds | first error |\n|---|---:|---:|---:|---|",
            seed.via,
            seed.prefix,
            seed.seconds,
            if seed.timed_out { ", TIMED OUT" } else { "" }
        );
        for (name, p) in &seed.phases {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {:.1} | {} |",
                p.ok,
                p.failed,
                p.seconds,
                p.first_error.as_deref().unwrap_or("")
            );
        }
    }
    if !s.not_available.is_empty() {
        let _ = writeln!(md, "\n## Not available yet\n");
        for n in &s.not_available {
            let _ = writeln!(md, "- {n}");
        }
    }
    md
}

pub fn csv(samples: &[Sample]) -> String {
    let mut out = String::from(
        "t_s,phase,rss_kib,hwm_kib,anon_kib,children_rss_kib,cpu_s,requests,errors,p99_ms,home_p99_ms,deliveries,jobs_waiting,jobs_due,jobs_lag_s\n",
    );
    let o = |v: Option<String>| v.unwrap_or_default();
    for s in samples {
        let _ = writeln!(
            out,
            "{:.3},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            s.t_s,
            s.phase,
            o(s.rss_kib.map(|v| v.to_string())),
            o(s.hwm_kib.map(|v| v.to_string())),
            o(s.anon_kib.map(|v| v.to_string())),
            o(s.children_rss_kib.map(|v| v.to_string())),
            o(s.cpu_s.map(|v| format!("{v:.2}"))),
            s.requests,
            s.errors,
            o(s.p99_ms.map(|v| format!("{v:.3}"))),
            o(s.home_p99_ms.map(|v| format!("{v:.3}"))),
            s.deliveries,
            o(s.jobs_waiting().map(|v| format!("{v:.0}"))),
            o(s.jobs_due().map(|v| format!("{v:.0}"))),
            o(s.jobs_lag_s().map(|v| format!("{v:.3}"))),
        );
    }
    out
}

pub fn write_all(
    dir: &Path,
    summary: &Summary,
    samples: &[Sample],
    svg: Option<String>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let w = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).map_err(|e| format!("{}: {e}", p.display()))
    };
    let json = serde_json::to_string_pretty(summary).map_err(|e| e.to_string())?;
    w("summary.json", &json)?;
    w("summary.md", &markdown(summary))?;
    if !samples.is_empty() {
        w("samples.csv", &csv(samples))?;
    }
    if let Some(svg) = svg {
        w("rss.svg", &svg)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, rss_mib: f64) -> Sample {
        Sample {
            rss_kib: Some((rss_mib * 1024.0) as u64),
            ..Sample::empty(t)
        }
    }

    #[test]
    fn csv_has_job_columns_when_scraped() {
        let mut with = sample(1.0, 10.0);
        with.jobs = Some(vec![
            crate::metrics::QueueSample {
                queue: "delivery".into(),
                waiting: 7.0,
                due: 5.0,
                failed: 0.0,
                lag_s: 0.5,
            },
            crate::metrics::QueueSample {
                queue: "inbox".into(),
                waiting: 2.0,
                due: 1.0,
                failed: 0.0,
                lag_s: 1.25,
            },
        ]);
        let mut idle = sample(2.0, 10.0);
        idle.jobs = Some(Vec::new());
        let text = csv(&[sample(0.0, 10.0), with, idle]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",deliveries,jobs_waiting,jobs_due,jobs_lag_s"));
        assert!(lines[1].ends_with(",0,,,"), "{}", lines[1]);
        assert!(lines[2].ends_with(",0,9,6,1.250"), "{}", lines[2]);
        assert_eq!(lines[2].split(',').count(), lines[0].split(',').count());
        // Scraped with no job anywhere: zeros (not "-0"), unlike "not scraped".
        assert!(lines[3].ends_with(",0,0,0,0.000"), "{}", lines[3]);
    }

    #[test]
    fn flat_and_growing_trends() {
        let flat: Vec<Sample> = (0..100).map(|t| sample(f64::from(t), 20.0)).collect();
        let t = trend(&flat, 10.0, 99.0).expect("trend");
        assert!(t.change_pct.abs() < 0.01);
        assert!(t.slope_mib_per_hour.abs() < 0.01);
        // One MiB every 100 s = 36 MiB/h.
        let growing: Vec<Sample> = (0..100)
            .map(|t| sample(f64::from(t), 20.0 + f64::from(t) / 100.0))
            .collect();
        let t = trend(&growing, 0.0, 99.0).expect("trend");
        assert!(
            (t.slope_mib_per_hour - 36.0).abs() < 0.5,
            "{}",
            t.slope_mib_per_hour
        );
        assert!(t.change_pct > 4.0);
    }
}
