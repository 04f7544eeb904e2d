//! Turns what a local user typed into stored HTML, resolving mentions against our accounts.

use std::collections::HashMap;

use bonsai_core::model::Account;
use bonsai_core::text::{
    extract_hashtags, extract_mentions, render_plain_text, FormatOptions, MentionRef,
    ResolvedMention,
};
use bonsai_db::accounts;

use crate::error::{DbResultExt, Result};
use crate::Services;

/// Upper bound on mentions resolved per text, so a post can't make us run hundreds of queries.
const MAX_MENTIONS: usize = 50;

pub(crate) struct Rendered {
    pub html: String,
    /// Accounts mentioned and found, de-duplicated.
    pub mentions: Vec<Account>,
    /// Hashtags as written, de-duplicated case-insensitively.
    pub tags: Vec<String>,
}

impl Services {
    pub(crate) async fn render_text(&self, text: &str) -> Result<Rendered> {
        let own_domain = self.config().domain.to_lowercase();
        let mut found: HashMap<String, Account> = HashMap::new();
        for m in extract_mentions(text).into_iter().take(MAX_MENTIONS) {
            let key = mention_key(&m);
            if found.contains_key(&key) {
                continue;
            }
            let domain = m
                .domain
                .as_deref()
                .map(str::to_lowercase)
                .filter(|d| *d != own_domain);
            // Remote accounts resolve once federation can fetch them; until then only
            // accounts we already know are linked.
            if let Some(a) =
                accounts::find_by_username(self.db().reader(), &m.username, domain.as_deref())
                    .await
                    .or_internal()?
            {
                found.insert(key, a);
            }
        }
        let base = self.config().base_url();
        let html = render_plain_text(
            text,
            &FormatOptions { base_url: &base },
            &|m: &MentionRef| {
                found.get(&mention_key(m)).map(|a| ResolvedMention {
                    url: a.url.clone(),
                    display_username: a.username.clone(),
                })
            },
        );
        let mut mentions: Vec<Account> = Vec::new();
        for a in found.into_values() {
            if !mentions.iter().any(|x| x.id == a.id) {
                mentions.push(a);
            }
        }
        mentions.sort_by_key(|a| a.id);
        Ok(Rendered {
            html,
            mentions,
            tags: extract_hashtags(text),
        })
    }
}

fn mention_key(m: &MentionRef) -> String {
    match &m.domain {
        Some(d) => format!("{}@{}", m.username.to_lowercase(), d.to_lowercase()),
        None => m.username.to_lowercase(),
    }
}
