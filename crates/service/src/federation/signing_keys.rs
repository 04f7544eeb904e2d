//! Decoded private keys of local senders. Parsing a PEM key also validates it (RSA_check_key),
//! which cost about a fifth of a delivery's CPU when every delivery job decoded its sender's
//! key afresh (profiled on a 10,000-inbox fan-out); one sender's fan-out now decodes it once.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use std::time::SystemTime;

use bonsai_federation::signatures::{self, SigningKey};

/// Signs one outgoing request (called again for each redirect hop, since the signature
/// covers the target): what `Request::signed_with` takes.
pub(crate) type Signer = Box<
    dyn Fn(&http::Method, &http::Uri, &mut http::HeaderMap, Option<&[u8]>) -> Result<(), String>
        + Send
        + Sync,
>;

/// A signer with `key`, published as `key_id` (draft-cavage, as Mastodon signs).
pub(crate) fn signer(key_id: String, key: Arc<SigningKey>) -> Signer {
    Box::new(move |m, u, h, b| {
        signatures::sign_request_with(m, u, h, b, &key_id, &key, SystemTime::now())
            .map_err(|e| e.to_string())
    })
}

/// At most this many keys are kept (a few KiB each); the cache starts over when full.
const CAPACITY: usize = 64;

#[derive(Default)]
pub(crate) struct SigningKeyCache {
    /// Account id -> (hash of the PEM it was decoded from, the key).
    keys: Mutex<HashMap<i64, (u64, Arc<SigningKey>)>>,
}

fn pem_hash(pem: &str) -> u64 {
    let mut h = DefaultHasher::new();
    pem.hash(&mut h);
    h.finish()
}

impl SigningKeyCache {
    /// `account_id`'s key decoded from `pem`: cached unless the PEM changed; `None` if it
    /// doesn't decode.
    pub(crate) fn get(&self, account_id: i64, pem: &str) -> Option<Arc<SigningKey>> {
        let hash = pem_hash(pem);
        if let Ok(keys) = self.keys.lock() {
            if let Some((h, key)) = keys.get(&account_id) {
                if *h == hash {
                    return Some(key.clone());
                }
            }
        }
        // Decoded outside the lock: it is the slow part.
        let key = Arc::new(SigningKey::from_pem(pem).ok()?);
        if let Ok(mut keys) = self.keys.lock() {
            if keys.len() >= CAPACITY {
                keys.clear();
            }
            keys.insert(account_id, (hash, key.clone()));
        }
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_reused_replaced_when_the_pem_changes_and_bounded() {
        let cache = SigningKeyCache::default();
        let a = bonsai_federation::keys::generate_rsa_2048().expect("key");
        let b = bonsai_federation::keys::generate_rsa_2048().expect("key");
        let first = cache.get(1, &a.private_pem).expect("decodes");
        let again = cache.get(1, &a.private_pem).expect("decodes");
        assert!(Arc::ptr_eq(&first, &again), "decoded once");
        let rotated = cache.get(1, &b.private_pem).expect("decodes");
        assert!(!Arc::ptr_eq(&first, &rotated), "a new PEM is decoded anew");
        assert!(cache.get(2, "not a key").is_none());
        for id in 0..(CAPACITY as i64 * 2) {
            cache.get(id, &a.private_pem);
        }
        assert!(cache.keys.lock().expect("lock").len() <= CAPACITY);
    }
}
