//! What `/metrics` reports: the job queues (depth and lag) and the process itself (memory,
//! CPU, threads), read from the database and `/proc/self`. Rendering is `api`'s.

use bonsai_core::timestamp::Timestamp;
pub use bonsai_db::jobs::QueueStats;

use crate::error::Result;
use crate::Services;

/// Linux's USER_HZ: the unit of CPU times in `/proc/self/stat` (100 on every mainstream
/// architecture; reading it properly needs `sysconf`, i.e. unsafe code).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Default)]
pub struct ProcessStats {
    pub resident_bytes: Option<u64>,
    pub cpu_seconds: Option<f64>,
    pub threads: Option<u64>,
    /// Unix time the process started, in seconds.
    pub start_time_seconds: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Metrics {
    pub queues: Vec<QueueStats>,
    pub now: Timestamp,
    pub process: ProcessStats,
}

impl Services {
    pub async fn metrics(&self) -> Result<Metrics> {
        Ok(Metrics {
            queues: self.job_stats().await?,
            now: Timestamp::now(),
            process: process_stats(),
        })
    }
}

/// `/proc/self`, or nothing where there is no procfs.
pub fn process_stats() -> ProcessStats {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces, so split after its `)`).
    let after_comm: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| after_comm.get(i).and_then(|v| v.parse::<u64>().ok());
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after `comm`.
    let cpu_seconds = match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => Some((u + s) as f64 / TICKS_PER_SECOND),
        _ => None,
    };
    let boot_time = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<u64>().ok())
    });
    let start_time_seconds = match (boot_time, ticks(19)) {
        (Some(boot), Some(start)) => Some(boot as f64 + start as f64 / TICKS_PER_SECOND),
        _ => None,
    };
    ProcessStats {
        resident_bytes: field("VmRSS:").map(|kib| kib * 1024),
        cpu_seconds,
        threads: field("Threads:"),
        start_time_seconds,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_memory_threads_and_a_start() {
        let p = super::process_stats();
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(p.resident_bytes.is_some_and(|b| b > 1024 * 1024), "{p:?}");
            assert!(p.threads.is_some_and(|t| t >= 1));
            assert!(p.cpu_seconds.is_some());
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            let started = p.start_time_seconds.unwrap_or(0.0);
            assert!(
                started > now - 3600.0 && started <= now + 1.0,
                "{started} vs {now}"
            );
        }
    }
}
