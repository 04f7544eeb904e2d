//! Statuses and accounts with everything their Mastodon entities need, loaded in a few
//! batched queries rather than one per status or account.

use std::collections::HashMap;
use std::hash::Hash;

use bonsai_core::model::{Account, App, CustomEmoji, MediaAttachment, Status, Tag};
use bonsai_core::text::emoji_shortcodes;
use bonsai_db::{accounts, emojis, favourites, media, oauth, statuses, tags};

use crate::error::{DbResultExt, Result};
use crate::Services;

/// An account with what its Mastodon entity shows beyond its row: the custom emoji its name,
/// bio and fields use, and the account it moved to. As in Mastodon, `moved` nests one level
/// only: the target carries its own emoji but never its own `moved`.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: Account,
    pub emojis: Vec<CustomEmoji>,
    pub moved: Option<Box<AccountView>>,
}

impl AccountView {
    /// Without emoji or `moved`: for documents that use neither (outgoing activities).
    pub fn bare(account: Account) -> Self {
        Self {
            account,
            emojis: Vec::new(),
            moved: None,
        }
    }
}

/// What a batch of custom emoji look-ups is keyed by: a status's text or an account's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Named {
    Status(i64),
    Account(i64),
}

/// Bind parameters per emoji query; a page names far fewer, so one query serves it.
const MAX_EMOJI_PARAMS: usize = 1000;

#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Status,
    /// Its author, with the author's emoji and `moved`.
    pub account: AccountView,
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
        for mut m in media::of_statuses(db, &ids).await.or_internal()? {
            let Some(sid) = m.status_id else { continue };
            self.resolve_media_urls(&mut m);
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
        let apps: HashMap<i64, App> = oauth::find_apps(db, &app_ids)
            .await
            .or_internal()?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();

        // The authors' `moved` targets, then (in one query) the custom emoji named in each
        // text and in each author's and target's profile.
        let authors: Vec<&Account> = all
            .iter()
            .filter_map(|s| accounts.get(&s.account_id))
            .collect();
        let moved = self.moved_targets(authors.iter().copied()).await?;
        let mut texts: Vec<(Named, Option<String>, Vec<&str>)> = all
            .iter()
            .map(|s| {
                let domain = accounts.get(&s.account_id).and_then(|a| a.domain.clone());
                (
                    Named::Status(s.id),
                    domain,
                    vec![s.content.as_str(), s.spoiler_text.as_str()],
                )
            })
            .collect();
        texts.extend(
            authors
                .iter()
                .copied()
                .chain(moved.values())
                .map(profile_text),
        );
        let named = self.emojis_named(texts).await?;
        let emojis_of = |s: &Status| named.get(&Named::Status(s.id)).cloned().unwrap_or_default();

        let build = |s: &Status| -> Option<StatusView> {
            let account = assemble(accounts.get(&s.account_id)?.clone(), &moved, &named);
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

    /// Each account as its Mastodon entity shows it (see [`AccountView`]), in the order given,
    /// in two queries for the whole batch: the `moved` targets, then every emoji named.
    pub async fn account_views(&self, list: Vec<Account>) -> Result<Vec<AccountView>> {
        let moved = self.moved_targets(list.iter()).await?;
        let texts = list
            .iter()
            .chain(moved.values())
            .map(profile_text)
            .collect();
        let named = self.emojis_named(texts).await?;
        Ok(list
            .into_iter()
            .map(|a| assemble(a, &moved, &named))
            .collect())
    }

    pub async fn account_view(&self, account: Account) -> Result<AccountView> {
        let mut v = self.account_views(vec![account]).await?;
        v.pop().ok_or_else(crate::Error::internal)
    }

    /// The accounts these moved to, by id (one query, none when no account has moved).
    async fn moved_targets<'a>(
        &self,
        list: impl Iterator<Item = &'a Account>,
    ) -> Result<HashMap<i64, Account>> {
        let mut ids: Vec<i64> = list.filter_map(|a| a.moved_to_account_id).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    /// The custom emoji named in each of `texts` (keyed by the caller, on the domain whose
    /// emoji they may use), looked up in one query for all domains.
    async fn emojis_named<K: Copy + Eq + Hash>(
        &self,
        texts: Vec<(K, Option<String>, Vec<&str>)>,
    ) -> Result<HashMap<K, Vec<CustomEmoji>>> {
        let mut codes_by_key: HashMap<K, (Option<String>, Vec<String>)> = HashMap::new();
        let mut codes_by_domain: HashMap<Option<String>, Vec<String>> = HashMap::new();
        for (key, domain, parts) in texts {
            if codes_by_key.contains_key(&key) {
                continue;
            }
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
        // One query names every domain's shortcodes; only a batch naming more than
        // MAX_EMOJI_PARAMS of them is split.
        let mut known: Vec<CustomEmoji> = Vec::new();
        let mut batch: Vec<(Option<String>, Vec<String>)> = Vec::new();
        let mut params = 0;
        for (domain, codes) in &codes_by_domain {
            for chunk in codes.chunks(MAX_EMOJI_PARAMS - 1) {
                if params + chunk.len() + 1 > MAX_EMOJI_PARAMS {
                    known.extend(self.find_emojis(&batch).await?);
                    batch.clear();
                    params = 0;
                }
                params += chunk.len() + 1;
                batch.push((domain.clone(), chunk.to_vec()));
            }
        }
        if !batch.is_empty() {
            known.extend(self.find_emojis(&batch).await?);
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

    async fn find_emojis(
        &self,
        wanted: &[(Option<String>, Vec<String>)],
    ) -> Result<Vec<CustomEmoji>> {
        emojis::find_named(self.db().reader(), wanted)
            .await
            .or_internal()
    }
}

/// The texts of an account's profile that may name custom emoji: its display name, bio and
/// fields (Mastodon's `emojifiable_text`), on its own domain.
fn profile_text(a: &Account) -> (Named, Option<String>, Vec<&str>) {
    let mut parts = vec![a.display_name.as_str(), a.note.as_str()];
    for f in &a.fields {
        parts.push(f.name.as_str());
        parts.push(f.value.as_str());
    }
    (Named::Account(a.id), a.domain.clone(), parts)
}

/// `account` with its emoji and `moved` (found among `moved`, itself without `moved`).
fn assemble(
    account: Account,
    moved: &HashMap<i64, Account>,
    named: &HashMap<Named, Vec<CustomEmoji>>,
) -> AccountView {
    let emojis_of = |id: i64| named.get(&Named::Account(id)).cloned().unwrap_or_default();
    let moved = account
        .moved_to_account_id
        .and_then(|id| moved.get(&id))
        .map(|m| {
            Box::new(AccountView {
                emojis: emojis_of(m.id),
                account: m.clone(),
                moved: None,
            })
        });
    AccountView {
        emojis: emojis_of(account.id),
        account,
        moved,
    }
}
