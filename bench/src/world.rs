//! What the workload acts on: signed-in users and statuses it may interact with.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;

use serde_json::Value;

use crate::http::Client;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub token: String,
}

/// Statuses the workload favourites, boosts and replies to: seeded ones first, then ones it
/// posts or sees; bounded so a long soak does not grow the bench.
pub struct StatusPool {
    ids: Mutex<VecDeque<String>>,
    cap: usize,
}

impl StatusPool {
    pub fn new(cap: usize, initial: Vec<String>) -> Self {
        let mut ids: VecDeque<String> = initial.into();
        while ids.len() > cap {
            ids.pop_front();
        }
        StatusPool {
            ids: Mutex::new(ids),
            cap,
        }
    }

    pub fn push(&self, id: String) {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        if ids.len() >= self.cap {
            ids.pop_front();
        }
        ids.push_back(id);
    }

    pub fn pick(&self, r: usize) -> Option<String> {
        let ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        if ids.is_empty() {
            return None;
        }
        ids.get(r % ids.len()).cloned()
    }

    pub fn len(&self) -> usize {
        self.ids.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

pub struct World {
    pub users: Vec<User>,
    pub statuses: StatusPool,
}

/// Statuses others may interact with: public or unlisted originals (not boosts).
pub fn interactable_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter(|s| s.get("reblog").is_none_or(Value::is_null))
                .filter(|s| {
                    matches!(
                        s.get("visibility").and_then(Value::as_str),
                        Some("public" | "unlisted")
                    )
                })
                .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn read_tokens(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let tokens: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if tokens.is_empty() {
        return Err(format!(
            "{}: no tokens (one access token a line)",
            path.display()
        ));
    }
    Ok(tokens)
}

pub fn write_tokens(path: &Path, users: &[User]) -> Result<(), String> {
    let mut text = String::from("# access tokens written by bonsai-bench seed, one a line\n");
    for u in users {
        text.push_str(&u.token);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Who each token belongs to, and some statuses from the local timeline, for a server seeded
/// earlier (or by other means).
pub async fn discover(client: &Client, tokens: Vec<String>) -> Result<World, String> {
    let mut users = Vec::new();
    for token in tokens {
        let res = client
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .map_err(|e| format!("verify_credentials: {e}"))?;
        let v = res.json().filter(|_| res.ok()).ok_or_else(|| {
            format!(
                "verify_credentials answered {}: {}",
                res.status,
                res.body_snippet()
            )
        })?;
        let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        users.push(User {
            id: field("id").ok_or("verify_credentials: no id")?,
            username: field("username").unwrap_or_default(),
            token,
        });
    }
    let mut ids = Vec::new();
    let mut path = "/api/v1/timelines/public?local=true&limit=40".to_string();
    let token = users.first().map(|u| u.token.clone());
    for _ in 0..25 {
        let Ok(res) = client.get(&path, token.as_deref()).await else {
            break;
        };
        let Some(list) = res.json().filter(|_| res.ok()) else {
            break;
        };
        let found = interactable_ids(&list);
        if found.is_empty() {
            break;
        }
        ids.extend(found);
        match res.link_next().and_then(|l| client.origin().path_of(&l)) {
            Some(next) => path = next,
            None => break,
        }
    }
    ids.reverse();
    Ok(World {
        users,
        statuses: StatusPool::new(4096, ids),
    })
}
