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
    /// Follows need approval (no simulated remote follows it: they would stay requests).
    pub locked: bool,
}

/// A public or unlisted post of a local user, as other servers know it: what simulated
/// remotes reply to, favourite and boost.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalPost {
    /// ActivityPub id (`uri` of the status entity).
    pub uri: String,
    /// Index of its author in `World::users`.
    pub author: usize,
}

/// Statuses the workload favourites, boosts and replies to: seeded ones first, then ones it
/// posts or sees; bounded so a long soak does not grow the bench.
pub struct StatusPool<T = String> {
    ids: Mutex<VecDeque<T>>,
    cap: usize,
}

impl<T: Clone> StatusPool<T> {
    pub fn new(cap: usize, initial: Vec<T>) -> Self {
        let mut ids: VecDeque<T> = initial.into();
        while ids.len() > cap {
            ids.pop_front();
        }
        StatusPool {
            ids: Mutex::new(ids),
            cap,
        }
    }

    pub fn push(&self, id: T) {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        if ids.len() >= self.cap {
            ids.pop_front();
        }
        ids.push_back(id);
    }

    pub fn pick(&self, r: usize) -> Option<T> {
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
    pub local_posts: StatusPool<LocalPost>,
}

impl World {
    pub fn new(users: Vec<User>, statuses: Vec<String>, local_posts: Vec<LocalPost>) -> World {
        World {
            users,
            statuses: StatusPool::new(4096, statuses),
            local_posts: StatusPool::new(4096, local_posts),
        }
    }
}

/// The public or unlisted local posts of `users` in a list of status entities.
pub fn local_posts(list: &Value, users: &[User]) -> Vec<LocalPost> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|s| s.get("reblog").is_none_or(Value::is_null))
        .filter(|s| {
            matches!(
                s.get("visibility").and_then(Value::as_str),
                Some("public" | "unlisted")
            )
        })
        .filter_map(|s| {
            let uri = s.get("uri").and_then(Value::as_str)?;
            let account = s.get("account")?.get("id").and_then(Value::as_str)?;
            let author = users.iter().position(|u| u.id == account)?;
            Some(LocalPost {
                uri: uri.to_string(),
                author,
            })
        })
        .collect()
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
            locked: v.get("locked").and_then(Value::as_bool).unwrap_or(false),
        });
    }
    let mut ids = Vec::new();
    let mut posts = Vec::new();
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
        posts.extend(local_posts(&list, &users));
        match res.link_next().and_then(|l| client.origin().path_of(&l)) {
            Some(next) => path = next,
            None => break,
        }
    }
    ids.reverse();
    posts.reverse();
    Ok(World::new(users, ids, posts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_posts_are_public_originals_of_known_users() {
        let user = |id: &str| User {
            id: id.into(),
            username: format!("u{id}"),
            token: String::new(),
            locked: false,
        };
        let users = vec![user("1"), user("2")];
        let list = serde_json::json!([
            {"id": "10", "uri": "http://x/users/u2/statuses/10", "visibility": "public", "account": {"id": "2"}},
            {"id": "11", "uri": "http://x/users/u1/statuses/11", "visibility": "private", "account": {"id": "1"}},
            {"id": "12", "uri": "http://x/users/u9/statuses/12", "visibility": "public", "account": {"id": "9"}},
            {"id": "13", "uri": "http://x/users/u1/statuses/13", "visibility": "unlisted", "account": {"id": "1"},
             "reblog": {"id": "10"}},
            {"id": "14", "uri": "http://x/users/u1/statuses/14", "visibility": "unlisted", "account": {"id": "1"}}
        ]);
        assert_eq!(
            local_posts(&list, &users),
            vec![
                LocalPost {
                    uri: "http://x/users/u2/statuses/10".into(),
                    author: 1
                },
                LocalPost {
                    uri: "http://x/users/u1/statuses/14".into(),
                    author: 0
                },
            ]
        );
    }
}
