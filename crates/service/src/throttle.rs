//! Fixed-window request throttling with bounded memory, for the limits Mastodon enforces
//! with Rack::Attack: sign-in and sign-up attempts per address, API calls per token or
//! address. The table never grows past `MAX_KEYS`; when full of live windows, new keys are
//! let through untracked rather than growing memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// ~150 bytes a key: the table stays under ~1.5 MB whatever the traffic.
const MAX_KEYS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Password checks: the sign-in form and the password grant.
    SignIn,
    /// Account registrations.
    SignUp,
    /// Any API call with a token.
    Authenticated,
    /// Any API call without one.
    Anonymous,
}

impl Bucket {
    /// Mastodon's numbers (config/initializers/rack_attack.rb).
    pub fn rule(self) -> (u32, Duration) {
        let five_min = Duration::from_secs(300);
        match self {
            Bucket::SignIn => (25, five_min),
            Bucket::SignUp => (25, five_min),
            Bucket::Authenticated => (1500, five_min),
            Bucket::Anonymous => (300, five_min),
        }
    }
}

/// The outcome of one check, with what `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Until the window resets.
    pub reset_in: Duration,
}

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
pub struct Throttle {
    windows: Mutex<HashMap<(Bucket, String), Window>>,
}

impl Throttle {
    pub fn check(&self, bucket: Bucket, key: &str) -> Verdict {
        self.check_at(bucket, key, Instant::now())
    }

    fn check_at(&self, bucket: Bucket, key: &str, now: Instant) -> Verdict {
        let (limit, period) = bucket.rule();
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock only means another thread panicked mid-update; don't block traffic.
            return Verdict {
                allowed: true,
                limit,
                remaining: limit,
                reset_in: period,
            };
        };
        let map_key = (bucket, key.to_string());
        if !windows.contains_key(&map_key) && windows.len() >= MAX_KEYS {
            windows.retain(|(b, _), w| now.duration_since(w.started) < b.rule().1);
            if windows.len() >= MAX_KEYS {
                return Verdict {
                    allowed: true,
                    limit,
                    remaining: 0,
                    reset_in: period,
                };
            }
        }
        let w = windows.entry(map_key).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= period {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
        Verdict {
            allowed: w.count <= limit,
            limit,
            remaining: limit.saturating_sub(w.count),
            reset_in: period.saturating_sub(now.duration_since(w.started)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_limits_and_resets() {
        let t = Throttle::default();
        let start = Instant::now();
        for i in 0..25 {
            let v = t.check_at(Bucket::SignIn, "1.2.3.4", start);
            assert!(v.allowed, "attempt {i}");
        }
        let v = t.check_at(Bucket::SignIn, "1.2.3.4", start);
        assert!(!v.allowed);
        assert_eq!(v.remaining, 0);
        // Other keys and buckets are independent.
        assert!(t.check_at(Bucket::SignIn, "5.6.7.8", start).allowed);
        assert!(t.check_at(Bucket::SignUp, "1.2.3.4", start).allowed);
        // A new window after the period.
        let later = start + Duration::from_secs(301);
        assert!(t.check_at(Bucket::SignIn, "1.2.3.4", later).allowed);
    }
}
