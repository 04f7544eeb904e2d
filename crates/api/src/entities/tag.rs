use serde::Serialize;

use bonsai_core::model;

/// Mastodon's Tag entity (search results, tag pages).
#[derive(Debug, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
    pub history: Vec<serde_json::Value>,
}

impl Tag {
    pub fn new(t: &model::Tag, base_url: &str) -> Self {
        Self {
            name: t.display_name.clone(),
            url: format!("{base_url}/tags/{}", t.name),
            history: Vec::new(),
        }
    }
}
