//! Memory and CPU of the server under test, read from /proc (Linux only).

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcSample {
    /// Resident set size, KiB (`VmRSS`).
    pub rss_kib: u64,
    /// Peak resident set size, KiB (`VmHWM`).
    pub hwm_kib: u64,
    /// The anonymous part of RSS (heap, stacks), KiB; the rest is mostly the mapped binary.
    pub anon_kib: u64,
    /// User + system CPU seconds since the process started.
    pub cpu_s: f64,
}

/// Clock ticks per second for /proc/PID/stat. `getconf` avoids an unsafe `sysconf` call; Linux
/// has used 100 on every mainstream architecture for decades.
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn kib_field(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// utime + stime in ticks; the command name may contain spaces and parentheses, so fields are
/// counted from the last `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3 of the man page, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// One process; `None` once it has gone away.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(ProcSample {
        rss_kib: kib_field(&status, "VmRSS:")?,
        hwm_kib: kib_field(&status, "VmHWM:").unwrap_or(0),
        anon_kib: kib_field(&status, "RssAnon:").unwrap_or(0),
        cpu_s: cpu_ticks(&stat)? as f64 / clock_ticks(),
    })
}

/// Several processes summed (a server that runs as several processes, like Mastodon's web,
/// workers and database). Processes that have exited are skipped.
pub fn sample_all(pids: &[u32]) -> Option<ProcSample> {
    let mut total = ProcSample::default();
    let mut any = false;
    for pid in pids {
        if let Some(s) = sample(*pid) {
            any = true;
            total.rss_kib += s.rss_kib;
            total.hwm_kib += s.hwm_kib;
            total.anon_kib += s.anon_kib;
            total.cpu_s += s.cpu_s;
        }
    }
    any.then_some(total)
}

/// Every process below `pids` (children, grandchildren…), from
/// `/proc/PID/task/TID/children`.
pub fn descendants(pids: &[u32]) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = pids.to_vec();
    // A bound against a runaway fork loop in the server under test.
    while let Some(pid) = todo.pop().filter(|_| found.len() < 4096) {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                found.push(child);
                todo.push(child);
            }
        }
    }
    found
}

/// RSS of every process below `pids`, summed (0 when there are none).
pub fn descendants_rss_kib(pids: &[u32]) -> u64 {
    descendants(pids)
        .iter()
        .filter_map(|p| sample(*p))
        .map(|s| s.rss_kib)
        .sum()
}

pub fn self_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    Some(cpu_ticks(&stat)? as f64 / clock_ticks())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub mem_total_mib: u64,
    pub kernel: String,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|r| r.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_total_mib = kib_field(&meminfo, "MemTotal:").unwrap_or(0) / 1024;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    Machine {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
        mem_total_mib,
        kernel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_stat() {
        let status = "Name:\tbonsai\nVmHWM:\t   15000 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(kib_field(status, "VmRSS:"), Some(12345));
        assert_eq!(kib_field(status, "VmHWM:"), Some(15000));
        let stat = "42 (we ird) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(stat), Some(300));
    }

    #[test]
    fn finds_a_child_and_its_memory() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let me = std::process::id();
        assert!(descendants(&[me]).contains(&child.id()));
        assert!(descendants_rss_kib(&[me]) > 0);
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn samples_itself() {
        let s = sample(std::process::id()).expect("own /proc entry");
        assert!(s.rss_kib > 0);
    }
}
