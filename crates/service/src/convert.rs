//! Model -> ActivityPub documents: the one place our rows become wire types. (The inbound
//! direction joins this file when the inbox lands.)

use bonsai_core::model::{Account, Field, RemoteEndpoints};
use bonsai_core::text::{escape_html, sanitize_remote_html};
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_federation::wire::{
    Activity, ActivityKind, Actor, ActorKind, Addressing, Attachment, Context, Endpoints, Many,
    Object, PublicKey, Ref, Tag, PUBLIC,
};

use crate::views::StatusView;
use crate::Services;

/// The key id Mastodon uses, and so the one peers expect: `{actor}#main-key`.
pub fn key_id(actor_uri: &str) -> String {
    format!("{actor_uri}#main-key")
}

impl Services {
    /// Where the instance's shared inbox is.
    pub fn shared_inbox_url(&self) -> String {
        format!("{}/inbox", self.config().base_url())
    }

    pub fn actor_document(&self, a: &Account) -> Actor {
        let uri = a.uri.clone();
        let kind = if a.bot {
            ActorKind::Service
        } else {
            ActorKind::Person
        };
        let mut actor = Actor::new(kind, uri.clone()).with_context(Context::mastodon());
        actor.following = Some(Ref::new(format!("{uri}/following")));
        actor.followers = Some(Ref::new(format!("{uri}/followers")));
        actor.inbox = Some(format!("{uri}/inbox"));
        actor.outbox = Some(format!("{uri}/outbox"));
        actor.featured = Some(Ref::new(format!("{uri}/collections/featured")));
        actor.featured_tags = Some(Ref::new(format!("{uri}/collections/tags")));
        actor.preferred_username = Some(a.username.clone());
        actor.name = Some(a.display_name.clone());
        actor.summary = Some(a.note.clone());
        actor.url = Many::one(a.url.clone().into());
        actor.manually_approves_followers = Some(a.locked);
        actor.discoverable = Some(a.discoverable);
        actor.indexable = Some(false);
        actor.memorial = Some(false);
        actor.published = Some(a.created_at.to_rfc3339());
        actor.public_key = Many::one(PublicKey::new(
            key_id(&uri),
            uri.clone(),
            a.public_key_pem.clone(),
        ));
        actor.endpoints = Some(Endpoints {
            shared_inbox: Some(self.shared_inbox_url()),
        });
        for f in &a.fields {
            actor.attachment.push(Attachment::property_value(
                escape_html(&f.name),
                escape_html(&f.value),
            ));
        }
        actor
    }

    /// Who a status is addressed to, per Mastodon's visibility mapping.
    fn addressing(&self, v: &StatusView) -> Addressing {
        let followers = format!("{}/followers", v.account.uri);
        let mentioned: Vec<Ref> = v.mentions.iter().map(|m| Ref::new(m.uri.clone())).collect();
        let (to, cc) = match v.status.visibility {
            Visibility::Public => (
                vec![Ref::new(PUBLIC)],
                [vec![Ref::new(followers)], mentioned].concat(),
            ),
            Visibility::Unlisted => (
                vec![Ref::new(followers)],
                [vec![Ref::new(PUBLIC)], mentioned].concat(),
            ),
            Visibility::Private => (vec![Ref::new(followers)], mentioned),
            Visibility::Direct => (mentioned, Vec::new()),
        };
        Addressing {
            to: to.into(),
            cc: cc.into(),
            ..Addressing::default()
        }
    }

    /// A status as a `Note`. `in_reply_to` is the parent's ActivityPub id, if any.
    pub fn note_document(&self, v: &StatusView, in_reply_to: Option<&str>) -> Object {
        let s = &v.status;
        let base = self.config().base_url();
        let mut note = Object::note(s.uri.clone(), v.account.uri.clone());
        note.addressing = self.addressing(v);
        note.summary = (!s.spoiler_text.is_empty()).then(|| s.spoiler_text.clone());
        note.in_reply_to = in_reply_to.map(Ref::new);
        note.published = Some(s.created_at.to_rfc3339());
        note.updated = s.edited_at.map(|t| t.to_rfc3339());
        note.url = Many::one(s.url.clone().into());
        note.sensitive = Some(s.sensitive);
        note.content = Some(s.content.clone());
        if let Some(lang) = &s.language {
            note.content_map = Some([(lang.clone(), s.content.clone())].into_iter().collect());
        }
        for m in &v.mentions {
            let name = match &m.domain {
                Some(d) => format!("@{}@{d}", m.username),
                None => format!("@{}@{}", m.username, self.config().domain),
            };
            note.tag.push(Tag::mention(m.uri.clone(), name));
        }
        for t in &v.tags {
            note.tag.push(Tag::hashtag(
                format!("{base}/tags/{}", t.name),
                format!("#{}", t.display_name),
            ));
        }
        note
    }

