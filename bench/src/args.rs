//! Command-line interface.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "bonsai-bench",
    version,
    about = "Workload benchmark and memory soak for Bonsai and other Mastodon-API servers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a scenario; writes summary.json, summary.md, samples.csv and rss.svg to --out.
    Run(Box<RunArgs>),
    /// Seed a running server through open registration and write the users' access tokens,
    /// for later runs with --token-file.
    Seed(SeedCmdArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// RSS right after start and after an idle period (default 5 minutes).
    Idle,
    /// The 100-user mix at a realistic rate (default 50 req/s for 60 s).
    SmallInstance,
    /// The same mix, faster and longer (default 150 req/s for 1 h); reports the RSS trend.
    Soak,
    /// A post from an account with 10k followers on simulated remote servers: fan-out delivery.
    Burst,
    /// Concurrent photo and video uploads (default 2 + 2 uploaders for 2 min) while the mix
    /// reads timelines at 20 req/s.
    Media,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Idle => "idle",
            Scenario::SmallInstance => "small-instance",
            Scenario::Soak => "soak",
            Scenario::Burst => "burst",
            Scenario::Media => "media",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeedVia {
    /// Admin CLI when the bench spawned the server, registration otherwise; none for idle.
    Auto,
    /// `bonsai admin account create` (needs --spawn).
    Admin,
    /// Open registration through POST /api/v1/accounts.
    Registration,
    /// No seeding (use --token-file for the workload's users).
    None,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration like 90s, 5m or 2h"))?;
    let secs = match unit.trim() {
        "" | "s" => v,
        "ms" => v / 1000.0,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        other => return Err(format!("{s:?}: unknown unit {other:?} (use ms, s, m or h)")),
    };
    if !secs.is_finite() || !(0.0..=30.0 * 86_400.0).contains(&secs) {
        return Err(format!("{s:?}: out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(Args, Clone)]
pub struct SeedArgs {
    /// Local users to create.
    #[arg(long, default_value_t = 100)]
    pub users: usize,
    /// Accounts each user follows.
    #[arg(long, default_value_t = 20)]
    pub follows: usize,
    /// Statuses to post while seeding.
    #[arg(long, default_value_t = 3000)]
    pub posts: usize,
    /// Every n-th user is locked and accepts its follow requests (0: none).
    #[arg(long, default_value_t = 10)]
    pub locked_every: usize,
    /// Requests in flight while seeding.
    #[arg(long, default_value_t = 8)]
    pub seed_concurrency: usize,
    /// Upper bound on the whole seeding step.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub seed_timeout: Duration,
}

#[derive(Args)]
pub struct RunArgs {
    #[arg(long, value_enum)]
    pub scenario: Scenario,
    /// Base URL of the server under test (http only). With --spawn it picks the port.
    #[arg(long)]
    pub url: Option<String>,
    /// Allow a URL that is not loopback (never point this at someone else's server).
    #[arg(long)]
    pub allow_remote: bool,
    /// How long to run the workload (or stay idle). Defaults: idle 5m, small-instance 60s,
    /// soak 1h.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Server process(es) to sample; several are summed (e.g. web + workers + database).
    #[arg(long)]
    pub pid: Vec<u32>,
    /// Start this Bonsai binary with a fresh data directory and sample it.
    #[arg(long, value_name = "PATH_TO_BONSAI")]
    pub spawn: Option<PathBuf>,
    /// Extra KEY=VALUE environment for the spawned server (e.g. BONSAI_DATABASE_URL=postgres://…).
    #[arg(long, value_name = "KEY=VALUE")]
    pub server_env: Vec<String>,
    /// Keep the spawned server's data directory.
    #[arg(long)]
    pub keep_data: bool,
    /// Access tokens (one a line) of existing users; skips seeding.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// How to seed users, follows and posts.
    #[arg(long, value_enum, default_value_t = SeedVia::Auto)]
    pub seed_via: SeedVia,
    #[command(flatten)]
    pub seeding: SeedArgs,
    /// Offered load in requests per second (default 50; soak 150).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Most requests in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Per-request timeout.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Soak: time before the RSS trend is measured (default 10 % of the duration, 60 s to 10 m).
    #[arg(long, value_parser = parse_duration)]
    pub warmup: Option<Duration>,
    /// Seed of the workload's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (default bench/results/<scenario>-<UTC time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub burst: BurstArgs,
    #[command(flatten)]
    pub federation: FederationArgs,
    /// small-instance / soak: WebSocket streaming connections held open during the workload,
    /// one per user (the `user` stream), as apps keep them; 0 for none.
    #[arg(long, default_value_t = 100)]
    pub streams: usize,
    /// Every n-th streaming connection also subscribes to `public:local` (0: none).
    #[arg(long, default_value_t = 4)]
    pub stream_public_every: usize,
    #[command(flatten)]
    pub media: MediaArgs,
}

/// The `media` scenario's uploaders.
#[derive(Args, Clone)]
pub struct MediaArgs {
    /// Media: people uploading photos at the same time, each one after the other.
    #[arg(long, default_value_t = 2)]
    pub image_uploaders: usize,
    /// Media: people uploading videos at the same time.
    #[arg(long, default_value_t = 2)]
    pub video_uploaders: usize,
    /// Media: the photo to upload (default: a 12-megapixel JPEG made with ffmpeg).
    #[arg(long)]
    pub media_image: Option<PathBuf>,
    /// Media: the video to upload (default: 15 s of 1080p30 HEVC + AAC in a .mov, made with ffmpeg).
    #[arg(long)]
    pub media_video: Option<PathBuf>,
    /// Media: where the made files are kept between runs.
    #[arg(long, default_value = "bench/results/media-inputs")]
    pub media_inputs: PathBuf,
    /// Media: upper bound on one upload and its processing.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub media_deadline: Duration,
}

/// Federation traffic in the `small-instance` / `soak` mix, with simulated remote servers.
#[derive(Args, Clone)]
pub struct FederationArgs {
    /// small-instance / soak: leave federation out (no simulated remote servers, no inbox
    /// deliveries in the mix, no remote followers).
    #[arg(long)]
    pub no_federation: bool,
    /// Simulated remote accounts, spread over --remote-domains (default 20 here).
    #[arg(long, default_value_t = 200)]
    pub remote_accounts: usize,
    /// Local users each simulated account follows (so local posts are delivered to it).
    #[arg(long, default_value_t = 5)]
    pub remote_follows: usize,
    /// Simulated accounts each local user follows (found through WebFinger).
    #[arg(long, default_value_t = 3)]
    pub follows_remote: usize,
    /// Percent of the scheduled requests that are signed deliveries from simulated accounts
    /// to the server's inbox (Create 50 %, Like 30 %, Announce 20 %).
    #[arg(long, default_value_t = 10.0)]
    pub inbox_share: f64,
}

/// The `burst` scenario's simulated remote servers (its --duration bounds the drain, default 10m).
#[derive(Args, Clone)]
pub struct BurstArgs {
    /// Burst: followers on simulated remote servers.
    #[arg(long, default_value_t = 10_000)]
    pub followers: usize,
    /// Simulated remote domains the accounts are spread over (d0.sim, d1.sim, …; 1 to 2000).
    /// Default: burst 100, small-instance and soak 20.
    #[arg(long)]
    pub remote_domains: Option<usize>,
    /// Burst: the simulated actors advertise a per-domain sharedInbox (one delivery per domain
    /// instead of one per follower).
    #[arg(long)]
    pub shared_inbox: bool,
    /// Burst and the federation mix: time each simulated inbox takes to answer.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub remote_delay: Duration,
    /// Burst and the federation mix: most deliveries the simulated remotes accept per second,
    /// all together (paced).
    #[arg(long)]
    pub remote_rate: Option<f64>,
    /// Burst: signed Follows in flight at once (the mix's seeding uses --seed-concurrency).
    #[arg(long, default_value_t = 16)]
    pub follow_concurrency: usize,
    /// Burst: upper bound on sending the Follows and receiving their Accepts.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub follow_timeout: Duration,
    /// Burst: quiet time before the post (RSS baseline) and after the drain.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub settle: Duration,
}

#[derive(Args)]
pub struct SeedCmdArgs {
    /// Base URL of the server (http only).
    #[arg(long)]
    pub url: String,
    #[arg(long)]
    pub allow_remote: bool,
    /// Where to write the access tokens, one a line.
    #[arg(long)]
    pub token_file: PathBuf,
    #[command(flatten)]
    pub seeding: SeedArgs,
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
