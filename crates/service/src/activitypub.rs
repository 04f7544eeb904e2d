//! What this instance serves to other servers: actors, notes, outboxes and collections.
//! Only what is public is served; followers-only and direct posts wait for signed fetches.

use bonsai_core::model::{Account, Page, Status};
use bonsai_core::visibility::Visibility;
use bonsai_db::follows::{self, Kind, Side};
use bonsai_db::statuses::RepliesBy;
use bonsai_db::timelines::{self, AccountFilter};
use bonsai_db::{accounts, statuses, tombstones};
use bonsai_federation::wire::{
    Actor, Collection, CollectionKind, CollectionRef, Context, Document, Object, ObjectRef, Ref,
};

use crate::convert::{replies_collection, SELF_REPLIES_IN_NOTE};

use crate::error::{DbResultExt, Error, Result};
use crate::views::StatusView;
use crate::Services;

/// Items per collection page, as Mastodon serves them.
const PAGE_SIZE: i64 = 20;
/// Replies per `replies` page (Mastodon's `DESCENDANTS_LIMIT`).
const REPLIES_PAGE_SIZE: i64 = 60;

impl Services {
    /// A local account by username, for the actor endpoints.
    pub async fn local_account(&self, username: &str) -> Result<Account> {
        accounts::find_by_username(self.db().reader(), username, None)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)
    }

    pub async fn actor(&self, username: &str) -> Result<Actor> {
        let a = self.local_account(username).await?;
        self.local_actor_document(&a).await
    }

    /// The parent's ActivityPub id, for `inReplyTo`.
    async fn parent_uri(&self, s: &Status) -> Result<Option<String>> {
        match s.in_reply_to_id {
            None => Ok(None),
            Some(pid) => Ok(statuses::find(self.db().reader(), pid)
                .await
                .or_internal()?
                .map(|p| p.uri)),
        }
    }

    /// A public or unlisted status of `username` as a `Note` (a boost as its `Announce`).
    pub async fn status_document(&self, username: &str, id: i64) -> Result<Document> {
        let account = self.local_account(username).await?;
        let s = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|s| s.account_id == account.id)
            .filter(|s| matches!(s.visibility, Visibility::Public | Visibility::Unlisted))
            .ok_or_else(Error::not_found)?;
        let view = self.status_view(s, None).await?;
        let mut doc = self.status_activity_or_note(&view).await?;
        if let Document::Object(note) = &mut doc {
            // The author's first own replies, as Mastodon embeds them.
            let own = statuses::public_replies(
                self.db().reader(),
                view.status.id,
                RepliesBy::Author(account.id),
                None,
                SELF_REPLIES_IN_NOTE,
            )
            .await
            .or_internal()?;
            note.replies = Some(CollectionRef::Collection(Box::new(replies_collection(
                &view.status.uri,
                &own,
            ))));
        }
        Ok(doc)
    }

    /// The Tombstone a deleted local status of `username` left, if `id` was one.
    pub async fn status_tombstone(&self, username: &str, id: i64) -> Result<Option<Object>> {
        let account = self.local_account(username).await?;
        let uri = format!(
            "{}/users/{}/statuses/{id}",
            self.config().base_url(),
            account.username
        );
        let gone = tombstones::exists(self.db().reader(), &uri)
            .await
            .or_internal()?;
        Ok(gone.then(|| Object::tombstone(uri).with_context(Context::activitystreams())))
    }

    /// The `replies` collection of a public or unlisted local status, as Mastodon serves it:
    /// without `page`, the collection with its first page embedded; a page lists the author's
    /// own replies first (local ones as Notes, remote ones by id), then, with
    /// `only_other_accounts`, everyone else's. Only public and unlisted replies are listed.
    pub async fn replies_collection(
        &self,
        username: &str,
        id: i64,
        page: bool,
        min_id: Option<i64>,
        only_other_accounts: bool,
    ) -> Result<Collection> {
        let account = self.local_account(username).await?;
        let parent = statuses::find(self.db().reader(), id)
            .await
            .or_internal()?
            .filter(|s| s.account_id == account.id && s.reblog_of_id.is_none())
            .filter(|s| matches!(s.visibility, Visibility::Public | Visibility::Unlisted))
            .ok_or_else(Error::not_found)?;
        let by = if only_other_accounts {
            RepliesBy::Others(account.id)
        } else {
            RepliesBy::Author(account.id)
        };
        let list =
            statuses::public_replies(self.db().reader(), parent.id, by, min_id, REPLIES_PAGE_SIZE)
                .await
                .or_internal()?;
        let collection_id = format!("{}/replies", parent.uri);
        let full = list.len() as i64 >= REPLIES_PAGE_SIZE;
        let last = list.last().map(|s| (s.id, s.account_id));
        let next = if only_other_accounts {
            last.filter(|_| full).map(|(last_id, _)| {
                format!("{collection_id}?min_id={last_id}&only_other_accounts=true&page=true")
            })
        } else {
            // Still the author's own replies while a full page of them ends with theirs.
            match last {
                Some((last_id, author)) if full && author == account.id => {
                    Some(format!("{collection_id}?min_id={last_id}&page=true"))
                }
                _ => Some(format!(
                    "{collection_id}?only_other_accounts=true&page=true"
                )),
            }
        };
        let views = self.status_views(list, None).await?;
        let mut items = Vec::with_capacity(views.len());
        for v in &views {
            if v.status.local {
                items.push(ObjectRef::from(
                    self.note_document(v, Some(parent.uri.as_str())),
                ));
            } else {
                items.push(ObjectRef::from(v.status.uri.clone()));
            }
        }
        let mut query = Vec::new();
        if let Some(m) = min_id {
            query.push(format!("min_id={m}"));
        }
        if only_other_accounts {
            query.push("only_other_accounts=true".to_string());
        }
        query.push("page=true".to_string());
        let page_doc = Collection {
            id: Some(format!("{collection_id}?{}", query.join("&"))),
            part_of: Some(Ref::new(collection_id.clone())),
            next: next.map(CollectionRef::Link),
            items: items.into(),
            ..Collection::new(CollectionKind::CollectionPage)
        };
        if page {
            return Ok(page_doc.with_context(Context::mastodon()));
        }
        Ok(Collection {
            id: Some(collection_id),
            first: Some(CollectionRef::Collection(Box::new(page_doc))),
            ..Collection::new(CollectionKind::Collection)
        }
        .with_context(Context::mastodon()))
    }

    async fn status_activity_or_note(&self, view: &StatusView) -> Result<Document> {
        if let Some(original) = &view.reblog {
            let mut a = self.announce_activity(view, &original.status.uri);
            a.context = Some(Context::mastodon());
            return Ok(Document::Activity(Box::new(a)));
        }
        let parent = self.parent_uri(&view.status).await?;
        Ok(Document::Object(Box::new(
            self.note_document(view, parent.as_deref())
                .with_context(Context::mastodon()),
        )))
    }

    /// The outbox: a collection pointing at its first page, or (with `page`) one page of
    /// `Create`/`Announce` activities for public and unlisted statuses, newest first.
    pub async fn outbox(&self, username: &str, page: Option<Option<i64>>) -> Result<Collection> {
        let account = self.local_account(username).await?;
        let outbox = format!("{}/outbox", account.uri);
        let Some(max_id) = page else {
            return Ok(Collection::ordered(
                outbox.clone(),
                account.statuses_count.max(0) as u64,
                format!("{outbox}?page=true"),
            )
            .with_context(Context::mastodon()));
        };
        let list = timelines::account(
            self.db().reader(),
            account.id,
            None,
            &AccountFilter::default(),
            &Page {
                max_id,
                limit: PAGE_SIZE,
                ..Default::default()
            },
        )
        .await
        .or_internal()?;
        let last = list.last().map(|s| s.id);
        let full = list.len() as i64 == PAGE_SIZE;
        let views = self.status_views(list, None).await?;
        let mut items = Vec::with_capacity(views.len());
        for v in &views {
            let item = match &v.reblog {
                Some(original) => ObjectRef::from(self.announce_activity(v, &original.status.uri)),
                None => {
                    let parent = self.parent_uri(&v.status).await?;
                    ObjectRef::from(self.create_activity(v, parent.as_deref()))
                }
            };
            items.push(item);
        }
        let id = match max_id {
            Some(m) => format!("{outbox}?max_id={m}&page=true"),
            None => format!("{outbox}?page=true"),
        };
        let mut c =
            Collection::ordered_page(id, outbox.clone(), items).with_context(Context::mastodon());
        if let (true, Some(last)) = (full, last) {
            c.next = Some(CollectionRef::Link(format!(
                "{outbox}?max_id={last}&page=true"
            )));
        }
        Ok(c)
    }

    /// Followers or following as an ordered collection of actor ids, paged like Mastodon's.
    pub async fn follow_collection(
        &self,
        username: &str,
        side: Side,
        page: Option<i64>,
    ) -> Result<Collection> {
        let account = self.local_account(username).await?;
        let (name, total) = match side {
            Side::Followers => ("followers", account.followers_count),
            Side::Following => ("following", account.following_count),
        };
        let id = format!("{}/{name}", account.uri);
        let Some(page) = page else {
            return Ok(Collection::ordered(
                id.clone(),
                total.max(0) as u64,
                format!("{id}?page=1"),
            )
            .with_context(Context::mastodon()));
        };
        let page = page.max(1);
        // Follow rows are paged by offset here: ActivityPub pages are numbered, not cursors.
        let rows = follows::list_offset(
            self.db().reader(),
            Kind::Follow,
            side,
            account.id,
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await
        .or_internal()?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|f| match side {
                Side::Followers => f.account_id,
                Side::Following => f.target_account_id,
            })
            .collect();
        let found = accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?;
        let items: Vec<ObjectRef> = ids
            .iter()
            .filter_map(|i| found.iter().find(|a| a.id == *i))
            .map(|a| ObjectRef::from(a.uri.clone()))
            .collect();
        let mut c = Collection::ordered_page(format!("{id}?page={page}"), id.clone(), items)
            .with_context(Context::mastodon());
        c.total_items = Some(total.max(0) as u64);
        if rows.len() as i64 == PAGE_SIZE {
            c.next = Some(CollectionRef::Link(format!("{id}?page={}", page + 1)));
        }
        Ok(c)
    }

    /// Pinned statuses as Notes (`featured`).
    pub async fn featured_collection(&self, username: &str) -> Result<Collection> {
        let account = self.local_account(username).await?;
        let list = timelines::account(
            self.db().reader(),
            account.id,
            None,
            &AccountFilter {
                pinned: true,
                ..Default::default()
            },
            &Page {
                limit: PAGE_SIZE,
                ..Default::default()
            },
        )
        .await
        .or_internal()?;
        let views = self.status_views(list, None).await?;
        let mut items = Vec::new();
        for v in &views {
            let parent = self.parent_uri(&v.status).await?;
            items.push(ObjectRef::from(self.note_document(v, parent.as_deref())));
        }
        let mut c =
            Collection::new(CollectionKind::OrderedCollection).with_context(Context::mastodon());
        c.id = Some(format!("{}/collections/featured", account.uri));
        c.total_items = Some(items.len() as u64);
        c.ordered_items = items.into();
        Ok(c)
    }

    /// Featured hashtags: none can be featured yet, so the collection is empty.
    pub async fn featured_tags_collection(&self, username: &str) -> Result<Collection> {
        let account = self.local_account(username).await?;
        let mut c = Collection::new(CollectionKind::Collection).with_context(Context::mastodon());
        c.id = Some(format!("{}/collections/tags", account.uri));
        c.total_items = Some(0);
        Ok(c)
    }
}