    /// `Create` of a status, as it appears in the outbox (and, later, in deliveries).
    pub fn create_activity(&self, v: &StatusView, in_reply_to: Option<&str>) -> Activity {
        Activity::wrap(
            ActivityKind::Create,
            format!("{}/activity", v.status.uri),
            self.note_document(v, in_reply_to),
        )
    }

    /// A boost as an `Announce` of the original's id.
    pub fn announce_activity(&self, v: &StatusView, original_uri: &str) -> Activity {
        let mut a = Activity::new(
            ActivityKind::Announce,
            v.status.uri.clone(),
            v.account.uri.clone(),
            original_uri.to_string(),
        );
        a.published = Some(v.status.created_at.to_rfc3339());
        a.addressing = self.addressing(&StatusView {
            mentions: Vec::new(),
            ..v.clone()
        });
        a
    }
}

/// A remote actor as an account row (with id `new_id` if it is new) plus where to reach it.
/// `None` when the actor lacks what we need to talk to it (username, inbox, key).
pub fn remote_account(actor: &Actor, new_id: i64) -> Option<(Account, RemoteEndpoints)> {
    let id = actor.id().to_string();
    let domain = crate::federation::authority(&id)?;
    let username = actor.preferred_username.clone().filter(|u| !u.is_empty())?;
    let key = actor
        .public_key
        .iter()
        .find(|k| k.public_key_pem.is_some())?;
    let now = Timestamp::now();
    let account = Account {
        id: new_id,
        username,
        domain: Some(domain),
        display_name: actor
            .name
            .clone()
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect(),
        note: sanitize_remote_html(actor.summary.as_deref().unwrap_or("")),
        note_source: String::new(),
        locked: actor.manually_approves_followers.unwrap_or(false),
        bot: matches!(actor.kind, ActorKind::Service | ActorKind::Application),
        discoverable: actor.discoverable.unwrap_or(false),
        fields: actor
            .fields()
            .take(16)
            .map(|f| Field {
                name: f.name.clone().unwrap_or_default(),
                value: sanitize_remote_html(f.value.as_deref().unwrap_or("")),
                verified_at: None,
            })
            .collect(),
        url: actor.url().unwrap_or(&id).to_string(),
        public_key_pem: key.public_key_pem.clone().unwrap_or_default(),
        private_key_pem: None,
        uri: id.clone(),
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        created_at: now,
        updated_at: now,
    };
    let endpoints = RemoteEndpoints {
        inbox_url: actor.inbox.clone()?,
        shared_inbox_url: actor.shared_inbox().unwrap_or("").to_string(),
        followers_url: actor.followers().unwrap_or("").to_string(),
        key_id: key.id.clone(),
    };
    Some((account, endpoints))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bonsai_federation::wire::Document;

    /// Every actor in the golden corpus that can be talked to maps to an account on its own
    /// domain, with sanitised HTML.
    #[test]
    fn golden_actors_map_to_accounts() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/golden");
        let mut mapped = 0;
        let mut servers = std::collections::BTreeSet::new();
        for server in std::fs::read_dir(root).unwrap() {
            let server = server.unwrap().path();
            if !server.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&server).unwrap() {
                let path = file.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let Ok(Document::Actor(actor)) = Document::from_slice(&bytes) else {
                    continue;
                };
                let reachable = actor.inbox.is_some()
                    && actor.preferred_username.is_some()
                    && actor.public_key_pem().is_some();
                let result = remote_account(&actor, 1);
                assert_eq!(result.is_some(), reachable, "{}", path.display());
                if let Some((a, ep)) = result {
                    let host = url::Url::parse(actor.id())
                        .unwrap()
                        .host_str()
                        .unwrap()
                        .to_string();
                    assert!(
                        a.domain.as_deref().unwrap().starts_with(&host),
                        "{}",
                        path.display()
                    );
                    assert!(!a.note.contains("<script"), "{}", path.display());
                    assert_eq!(ep.inbox_url, actor.inbox.clone().unwrap());
                    assert!(a.public_key_pem.contains("PUBLIC KEY"));
                    mapped += 1;
                    servers.insert(server.file_name().unwrap().to_string_lossy().into_owned());
                }
            }
        }
        assert!(mapped >= 20, "only {mapped} golden actors mapped");
        assert!(servers.len() >= 6, "{servers:?}");
    }
}
