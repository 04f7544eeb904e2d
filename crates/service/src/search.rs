//! `GET /api/v2/search` over what this instance knows. Status full-text search needs an index
//! that does not exist yet; like Mastodon without Elasticsearch, statuses are found by URL.

use bonsai_core::model::{Account, Tag};
use bonsai_db::{statuses, tags};

use crate::error::{DbResultExt, Result};
use crate::federation::Resolved;
use crate::oauth::Viewer;
use crate::views::{AccountView, StatusView};
use crate::Services;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchType {
    Accounts,
    Statuses,
    Hashtags,
}

pub struct SearchResults {
    pub accounts: Vec<AccountView>,
    pub statuses: Vec<StatusView>,
    pub hashtags: Vec<Tag>,
}

impl Services {
    pub async fn search(
        &self,
        viewer: Option<&Viewer>,
        q: &str,
        only: Option<SearchType>,
        resolve: bool,
        limit: i64,
        offset: i64,
    ) -> Result<SearchResults> {
        if let Some(v) = viewer {
            v.require("read:search")?;
        }
        let vid = viewer.and_then(Viewer::account_id);
        let q = q.trim();
        let wants = |t| only.is_none_or(|o| o == t);
        let mut out = SearchResults {
            accounts: Vec::new(),
            statuses: Vec::new(),
            hashtags: Vec::new(),
        };
        if q.is_empty() {
            return Ok(out);
        }
        // A URL names one post or one actor, known here or (with `resolve`, signed in)
        // fetched from its server: the answer is that alone, as in Mastodon.
        if q.starts_with("https://") || q.starts_with("http://") {
            let signed_in = viewer.is_some_and(|v| v.account.is_some());
            let found = if resolve && signed_in {
                self.resolve_url(q).await.ok()
            } else {
                self.known_url(q).await?
            };
            match found {
                Some(Resolved::Account(a)) if wants(SearchType::Accounts) => {
                    out.accounts = self.account_views(vec![a]).await?;
                }
                Some(Resolved::Status(s))
                    if wants(SearchType::Statuses) && self.can_see(vid, &s).await? =>
                {
                    out.statuses = vec![self.status_view(s, vid).await?];
                }
                _ => {}
            }
            return Ok(out);
        }
        if wants(SearchType::Accounts) {
            // `@user@remote.host` with `resolve`: ask that server (signed-in users only).
            if resolve && viewer.is_some_and(|v| v.account.is_some()) {
                if let Some((user, host)) = q.trim_start_matches('@').split_once('@') {
                    if !host.eq_ignore_ascii_case(&self.config().domain) && !user.is_empty() {
                        if let Ok(a) = self.resolve_acct(user, &host.to_lowercase()).await {
                            out.accounts = self.account_views(vec![a]).await?;
                            return Ok(out);
                        }
                    }
                }
            }
            let found: Vec<Account> = match self.lookup(q).await {
                // An exact `user@domain` answers with that account alone.
                Ok(a) if q.trim_start_matches('@').contains('@') => vec![a],
                _ => self.search_accounts(q, limit, offset).await?,
            };
            out.accounts = self.account_views(found).await?;
        }
        if wants(SearchType::Hashtags) {
            let name = q.trim_start_matches('#');
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                out.hashtags = tags::search(self.db().reader(), name, limit, offset)
                    .await
                    .or_internal()?;
            }
        }
        Ok(out)
    }

    /// Several statuses at once (`GET /api/v1/statuses?id[]=`), in the order asked, leaving
    /// out those that don't exist or can't be seen.
    pub async fn statuses_by_ids(
        &self,
        viewer: Option<&Viewer>,
        ids: &[i64],
    ) -> Result<Vec<StatusView>> {
        if let Some(v) = viewer {
            v.require("read:statuses")?;
        }
        let vid = viewer.and_then(Viewer::account_id);
        let found = statuses::find_many(self.db().reader(), ids)
            .await
            .or_internal()?;
        let mut visible = Vec::new();
        for id in ids {
            if let Some(s) = found.iter().find(|s| s.id == *id) {
                if !visible
                    .iter()
                    .any(|v: &bonsai_core::model::Status| v.id == s.id)
                    && self.can_see(vid, s).await?
                {
                    visible.push(s.clone());
                }
            }
        }
        self.status_views(visible, vid).await
    }
}
