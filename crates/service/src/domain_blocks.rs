//! A user's own domain blocks, as Mastodon's `AccountDomainBlock`: posts and notifications from
//! that server are hidden from them, their followers there are removed (with a `Reject` sent),
//! their follows of accounts there end (with an `Undo`), and new follows either way are refused.

use serde_json::{json, Value};

use bonsai_core::model::{Account, Page};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::domain_blocks::{self, Direction};
use bonsai_db::follows::Kind;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::oauth::Viewer;
use crate::Services;

/// Most follows of each kind one domain block ends (the rest stay until the next block).
const MAX_SEVERED: i64 = 10_000;

/// One page of domain blocks: the domains plus the ids pagination runs over.
pub struct DomainBlockPage {
    pub domains: Vec<String>,
    pub cursor_ids: Vec<i64>,
}

/// Trimmed, lower case, international names in their ASCII (punycode) form as accounts'
/// domains are stored.
fn canonical(raw: &str) -> String {
    let d = raw.trim().trim_end_matches('.').to_lowercase();
    if d.is_ascii() {
        return d;
    }
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (d.as_str(), None),
    };
    match url::Host::parse(host) {
        Ok(url::Host::Domain(ascii)) => match port {
            Some(p) => format!("{ascii}:{p}"),
            None => ascii,
        },
        // Not a name that can be made ASCII: validation refuses it.
        _ => d,
    }
}

/// Mastodon's normalisation (strip, lower case, punycode) and validation of a domain name; accounts'
/// domains may carry a port (`host:port`), so a block may too.
pub fn normalize_domain(raw: &str) -> Result<String> {
    let d = canonical(raw);
    if d.is_empty() {
        return Err(Error::validation(
            "Validation failed: Domain can't be blank",
        ));
    }
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d.as_str(), None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !port_ok || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(Error::validation("Validation failed: Domain is invalid"));
    }
    Ok(d)
}

impl Services {
    /// `GET /api/v1/domain_blocks`: the viewer's blocked domains, newest first.
    pub async fn domain_blocks(&self, viewer: &Viewer, page: &Page) -> Result<DomainBlockPage> {
        viewer.require("read:blocks")?;
        let me = viewer.account()?.id;
        let rows = domain_blocks::list(self.db().reader(), me, page)
            .await
            .or_internal()?;
        let (cursor_ids, domains) = rows.into_iter().unzip();
        Ok(DomainBlockPage {
            domains,
            cursor_ids,
        })
    }

    /// `POST /api/v1/domain_blocks`.
    pub async fn block_domain(&self, viewer: &Viewer, raw: &str) -> Result<()> {
        viewer.require("write:blocks")?;
        let me = viewer.account()?.clone();
        let domain = normalize_domain(raw)?;
        let ours = self.config().domain.to_lowercase();
        if domain == ours || Some(domain.as_str()) == ours.split(':').next() {
            // Mastodon stores such a block, to no effect; refusing says so.
            return Err(Error::validation(
                "Validation failed: Domain cannot be this server",
            ));
        }
        let mut tx = self.db().begin().await.or_internal()?;
        let created =
            domain_blocks::add(&mut *tx, self.next_id(), me.id, &domain, Timestamp::now())
                .await
                .or_internal()?;
        if created {
            self.after_domain_block(&mut tx, &me, &domain).await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        tracing::info!(account = me.id, %domain, "domain blocked by user");
        Ok(())
    }

    /// `DELETE /api/v1/domain_blocks`: fine when there was no such block, as in Mastodon.
    pub async fn unblock_domain(&self, viewer: &Viewer, raw: &str) -> Result<()> {
        viewer.require("write:blocks")?;
        let me = viewer.account()?.id;
        let domain = canonical(raw);
        if domain.is_empty() {
            return Ok(());
        }
        domain_blocks::remove(self.db().writer(), me, &domain)
            .await
            .or_internal()?;
        Ok(())
    }

    /// Is `target` on a server `me` blocks?
    pub(crate) async fn domain_blocks_account(&self, me: i64, target: &Account) -> Result<bool> {
        match target.domain.as_deref() {
            Some(d) => domain_blocks::blocks(self.db().reader(), me, d)
                .await
                .or_internal(),
            None => Ok(false),
        }
    }

    /// Mastodon's `AfterBlockDomainFromAccountService`: notifications from the domain go, the
    /// user's follows there are undone, followers and requests from there are rejected.
    async fn after_domain_block(
        &self,
        tx: &mut bonsai_db::Tx,
        me: &Account,
        domain: &str,
    ) -> Result<()> {
        domain_blocks::clear_notifications_from(&mut **tx, me.id, domain)
            .await
            .or_internal()?;
        for kind in [Kind::Follow, Kind::Request] {
            let outgoing = domain_blocks::follows_with_domain(
                &mut **tx,
                kind,
                Direction::Outgoing,
                me.id,
                domain,
                MAX_SEVERED,
            )
            .await
            .or_internal()?;
            for (other, uri) in outgoing {
                let target = self.account(other).await?;
                if !uri.is_empty() {
                    let undo = json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{uri}/undo"),
                        "type": "Undo",
                        "actor": me.uri,
                        "object": { "id": uri, "type": "Follow", "actor": me.uri, "object": target.uri }
                    });
                    let inbox = self.delivery_inbox_of(tx, target.id).await?;
                    self.enqueue_delivery(tx, me.id, &inbox, &undo).await?;
                }
                self.end_follow(tx, me.id, target.id).await?;
            }
            let incoming = domain_blocks::follows_with_domain(
                &mut **tx,
                kind,
                Direction::Incoming,
                me.id,
                domain,
                MAX_SEVERED,
            )
            .await
            .or_internal()?;
            for (other, uri) in incoming {
                let follower = self.account(other).await?;
                let reject = self.reject_follow_activity(me, &follower, &uri);
                let inbox = self.delivery_inbox_of(tx, follower.id).await?;
                self.enqueue_delivery(tx, me.id, &inbox, &reject).await?;
                self.end_follow(tx, follower.id, me.id).await?;
            }
        }
        Ok(())
    }

    /// `Reject` of `follower`'s Follow (id `follow_uri`, when known) by local `target`, shaped
    /// as Mastodon's `RejectFollowSerializer`.
    pub(crate) fn reject_follow_activity(
        &self,
        target: &Account,
        follower: &Account,
        follow_uri: &str,
    ) -> Value {
        let mut follow = json!({ "type": "Follow", "actor": follower.uri, "object": target.uri });
        if !follow_uri.is_empty() {
            follow["id"] = json!(follow_uri);
        }
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#rejects/follows/{}", target.uri, self.next_id()),
            "type": "Reject",
            "actor": target.uri,
            "object": follow
        })
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_domain;

    #[test]
    fn domains_are_normalised_and_checked() {
        assert_eq!(
            normalize_domain(" Example.COM ").ok().as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_domain("Bücher.example").ok().as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize_domain("127.0.0.1:8080").ok().as_deref(),
            Some("127.0.0.1:8080")
        );
        for bad in [
            "",
            "  ",
            "example com",
            "a/b",
            "x@y.z",
            "-a.example",
            "a..b",
            "h:99999",
        ] {
            assert!(normalize_domain(bad).is_err(), "{bad:?}");
        }
    }
}
