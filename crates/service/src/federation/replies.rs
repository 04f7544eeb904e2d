//! Completing a thread downwards: after a remote post is fetched (a URL pasted into search,
//! a thread parent), its `replies` collection is read in the background and the replies
//! hosted by the same server are fetched too — as Mastodon's FetchRepliesWorker does.
//! Bounded in pages and posts, so a huge thread costs a fixed amount of work.

use serde_json::{json, Value};

use bonsai_federation::wire::{Collection, CollectionRef, Document};

use super::remote_error;
use super::resolve::authority;
use crate::error::{commit, DbResultExt, Result};
use crate::jobs::{Outcome, Queue};
use crate::Services;

/// At most this many pages of a `replies` collection are read ...
const MAX_PAGES: usize = 3;
/// ... and at most this many replies fetched from them.
const MAX_REPLIES: usize = 40;

impl Services {
    /// Queues the crawl of `status_uri`'s replies (a job of the `fetch` queue).
    pub(crate) async fn enqueue_replies_fetch(&self, status_uri: &str) -> Result<()> {
        let mut tx = self.db().begin().await.or_internal()?;
        self.enqueue(
            &mut tx,
            Queue::Fetch,
            None,
            &json!({ "replies_of": status_uri }),
        )
        .await?;
        commit(tx).await?;
        self.job_signal().wake();
        Ok(())
    }

    /// The `fetch` job: reads the post's `replies` and fetches the same-origin replies.
    pub(crate) async fn fetch_replies_job(&self, payload: &Value) -> Outcome {
        let Some(uri) = payload["replies_of"].as_str() else {
            return Outcome::Fail {
                error: "no replies_of in payload".into(),
            };
        };
        match self.fetch_replies(uri).await {
            Ok(n) => {
                tracing::debug!(uri, fetched = n, "replies fetched");
                Outcome::Done
            }
            Err(e) => Outcome::Retry {
                error: e.message,
                after: None,
            },
        }
    }

    async fn fetch_replies(&self, uri: &str) -> Result<usize> {
        let origin = authority(uri);
        let doc = self.fetch_document(uri).await?;
        let Some(replies) = doc.as_object().and_then(|o| o.replies.clone()) else {
            return Ok(0);
        };
        // The collection, then its first page (either may be embedded or a link).
        let collection = self.collection(replies, &origin).await?;
        let mut page = match collection.first.clone() {
            Some(first) => Some(self.collection(first, &origin).await?),
            None => Some(collection),
        };
        let (mut pages, mut fetched) = (0, 0);
        while let Some(p) = page.take() {
            pages += 1;
            for item in p.items() {
                if fetched >= MAX_REPLIES {
                    return Ok(fetched);
                }
                // Only the server's own replies: others are for their servers to vouch for.
                let Some(id) = item.id().filter(|id| authority(id) == origin) else {
                    continue;
                };
                fetched += 1;
                // Depth 1: a reply's own replies are not crawled in turn.
                if let Err(e) = self.resolve_status_at(id.to_string(), 1).await {
                    tracing::debug!(reply = id, error = %e.message, "reply not fetched");
                }
            }
            if pages < MAX_PAGES {
                if let Some(next) = p.next.clone() {
                    page = Some(self.collection(next, &origin).await?);
                }
            }
        }
        Ok(fetched)
    }

    /// An embedded collection as is; a linked one fetched, from the same origin only.
    async fn collection(&self, r: CollectionRef, origin: &Option<String>) -> Result<Collection> {
        match r {
            CollectionRef::Collection(c) => Ok(*c),
            CollectionRef::Link(url) => {
                if authority(&url) != *origin {
                    return Err(remote_error(format!("{url}: replies on another origin")));
                }
                match self.fetch_document(&url).await? {
                    Document::Collection(c) => Ok(*c),
                    _ => Err(remote_error(format!("{url} is not a collection"))),
                }
            }
        }
    }
}
