//! Account migration, as Mastodon's: the new account lists the old one among its aliases
//! (`alsoKnownAs`), then the old account moves (`movedTo`, a `Move` to its followers' servers)
//! and its followers follow the new one. Mastodon has no REST endpoints for these (they are its
//! web settings); here they are service functions for the admin CLI and the settings pages.

use bonsai_core::model::Account;
use bonsai_core::timestamp::Timestamp;
use bonsai_db::accounts;
use bonsai_db::follows::{self, Kind, Side};
use bonsai_federation::wire::Actor;

use crate::convert::MAX_ALIASES;
use crate::error::{commit, DbResultExt, Error, ErrorKind, Result};
use crate::Services;

/// How many local followers one move carries over.
const MAX_MOVED_FOLLOWERS: i64 = 10_000;

impl Services {
    /// A local account's actor document, with `movedTo` once it has moved.
    pub async fn local_actor_document(&self, a: &Account) -> Result<Actor> {
        let moved_to = self.moved_account(a).await?.map(|t| t.uri);
        Ok(self.actor_document(a, moved_to.as_deref()))
    }

    /// The account `a` moved to (Mastodon's `moved` in the account entity), if it has.
    pub async fn moved_account(&self, a: &Account) -> Result<Option<Account>> {
        match a.moved_to_account_id {
            None => Ok(None),
            Some(id) => accounts::find(self.db().reader(), id).await.or_internal(),
        }
    }

    /// Adds `target` (an ActivityPub id or `user@domain`) to local account `account_id`'s
    /// aliases, so that `target` may move here; followers' servers get an `Update`.
    /// Adding an alias it already has changes nothing. Returns the updated account.
    pub async fn add_account_alias(&self, account_id: i64, target: &str) -> Result<Account> {
        let account = self.local_for_move(account_id).await?;
        let other = self.resolve_move_account(target).await?;
        if other.id == account.id {
            return Err(Error::validation(
                "Validation failed: the alias cannot be the account itself",
            ));
        }
        if account.also_known_as.contains(&other.uri) {
            return Ok(account);
        }
        if account.also_known_as.len() >= MAX_ALIASES {
            return Err(Error::validation(format!(
                "Validation failed: an account has at most {MAX_ALIASES} aliases"
            )));
        }
        let mut aliases = account.also_known_as.clone();
        aliases.push(other.uri);
        self.save_aliases(account, aliases).await
    }

    /// Removes `target` (the alias as listed, or `user@domain` of a known account) from local
    /// account `account_id`'s aliases; followers' servers get an `Update`.
    pub async fn remove_account_alias(&self, account_id: i64, target: &str) -> Result<Account> {
        let account = self.local_for_move(account_id).await?;
        let target = target.trim();
        let uri = if account.also_known_as.iter().any(|a| a == target) {
            Some(target.to_string())
        } else {
            self.known_account(target).await?.map(|a| a.uri)
        };
        let Some(uri) = uri.filter(|u| account.also_known_as.contains(u)) else {
            return Err(Error::not_found_with(format!(
                "{target} is not an alias of @{}",
                account.username
            )));
        };
        let aliases = account
            .also_known_as
            .iter()
            .filter(|a| **a != uri)
            .cloned()
            .collect();
        self.save_aliases(account, aliases).await
    }

    /// Moves local account `account_id` to `target` (an ActivityPub id or `user@domain`,
    /// here or on another server), which must list this account among its aliases
    /// (`alsoKnownAs`, fetched afresh when remote). The account gets `movedTo`, its
    /// followers' servers an `Update` and a `Move` (one per shared inbox), and its local
    /// followers follow the new account instead. Returns the new account.
    pub async fn move_account(&self, account_id: i64, target: &str) -> Result<Account> {
        let account = self.local_for_move(account_id).await?;
        let new = self.resolve_move_account(target).await?;
        if new.id == account.id {
            return Err(Error::validation(
                "Validation failed: an account cannot move to itself",
            ));
        }
        if account.moved_to_account_id == Some(new.id) {
            return Err(Error::validation(format!(
                "Validation failed: @{} has already moved to {}",
                account.username, new.uri
            )));
        }
        if !new.also_known_as.contains(&account.uri) {
            return Err(Error::validation(format!(
                "Validation failed: {} does not list {} as an alias (alsoKnownAs); \
                 add the alias on the new account first",
                new.uri, account.uri
            )));
        }
        let now = Timestamp::now();
        let moved = Account {
            moved_to_account_id: Some(new.id),
            updated_at: now,
            ..account
        };
        let update = serde_json::to_value(self.actor_update_activity(&moved, Some(&new.uri)))
            .map_err(|_| Error::internal())?;
        let mv = serde_json::to_value(self.move_activity(&moved, &new, self.next_id()))
            .map_err(|_| Error::internal())?;
        let mut tx = self.db().begin().await.or_internal()?;
        accounts::set_moved_to(&mut *tx, moved.id, new.id, now)
            .await
            .or_internal()?;
        // As Mastodon: the profile change first, then the Move itself.
        self.enqueue_to_followers(&mut tx, moved.id, &update, Vec::new(), true)
            .await?;
        self.enqueue_to_followers(&mut tx, moved.id, &mv, Vec::new(), true)
            .await?;
        commit(tx).await?;
        self.job_signal().wake();
        tracing::info!(account = %moved.uri, target = %new.uri, "account moved");
        self.move_local_followers(&moved, &new).await?;
        Ok(new)
    }

