//! Finding remote actors: by ActivityPub id, by key id, or by `user@host` through WebFinger.

use bonsai_core::model::Account;
use bonsai_core::timestamp::Timestamp;
use bonsai_db::accounts;
use bonsai_federation::client::Request;
use bonsai_federation::wire::{Actor, Document};

use super::remote_error;
use crate::convert::remote_account;
use crate::error::{commit, DbResultExt, Error, Result};
use crate::Services;

const ACCEPT_AP: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
/// A remote profile is refetched when older than this.
const STALE_AFTER_SECS: i64 = 86_400;
/// A remote key that fails to verify is refetched at most this often.
const KEY_REFRESH_SECS: i64 = 60;

/// `host[:port]` of a URL, the way Mastodon keys remote accounts by domain.
pub(crate) fn authority(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

impl Services {
    /// Refuses servers that instance policy excludes (blocked, or not on the allow-list).
    pub(crate) fn check_domain(&self, url: &str) -> Result<()> {
        match authority(url) {
            Some(a) if self.config().federates_with(&a) => Ok(()),
            _ => Err(Error::forbidden(
                "This server does not federate with that domain",
            )),
        }
    }

    /// GETs an ActivityPub document, signed as the instance actor: servers in
    /// authorized-fetch mode (and GoToSocial) answer nothing else.
    pub(crate) async fn fetch_document(&self, url: &str) -> Result<Document> {
        self.check_domain(url)?;
        let signer = self.fetch_signer().await?;
        let res = self
            .http()
            .send(
                Request::get(url)
                    .header("accept", ACCEPT_AP)
                    .signed_with(&*signer),
            )
            .await
            .map_err(|e| remote_error(format!("fetching {url}: {e}")))?;
        if !res.status.is_success() {
            return Err(remote_error(format!("fetching {url}: HTTP {}", res.status)));
        }
        // After redirects the document must still come from the origin we asked.
        if authority(res.url.as_str()) != authority(url) {
            return Err(remote_error(format!("{url} redirected to another origin")));
        }
        Document::from_slice(&res.body)
            .map_err(|e| remote_error(format!("{url} is not ActivityPub: {e}")))
    }

    /// The account for an actor id, fetching (or refreshing a stale copy of) a remote one.
    pub async fn resolve_actor(&self, uri: &str, force: bool) -> Result<Account> {
        let db = self.db().reader();
        if let Some(a) = accounts::find_by_uri(db, uri).await.or_internal()? {
            let fresh = a.updated_at.plus_secs(STALE_AFTER_SECS) > Timestamp::now();
            if a.is_local() || (fresh && !force) {
                return Ok(a);
            }
        }
        if authority(uri).as_deref() == Some(self.config().domain.as_str()) {
            return Err(Error::not_found());
        }
        let doc = self.fetch_document(uri).await?;
        let actor = doc
            .as_actor()
            .ok_or_else(|| remote_error(format!("{uri} is not an actor")))?;
        // The document must be the one asked for: no answering for other origins.
        if actor.id() != uri {
            return Err(remote_error(format!(
                "{uri} answered with actor {}",
                actor.id()
            )));
        }
        self.store_remote_actor(actor).await
    }

    pub(crate) async fn store_remote_actor(&self, actor: &Actor) -> Result<Account> {
        let (account, endpoints) = remote_account(actor, self.next_id())
            .ok_or_else(|| remote_error(format!("actor {} is incomplete", actor.id())))?;
        let mut tx = self.db().begin().await.or_internal()?;
        let now = Timestamp::now();
        let id = accounts::upsert_remote(&mut tx, &account, &endpoints, now)
            .await
            .or_internal()?;
        // Emoji in the name and bio, kept like a post's.
        let emojis = crate::convert::remote_emojis(actor.emojis(), account.domain.as_deref());
        self.store_remote_emojis(&mut tx, &emojis, now).await?;
        commit(tx).await?;
        self.account(id).await
    }

    /// The account whose key `key_id` is (fetching the actor if it is new to us). With
    /// `force` (a signature failed to verify: the key may have been rotated) the actor is
    /// fetched again — at most once per [`KEY_REFRESH_SECS`], so a flood of bad signatures
    /// does not become a flood of fetches.
    pub(crate) async fn key_owner(&self, key_id: &str, force: bool) -> Result<Account> {
        if let Some(a) = accounts::find_by_key_id(self.db().reader(), key_id)
            .await
            .or_internal()?
        {
            if !force || a.updated_at.plus_secs(KEY_REFRESH_SECS) > Timestamp::now() {
                return Ok(a);
            }
        }
        let actor_uri = key_id.split('#').next().unwrap_or(key_id);
        let account = self.resolve_actor(actor_uri, true).await?;
        let ep = accounts::endpoints(self.db().reader(), account.id)
            .await
            .or_internal()?
            .unwrap_or_default();
        if ep.key_id != key_id {
            return Err(Error::unauthorized(
                "The signing key does not belong to that actor",
            ));
        }
        Ok(account)
    }

    /// `user@host` through WebFinger, then the actor document.
    pub async fn resolve_acct(&self, username: &str, host: &str) -> Result<Account> {
        if let Some(a) = accounts::find_by_username(self.db().reader(), username, Some(host))
            .await
            .or_internal()?
        {
            return Ok(a);
        }
        if !self.config().federates_with(host) {
            return Err(Error::not_found());
        }
        let scheme = &self.config().protocol;
        let url =
            format!("{scheme}://{host}/.well-known/webfinger?resource=acct:{username}@{host}");
        let res = self
            .http()
            .send(Request::get(&url).header("accept", "application/jrd+json, application/json"))
            .await
            .map_err(|e| remote_error(format!("webfinger {url}: {e}")))?;
        if !res.status.is_success() {
            return Err(Error::not_found());
        }
        let jrd: serde_json::Value =
            serde_json::from_slice(&res.body).map_err(|_| remote_error("bad webfinger answer"))?;
        let actor_uri = jrd["links"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| {
                l["rel"] == "self"
                    && l["type"].as_str().is_some_and(|t| {
                        t.starts_with("application/activity+json")
                            || t.starts_with("application/ld+json")
                    })
            })
            .and_then(|l| l["href"].as_str())
            .ok_or_else(Error::not_found)?
            .to_string();
        self.resolve_actor(&actor_uri, false).await
    }
}

/// How many `inReplyTo` parents a fetched post pulls in.
const MAX_THREAD_DEPTH: usize = 8;

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

impl Services {
    /// A post by its URL or id: known already, or fetched from its origin together with its
    /// author and (a bounded number of) the posts it replies to.
    pub async fn resolve_status(&self, url: &str) -> Result<bonsai_core::model::Status> {
        self.resolve_status_at(url.to_string(), 0).await
    }

    /// `resolve_status` at thread depth `depth`: parents are followed up to
    /// [`MAX_THREAD_DEPTH`], and only the post asked for (depth 0) has its replies fetched.
    pub(super) fn resolve_status_at(
        &self,
        url: String,
        depth: usize,
    ) -> BoxFuture<'_, Result<bonsai_core::model::Status>> {
        Box::pin(async move {
            let db = self.db().reader();
            if let Some(s) = bonsai_db::statuses::find_by_uri_or_url(db, &url)
                .await
                .or_internal()?
            {
                return Ok(s);
            }
            if authority(&url).as_deref() == Some(self.config().domain.as_str()) {
                return Err(Error::not_found());
            }
            let doc = self.fetch_document(&url).await?;
            self.status_from_document(&url, &doc, depth).await
        })
    }

    /// Stores the post a fetched `doc` (from `url`) is, with its thread parents.
    async fn status_from_document(
        &self,
        url: &str,
        doc: &Document,
        depth: usize,
    ) -> Result<bonsai_core::model::Status> {
        let db = self.db().reader();
        let note = doc
            .as_object()
            .ok_or_else(|| remote_error(format!("{url} is not a post")))?;
        let id = note
            .id()
            .ok_or_else(|| remote_error("post without id"))?
            .to_string();
        // What a server answers for must be its own: the object, and its author.
        if authority(&id) != authority(url) {
            return Err(remote_error(format!(
                "{url} answered with a post from another origin"
            )));
        }
        if let Some(s) = bonsai_db::statuses::find_by_uri(db, &id)
            .await
            .or_internal()?
        {
            return Ok(s);
        }
        let author_uri = note
            .attributed_to()
            .ok_or_else(|| remote_error("post without author"))?;
        if authority(author_uri) != authority(&id) {
            return Err(remote_error("post attributed to another origin"));
        }
        let author = self.resolve_actor(author_uri, false).await?;
        if let Some(parent) = note.in_reply_to() {
            if depth < MAX_THREAD_DEPTH {
                // A parent that can't be fetched leaves a gap, not a failure.
                if let Err(e) = self.resolve_status_at(parent.to_string(), depth + 1).await {
                    tracing::debug!(parent, error = %e.message, "thread parent not fetched");
                }
            }
        }
        let status = self.store_remote_note(&author, note, &id).await?;
        if depth == 0 && note.replies.is_some() {
            // Complete the thread downwards too, in the background.
            if let Err(e) = self.enqueue_replies_fetch(&id).await {
                tracing::warn!(uri = %id, error = %e.message, "could not queue the replies fetch");
            }
        }
        Ok(status)
    }

    /// The post or account a URL names, if this server has it already.
    pub(crate) async fn known_url(&self, url: &str) -> Result<Option<Resolved>> {
        let db = self.db().reader();
        if let Some(s) = bonsai_db::statuses::find_by_uri_or_url(db, url)
            .await
            .or_internal()?
        {
            return Ok(Some(Resolved::Status(s)));
        }
        Ok(accounts::find_by_uri(db, url)
            .await
            .or_internal()?
            .map(Resolved::Account))
    }

    /// A URL pasted into search: a post or an actor, whichever the server says it is —
    /// fetched once.
    pub async fn resolve_url(&self, url: &str) -> Result<Resolved> {
        if let Some(known) = self.known_url(url).await? {
            return Ok(known);
        }
        if authority(url).as_deref() == Some(self.config().domain.as_str()) {
            return Err(Error::not_found());
        }
        let doc = self.fetch_document(url).await?;
        match doc.as_actor() {
            Some(actor) if actor.id() == url => {
                Ok(Resolved::Account(self.store_remote_actor(actor).await?))
            }
            Some(actor) => Err(remote_error(format!(
                "{url} answered with actor {}",
                actor.id()
            ))),
            None => Ok(Resolved::Status(
                self.status_from_document(url, &doc, 0).await?,
            )),
        }
    }
}

/// What [`Services::resolve_url`] found.
pub enum Resolved {
    Account(Account),
    Status(bonsai_core::model::Status),
}
