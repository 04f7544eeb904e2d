//! Receiving: verify the HTTP signature, make sure the signer is the activity's actor, and
//! queue the activity. Processing happens in a job, so the sender gets its 202 fast.

use std::time::SystemTime;

use http::{HeaderMap, Method, Uri};
use serde_json::json;

use bonsai_federation::signatures::{self, SignatureError};
use bonsai_federation::wire::Document;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::jobs::Queue;
use crate::Services;

pub struct InboxRequest<'a> {
    pub method: &'a Method,
    /// Absolute: our base URL plus the path and query the request came in on.
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

fn unauthorized(e: impl std::fmt::Display) -> Error {
    Error::unauthorized(format!("Request not signed correctly: {e}"))
}

impl Services {
    /// The account that signed a request (`body` is `None` for a GET), or 401. A blocked
    /// server gets 403 before anything is fetched from it.
    async fn verify_signer(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<bonsai_core::model::Account> {
        let parsed = signatures::parse(method, uri, headers).map_err(unauthorized)?;
        self.check_domain(parsed.key_id())?;
        let now = SystemTime::now();
        let owner = self
            .key_owner(parsed.key_id(), false)
            .await
            .map_err(|e| unauthorized(e.message))?;
        match signatures::verify(&parsed, &owner.public_key_pem, body, now) {
            Ok(_) => Ok(owner),
            // The actor may have rotated its key: look once more before refusing.
            Err(SignatureError::BadSignature) => {
                let owner = self
                    .key_owner(parsed.key_id(), true)
                    .await
                    .map_err(|e| unauthorized(e.message))?;
                signatures::verify(&parsed, &owner.public_key_pem, body, now)
                    .map_err(unauthorized)?;
                Ok(owner)
            }
            Err(e) => Err(unauthorized(e)),
        }
    }

    /// Authorized-fetch mode: the server account that signed a GET for one of our
    /// ActivityPub documents, or 401 (unsigned, or not verifiable) / 403 (blocked server).
    pub async fn verify_signed_fetch(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<bonsai_core::model::Account> {
        self.verify_signer(method, uri, headers, None).await
    }

    pub async fn receive_activity(&self, req: InboxRequest<'_>) -> Result<()> {
        let owner = self
            .verify_signer(req.method, req.uri, req.headers, Some(req.body))
            .await?;
        let value: serde_json::Value = serde_json::from_slice(req.body)
            .map_err(|_| Error::validation("The body is not JSON"))?;
        let doc = Document::from_value(value.clone())
            .map_err(|e| Error::validation(format!("Not an activity: {e}")))?;
        let activity = doc
            .as_activity()
            .ok_or_else(|| Error::validation("Not an activity"))?;
        // The signer speaks only for itself.
        if activity.actor_id() != Some(owner.uri.as_str()) {
            return Err(Error::unauthorized(
                "The signer is not the activity's actor",
            ));
        }
        // A server that speaks to us is up again: deliveries to it resume.
        if let Some(domain) = owner.domain.as_deref() {
            if bonsai_db::domains::failing_since(self.db().reader(), domain)
                .await
                .or_internal()?
                .is_some()
            {
                bonsai_db::domains::record_success(self.db().writer(), domain)
                    .await
                    .or_internal()?;
            }
        }
        let mut tx = self.db().begin().await.or_internal()?;
        // One actor's activities are processed in the order they came: a Create must not
        // race its own Update or Delete, a Follow its Undo.
        self.enqueue(
            &mut tx,
            Queue::Inbox,
            Some(&owner.id.to_string()),
            &json!({ "actor_id": owner.id, "activity": value }),
        )
        .await?;
        commit(tx).await?;
        self.job_signal().wake();
        Ok(())
    }
}
