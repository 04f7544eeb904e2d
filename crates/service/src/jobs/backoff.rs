use std::time::Duration;

/// Sidekiq's schedule, which Mastodon's deliveries follow: attempt⁴ + 15 s plus up to
/// 30 × (attempt + 1) s of jitter. Deterministic per job (seeded by its id) so tests can
/// reason about it and retries of many jobs still spread out.
pub fn retry_delay(attempts: i64, seed: i64) -> Duration {
    let n = attempts.clamp(1, 25) as u64;
    let jitter = (seed.unsigned_abs().wrapping_mul(2_654_435_761) >> 7) % 30 * (n + 1);
    Duration::from_secs(n.pow(4) + 15 + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_days() {
        assert!(retry_delay(1, 1) >= Duration::from_secs(16));
        assert!(retry_delay(1, 1) <= Duration::from_secs(16 + 60));
        let total: u64 = (1..=16).map(|n| retry_delay(n, 7).as_secs()).sum();
        // Sixteen attempts span a few days, as in Mastodon.
        assert!(total > 2 * 86_400 && total < 6 * 86_400, "{total}");
        assert_ne!(
            retry_delay(3, 1),
            retry_delay(3, 2),
            "jitter spreads jobs out"
        );
    }
}
