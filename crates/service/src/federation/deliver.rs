//! Sending: each delivery is a job (enqueued with the write that caused it), signed with the
//! sender's key. 2xx is done; 4xx is final except 401/408/429; the rest retries with backoff
//! (429 honours Retry-After).

use std::time::Duration;

use serde_json::{json, Value};

use bonsai_core::timestamp::Timestamp;
use bonsai_db::{accounts, domains, follows};
use bonsai_federation::client::Request;

use super::{signer, Signer};
use crate::convert::key_id;
use crate::error::{DbResultExt, Result};
use crate::jobs::{Outcome, Queue};
use crate::Services;

/// After this long failing, a server is parked (Mastodon: about a week).
const PARK_AFTER_SECS: i64 = 7 * 86_400;

impl Services {
    /// Queues `activity` from local account `sender_id` to one inbox.
    pub(crate) async fn enqueue_delivery(
        &self,
        conn: &mut bonsai_db::Conn,
        sender_id: i64,
        inbox: &str,
        activity: &Value,
    ) -> Result<()> {
        if inbox.is_empty() {
            return Ok(());
        }
        self.enqueue(
            conn,
            Queue::Delivery,
            None,
            &json!({ "sender_id": sender_id, "inbox": inbox, "activity": activity }),
        )
        .await
    }

    /// Queues `activity` to one inbox, signed as the instance actor (`/actor`).
    pub(crate) async fn enqueue_instance_delivery(
        &self,
        conn: &mut bonsai_db::Conn,
        inbox: &str,
        activity: &Value,
    ) -> Result<()> {
        if inbox.is_empty() {
            return Ok(());
        }
        self.enqueue(
            conn,
            Queue::Delivery,
            None,
            &json!({ "sender_id": 0, "as_instance_actor": true, "inbox": inbox, "activity": activity }),
        )
        .await
    }

    /// Queues `activity` to every server with a follower of `sender_id`, plus `extra` inboxes
    /// (mentioned remote accounts), one delivery per inbox.
    pub(crate) async fn enqueue_to_followers(
        &self,
        conn: &mut bonsai_db::Conn,
        sender_id: i64,
        activity: &Value,
        extra: Vec<String>,
        include_followers: bool,
    ) -> Result<()> {
        let mut inboxes = if include_followers {
            follows::follower_inboxes(&mut *conn, sender_id)
                .await
                .or_internal()?
        } else {
            Vec::new()
        };
        for e in extra {
            if !inboxes.contains(&e) {
                inboxes.push(e);
            }
        }
        for inbox in inboxes {
            self.enqueue_delivery(conn, sender_id, &inbox, activity)
                .await?;
        }
        Ok(())
    }

    /// The inbox to reach remote account `id` at (its server's shared inbox when known).
    pub(crate) async fn delivery_inbox_of(
        &self,
        conn: &mut bonsai_db::Conn,
        id: i64,
    ) -> Result<String> {
        Ok(accounts::endpoints(&mut *conn, id)
            .await
            .or_internal()?
            .map(|e| e.delivery_inbox().to_string())
            .unwrap_or_default())
    }

    pub(crate) async fn deliver_job(&self, payload: &Value) -> Outcome {
        let (Some(sender_id), Some(inbox)) =
            (payload["sender_id"].as_i64(), payload["inbox"].as_str())
        else {
            return Outcome::Fail {
                error: "delivery without sender or inbox".into(),
            };
        };
        if self.check_domain(inbox).is_err() {
            return Outcome::Fail {
                error: format!("{inbox} is on a server we don't federate with"),
            };
        }
        let domain = crate::federation::authority(inbox).unwrap_or_default();
        let failing = match domains::failing_since(self.db().reader(), &domain).await {
            Ok(f) => f,
            Err(e) => {
                return Outcome::Retry {
                    error: e.to_string(),
                    after: None,
                }
            }
        };
        if failing.is_some_and(|since| since.plus_secs(PARK_AFTER_SECS) < Timestamp::now()) {
            // Parked: the server has been failing for days. It is unparked when it
            // delivers to us again.
            return Outcome::Fail {
                error: format!("{domain} is unavailable (failing for days)"),
            };
        }
        let body = payload["activity"].to_string();
        let signer: Signer = if payload["as_instance_actor"].as_bool() == Some(true) {
            // Activities that speak for the server itself (a forwarded report's Flag).
            match self.fetch_signer().await {
                Ok(s) => s,
                Err(e) => {
                    return Outcome::Retry {
                        error: e.message,
                        after: None,
                    }
                }
            }
        } else {
            let sender = match accounts::find(self.db().reader(), sender_id).await {
                Ok(Some(a)) => a,
                Ok(None) => {
                    return Outcome::Fail {
                        error: "sender is gone".into(),
                    }
                }
                Err(e) => {
                    return Outcome::Retry {
                        error: e.to_string(),
                        after: None,
                    }
                }
            };
            let Some(key) = sender
                .private_key_pem
                .as_deref()
                .and_then(|pem| self.signing_keys().get(sender.id, pem))
            else {
                return Outcome::Fail {
                    error: "sender has no usable private key".into(),
                };
            };
            signer(key_id(&sender.uri), key)
        };
        let req = Request::post(inbox, body.into_bytes())
            .header("content-type", "application/activity+json")
            .signed_with(&*signer);
        let outcome = match self.http().send(req).await {
            Ok(res) if res.status.is_success() => Outcome::Done,
            Ok(res) => {
                let code = res.status.as_u16();
                let error = format!("{inbox} answered {code}");
                match code {
                    429 => {
                        let after = res
                            .headers
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(|s| Duration::from_secs(s.min(86_400)));
                        Outcome::Retry { error, after }
                    }
                    401 | 408 => Outcome::Retry { error, after: None },
                    // Redirects of a signed POST would need re-signing; Mastodon gives up too.
                    300..=499 => Outcome::Fail { error },
                    _ => Outcome::Retry { error, after: None },
                }
            }
            Err(e) if e.is_transient() => Outcome::Retry {
                error: e.to_string(),
                after: None,
            },
            Err(e) => Outcome::Fail {
                error: e.to_string(),
            },
        };
        // Track the server's health: a success clears it, a failure to reach it starts
        // (or continues) the clock towards parking.
        let db = self.db().writer();
        let recorded = match &outcome {
            Outcome::Done if failing.is_some() => domains::record_success(db, &domain).await,
            Outcome::Retry { .. } => domains::record_failure(db, &domain, Timestamp::now()).await,
            _ => Ok(()),
        };
        if let Err(e) = recorded {
            tracing::warn!(error = %e, %domain, "could not record delivery health");
        }
        outcome
    }
}