    /// The local followers of `old` (ours or remote, which moved) follow `new` instead, with
    /// the same options. One follower that cannot (blocked, say) does not stop the rest.
    /// Returns how many were moved.
    pub(crate) async fn move_local_followers(&self, old: &Account, new: &Account) -> Result<usize> {
        let followers = follows::list_offset(
            self.db().reader(),
            Kind::Follow,
            Side::Followers,
            old.id,
            MAX_MOVED_FOLLOWERS,
            0,
        )
        .await
        .or_internal()?;
        let mut moved = 0;
        for f in followers {
            let Some(local) = accounts::find(self.db().reader(), f.account_id)
                .await
                .or_internal()?
                .filter(Account::is_local)
            else {
                continue;
            };
            let mut tx = self.db().begin().await.or_internal()?;
            self.end_follow(&mut tx, local.id, old.id).await?;
            commit(tx).await?;
            if local.id == new.id {
                continue;
            }
            let opts = crate::relationships::FollowOptions {
                reblogs: Some(f.show_reblogs),
                notify: Some(f.notify),
            };
            match self.follow_as(&local, new, opts).await {
                Ok(_) => moved += 1,
                Err(e) => tracing::warn!(
                    follower = %local.uri, target = %new.uri, error = %e.message,
                    "could not move a follow"
                ),
            }
        }
        Ok(moved)
    }

    /// A local account, for alias and move changes.
    async fn local_for_move(&self, account_id: i64) -> Result<Account> {
        let account = self.account(account_id).await?;
        if !account.is_local() {
            return Err(Error::validation(
                "Validation failed: only local accounts have aliases and move",
            ));
        }
        Ok(account)
    }

    /// Saves new aliases and queues the actor's `Update` to its followers' servers.
    async fn save_aliases(&self, account: Account, aliases: Vec<String>) -> Result<Account> {
        let now = Timestamp::now();
        let updated = Account {
            also_known_as: aliases,
            updated_at: now,
            ..account
        };
        let moved_to = self.moved_account(&updated).await?.map(|t| t.uri);
        let update =
            serde_json::to_value(self.actor_update_activity(&updated, moved_to.as_deref()))
                .map_err(|_| Error::internal())?;
        let mut tx = self.db().begin().await.or_internal()?;
        accounts::set_also_known_as(&mut *tx, updated.id, &updated.also_known_as, now)
            .await
            .or_internal()?;
        self.enqueue_to_followers(&mut tx, updated.id, &update, Vec::new(), true)
            .await?;
        commit(tx).await?;
        self.job_signal().wake();
        Ok(updated)
    }

    /// The account an alias or move target names: an ActivityPub id, or `user@domain` (or
    /// `user` here). A remote account is fetched afresh: its aliases may just have changed.
    async fn resolve_move_account(&self, target: &str) -> Result<Account> {
        let target = target.trim();
        let not_found =
            || Error::validation(format!("Validation failed: {target} could not be found"));
        let resolved = if target.starts_with("https://") || target.starts_with("http://") {
            self.resolve_actor(target, true).await
        } else {
            let acct = target.trim_start_matches('@');
            match acct.split_once('@') {
                Some((user, host)) if !host.eq_ignore_ascii_case(&self.config().domain) => {
                    match self.resolve_acct(user, host).await {
                        Ok(a) => self.resolve_actor(&a.uri, true).await,
                        Err(e) => Err(e),
                    }
                }
                Some((user, _)) => self.local_by_username(user).await,
                None => self.local_by_username(acct).await,
            }
        };
        match resolved {
            Ok(a) => Ok(a),
            Err(e) if matches!(e.kind, ErrorKind::NotFound) => Err(not_found()),
            Err(e) => Err(Error::new(
                e.kind,
                format!("{target} could not be resolved: {}", e.message),
            )),
        }
    }

    async fn local_by_username(&self, username: &str) -> Result<Account> {
        accounts::find_by_username(self.db().reader(), username, None)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)
    }

    /// An account already known here by ActivityPub id or `user@domain`; no fetching.
    async fn known_account(&self, target: &str) -> Result<Option<Account>> {
        let db = self.db().reader();
        if target.starts_with("https://") || target.starts_with("http://") {
            return accounts::find_by_uri(db, target).await.or_internal();
        }
        let acct = target.trim_start_matches('@');
        let (user, host) = match acct.split_once('@') {
            Some((u, h)) if !h.eq_ignore_ascii_case(&self.config().domain) => (u, Some(h)),
            Some((u, _)) => (u, None),
            None => (acct, None),
        };
        accounts::find_by_username(db, user, host)
            .await
            .or_internal()
    }
}
