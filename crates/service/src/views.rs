//! Statuses with everything their Mastodon entity needs, loaded in a few batched queries
//! rather than one per status.

use std::collections::HashMap;

use bonsai_core::model::{Account, App, CustomEmoji, MediaAttachment, Status, Tag};
use bonsai_core::text::emoji_shortcodes;
use bonsai_db::{accounts, emojis, favourites, media, oauth, statuses, tags};

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
    /// The custom emoji its text names (from its author's server).
    pub emojis: Vec<CustomEmoji>,
    /// The custom emoji in its author's name, bio and fields.
    pub account_emojis: Vec<CustomEmoji>,
    /// Its media, in order.
    pub media_attachments: Vec<MediaAttachment>,
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
        let mut media_by_status: HashMap<i64, Vec<MediaAttachment>> = HashMap::new();
        for m in media::of_statuses(db, &ids).await.or_internal()? {
            let Some(sid) = m.status_id else { continue };
            // Media from a server whose media is rejected is not shown, even if stored before.
            let rejected = accounts
                .get(&m.account_id)
                .and_then(|a| a.domain.as_deref())
                .is_some_and(|d| self.config().rejects_media_from(d));
            if !rejected {
                media_by_status.entry(sid).or_default().push(m);
            }
        }
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

        // Custom emoji named in each text and in each author's profile.
        let status_emojis = self
            .emojis_named(
                all.iter()
                    .map(|s| {
                        let domain = accounts.get(&s.account_id).and_then(|a| a.domain.clone());
                        (
                            s.id,
                            domain,
                            vec![s.content.as_str(), s.spoiler_text.as_str()],
                        )
                    })
                    .collect(),
            )
            .await?;
        let author_emojis = self
            .account_emojis(all.iter().filter_map(|s| accounts.get(&s.account_id)))
            .await?;
        let emojis_of = |s: &Status| status_emojis.get(&s.id).cloned().unwrap_or_default();

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
                emojis: emojis_of(s),
                account_emojis: author_emojis
                    .get(&s.account_id)
                    .cloned()
                    .unwrap_or_default(),
                media_attachments: media_by_status.get(&s.id).cloned().unwrap_or_default(),
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

    /// The custom emoji named in each of `texts` (keyed by the caller's id, on the domain
    /// whose emoji they may use), looked up with one query per domain.
    async fn emojis_named(
        &self,
        texts: Vec<(i64, Option<String>, Vec<&str>)>,
    ) -> Result<HashMap<i64, Vec<CustomEmoji>>> {
        let mut codes_by_key: HashMap<i64, (Option<String>, Vec<String>)> = HashMap::new();
        let mut codes_by_domain: HashMap<Option<String>, Vec<String>> = HashMap::new();
        for (key, domain, parts) in texts {
            let mut codes: Vec<String> = Vec::new();
            for part in parts {
                for c in emoji_shortcodes(part) {
                    if !codes.contains(&c) {
                        codes.push(c);
                    }
                }
            }
            // Emoji are media: none from a server whose media is rejected.
            let rejected = domain
                .as_deref()
                .is_some_and(|d| self.config().rejects_media_from(d));
            if codes.is_empty() || rejected {
                continue;
            }
            let wanted = codes_by_domain.entry(domain.clone()).or_default();
            for c in &codes {
                if !wanted.contains(c) {
                    wanted.push(c.clone());
                }
            }
            codes_by_key.insert(key, (domain, codes));
        }
        let mut known: Vec<CustomEmoji> = Vec::new();
        for (domain, codes) in &codes_by_domain {
            // Bounded per query; a page names few distinct emoji in practice.
            for chunk in codes.chunks(200) {
                known.extend(
                    emojis::find(self.db().reader(), domain.as_deref(), chunk)
                        .await
                        .or_internal()?,
                );
            }
        }
        Ok(codes_by_key
            .into_iter()
            .map(|(key, (domain, codes))| {
                let found = known
                    .iter()
                    .filter(|e| e.domain == domain && codes.contains(&e.shortcode))
                    .cloned()
                    .collect();
                (key, found)
            })
            .collect())
    }

    /// The custom emoji in each account's display name, bio and profile fields.
    pub async fn account_emojis<'a>(
        &self,
        list: impl Iterator<Item = &'a Account>,
    ) -> Result<HashMap<i64, Vec<CustomEmoji>>> {
        let mut texts: Vec<(i64, Option<String>, Vec<&str>)> = Vec::new();
        for a in list {
            if texts.iter().any(|t| t.0 == a.id) {
                continue;
            }
            let mut parts = vec![a.display_name.as_str(), a.note.as_str()];
            for f in &a.fields {
                parts.push(f.name.as_str());
                parts.push(f.value.as_str());
            }
            texts.push((a.id, a.domain.clone(), parts));
        }
        self.emojis_named(texts).await
    }

    /// An account with the custom emoji its profile names, for its Mastodon entity.
    pub async fn account_with_emojis(&self, id: i64) -> Result<(Account, Vec<CustomEmoji>)> {
        let account = self.account(id).await?;
        let emojis = self
            .account_emojis(std::iter::once(&account))
            .await?
            .remove(&account.id)
            .unwrap_or_default();
        Ok((account, emojis))
    }
}
