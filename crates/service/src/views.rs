//! Statuses with everything their Mastodon entity needs, loaded in a few batched queries
//! rather than one per status.

use std::collections::HashMap;

use bonsai_core::model::{Account, App, Status, Tag};
use bonsai_db::{accounts, favourites, oauth, statuses, tags};

use crate::error::{DbResultExt, Result};
use crate::Services;

#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Status,
    pub account: Account,
    pub mentions: Vec<Account>,
    pub tags: Vec<Tag>,
    pub reblog: Option<Box<StatusView>>,
    pub application: Option<App>,
    /// Only known (and only shown) for the viewer's own statuses.
    pub pinned: Option<bool>,
    /// Whether the viewer has favourited / boosted it (false for anonymous viewers).
    pub favourited: bool,
    pub reblogged: bool,
}

impl Services {
    pub async fn status_view(&self, status: Status, viewer: Option<i64>) -> Result<StatusView> {
        let mut v = self.status_views(vec![status], viewer).await?;
        v.pop().ok_or_else(crate::Error::internal)
    }

    /// Views in the order given. Statuses whose author is missing are dropped.
    pub async fn status_views(
        &self,
        list: Vec<Status>,
        viewer: Option<i64>,
    ) -> Result<Vec<StatusView>> {
        let db = self.db().reader();
        let reblog_ids: Vec<i64> = list.iter().filter_map(|s| s.reblog_of_id).collect();
        let originals = statuses::find_many(db, &reblog_ids).await.or_internal()?;
        let all: Vec<&Status> = list.iter().chain(originals.iter()).collect();
        let ids: Vec<i64> = all.iter().map(|s| s.id).collect();

        let mentions = statuses::mentions_of(db, &ids).await.or_internal()?;
        let mut account_ids: Vec<i64> = all.iter().map(|s| s.account_id).collect();
        account_ids.extend(mentions.iter().map(|m| m.account_id));
        account_ids.sort_unstable();
        account_ids.dedup();
        let accounts: HashMap<i64, Account> = accounts::find_many(db, &account_ids)
            .await
            .or_internal()?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let mut tags_by_status: HashMap<i64, Vec<Tag>> = HashMap::new();
        for (sid, tag) in tags::of_statuses(db, &ids).await.or_internal()? {
            tags_by_status.entry(sid).or_default().push(tag);
        }
        let own: Vec<i64> = all
            .iter()
            .filter(|s| Some(s.account_id) == viewer)
            .map(|s| s.id)
            .collect();
        let pinned = statuses::pinned_among(db, &own).await.or_internal()?;
        let (faved, boosted) = match viewer {
            Some(v) => (
                favourites::among(db, v, &ids).await.or_internal()?,
                statuses::reblogged_among(db, v, &ids).await.or_internal()?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        let mut app_ids: Vec<i64> = all.iter().filter_map(|s| s.application_id).collect();
        app_ids.sort_unstable();
        app_ids.dedup();
        let mut apps: HashMap<i64, App> = HashMap::new();
        for id in app_ids {
            if let Some(app) = oauth::find_app(db, id).await.or_internal()? {
                apps.insert(id, app);
            }
        }

        let build = |s: &Status| -> Option<StatusView> {
            let account = accounts.get(&s.account_id)?.clone();
            let mut ms: Vec<Account> = mentions
                .iter()
                .filter(|m| m.status_id == s.id)
                .filter_map(|m| accounts.get(&m.account_id).cloned())
                .collect();
            ms.sort_by_key(|a| a.id);
            Some(StatusView {
                account,
                mentions: ms,
                tags: tags_by_status.get(&s.id).cloned().unwrap_or_default(),
                reblog: None,
                application: s.application_id.and_then(|id| apps.get(&id).cloned()),
                pinned: (Some(s.account_id) == viewer).then(|| pinned.contains(&s.id)),
                favourited: faved.contains(&s.id),
                reblogged: boosted.contains(&s.id),
                status: s.clone(),
            })
        };
        let mut out = Vec::with_capacity(list.len());
        for s in &list {
            let Some(mut view) = build(s) else { continue };
            if let Some(rid) = s.reblog_of_id {
                let Some(original) = originals.iter().find(|o| o.id == rid).and_then(build) else {
                    continue;
                };
                view.reblog = Some(Box::new(original));
            }
            out.push(view);
        }
        Ok(out)
    }
}
