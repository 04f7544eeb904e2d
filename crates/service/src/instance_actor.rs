//! The instance actor (`/actor`): an `Application` that speaks for the server itself, as
//! Mastodon's does. It signs our fetches of remote documents — servers in authorized-fetch
//! mode (and GoToSocial, by default) answer only signed GETs — and stays fetchable without a
//! signature itself, which ends the chain of "who signed this?" lookups between two servers
//! that both require signatures. Its key pair is generated once and kept in the `settings`
//! table, so every process on one database signs with the same key.

use std::sync::Arc;

use bonsai_db::settings;
use bonsai_federation::signatures::SigningKey;
use bonsai_federation::wire::{
    Actor, ActorKind, Collection, CollectionKind, Context, Endpoints, Many, PublicKey,
};

use crate::convert::key_id;
use crate::error::{DbResultExt, Error, Result};
use crate::federation::{signer, Signer};
use crate::Services;

const KEY_SETTING: &str = "instance_actor_key";

/// The instance actor's key pair, loaded once per process.
pub(crate) struct InstanceKey {
    public_pem: String,
    signing: Arc<SigningKey>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredKey {
    public_pem: String,
    private_pem: String,
}

impl Services {
    /// `https://domain/actor`.
    pub fn instance_actor_uri(&self) -> String {
        format!("{}/actor", self.config().base_url())
    }

    /// Whether a WebFinger `resource` names the instance actor: `acct:domain@domain` (how
    /// Mastodon addresses it) or its URI.
    pub fn is_instance_actor_resource(&self, resource: &str) -> bool {
        let domain = &self.config().domain;
        let acct = resource.strip_prefix("acct:").unwrap_or(resource);
        acct.eq_ignore_ascii_case(&format!("{domain}@{domain}"))
            || resource == self.instance_actor_uri()
    }

    pub(crate) async fn instance_key(&self) -> Result<Arc<InstanceKey>> {
        self.inner
            .instance_key
            .get_or_try_init(|| self.load_or_create_instance_key())
            .await
            .cloned()
    }

    async fn load_or_create_instance_key(&self) -> Result<Arc<InstanceKey>> {
        let stored = match settings::get(self.db().reader(), KEY_SETTING)
            .await
            .or_internal()?
        {
            Some(json) => json,
            None => {
                let pair = tokio::task::spawn_blocking(bonsai_federation::keys::generate_rsa_2048)
                    .await
                    .map_err(|_| Error::internal())?
                    .map_err(|e| {
                        tracing::error!(error = %e, "instance actor key generation failed");
                        Error::internal()
                    })?;
                let json = serde_json::to_string(&StoredKey {
                    public_pem: pair.public_pem,
                    private_pem: pair.private_pem,
                })
                .map_err(|_| Error::internal())?;
                // Another process may have won the race: whatever is stored is the key.
                settings::insert_if_absent(self.db().writer(), KEY_SETTING, &json)
                    .await
                    .or_internal()?;
                settings::get(self.db().writer(), KEY_SETTING)
                    .await
                    .or_internal()?
                    .ok_or_else(Error::internal)?
            }
        };
        let stored: StoredKey = serde_json::from_str(&stored).map_err(|e| {
            tracing::error!(error = %e, "stored instance actor key is unreadable");
            Error::internal()
        })?;
        let signing = SigningKey::from_pem(&stored.private_pem).map_err(|e| {
            tracing::error!(error = %e, "stored instance actor key is unusable");
            Error::internal()
        })?;
        Ok(Arc::new(InstanceKey {
            public_pem: stored.public_pem,
            signing: Arc::new(signing),
        }))
    }

    /// The `Application` document served at `/actor`.
    pub async fn instance_actor_document(&self) -> Result<Actor> {
        let key = self.instance_key().await?;
        let uri = self.instance_actor_uri();
        let domain = self.config().domain.clone();
        let mut actor =
            Actor::new(ActorKind::Application, uri.clone()).with_context(Context::mastodon());
        actor.inbox = Some(format!("{uri}/inbox"));
        actor.outbox = Some(format!("{uri}/outbox"));
        actor.preferred_username = Some(domain);
        actor.url = Many::one(
            format!(
                "{}/about/more?instance_actor=true",
                self.config().base_url()
            )
            .into(),
        );
        actor.manually_approves_followers = Some(true);
        actor.public_key = Many::one(PublicKey::new(
            key_id(&uri),
            uri.clone(),
            key.public_pem.clone(),
        ));
        actor.endpoints = Some(Endpoints {
            shared_inbox: Some(self.shared_inbox_url()),
        });
        Ok(actor)
    }

    /// `/actor/outbox`: the instance actor posts nothing.
    pub fn instance_actor_outbox(&self) -> Collection {
        Collection {
            id: Some(format!("{}/outbox", self.instance_actor_uri())),
            total_items: Some(0),
            ..Collection::new(CollectionKind::OrderedCollection)
        }
        .with_context(Context::activitystreams())
    }

    /// A signer as the instance actor: for outgoing GETs, and activities that speak for the
    /// server itself (a forwarded report's `Flag`).
    pub(crate) async fn fetch_signer(&self) -> Result<Signer> {
        let key = self.instance_key().await?;
        Ok(signer(
            key_id(&self.instance_actor_uri()),
            key.signing.clone(),
        ))
    }
}
