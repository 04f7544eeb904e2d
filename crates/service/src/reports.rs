//! Reports, as Mastodon's `ReportService`: a local user reports an account (and some of its
//! posts); a report about a remote account can be forwarded to its server as a `Flag`. Flags
//! from other servers become reports against our accounts. Moderators read them through
//! `bonsai admin reports list` until a moderation panel exists.

use serde_json::{json, Value};

use bonsai_core::model::{Account, Page};
use bonsai_core::timestamp::Timestamp;
use bonsai_db::reports::{self, Report};
use bonsai_db::statuses;

use crate::error::{commit, DbResultExt, Error, Result};
use crate::oauth::Viewer;
use crate::views::AccountView;
use crate::Services;

/// Mastodon's limit on a local report's comment.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// A remote server's comment is kept up to this length.
const MAX_REMOTE_COMMENT_CHARS: usize = 10_000;
/// Most posts one report names.
const MAX_REPORTED_STATUSES: usize = 100;

pub const CATEGORIES: [&str; 4] = ["spam", "legal", "violation", "other"];

/// What `POST /api/v1/reports` takes (ids as the client sent them).
#[derive(Debug, Default)]
pub struct NewReport {
    pub account_id: Option<String>,
    pub status_ids: Vec<String>,
    pub comment: String,
    pub forward: bool,
    pub category: Option<String>,
    pub rule_ids: Vec<String>,
}

/// A report with its target account, as the API renders it.
pub struct ReportView {
    pub report: Report,
    pub reporter: Account,
    pub target: AccountView,
}

impl Services {
    pub async fn file_report(&self, viewer: &Viewer, new: NewReport) -> Result<ReportView> {
        viewer.require("write:reports")?;
        let me = viewer.account()?.clone();
        let target_id = new
            .account_id
            .as_deref()
            .and_then(bonsai_core::id::parse_id)
            .ok_or_else(Error::not_found)?;
        let target = self.account(target_id).await?;
        if new.comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(Error::validation(format!(
                "Validation failed: Comment is too long (maximum is {MAX_COMMENT_CHARS} characters)"
            )));
        }
        // Instance rules do not exist yet, so no rule id can be valid.
        if !new.rule_ids.is_empty() {
            return Err(Error::validation(
                "Validation failed: Rule ids does not reference valid rules",
            ));
        }
        let category = match new.category.as_deref().map(str::trim) {
            None | Some("") => "other",
            Some(c) => CATEGORIES
                .iter()
                .find(|k| **k == c)
                .copied()
                .ok_or_else(|| {
                    Error::validation("Validation failed: Category is not included in the list")
                })?,
        };
        // Every named post must be the reported account's and visible to the reporter.
        let mut status_ids = Vec::new();
        for raw in new.status_ids.iter().take(MAX_REPORTED_STATUSES) {
            let id = bonsai_core::id::parse_id(raw).ok_or_else(Error::not_found)?;
            let s = self.visible_status(Some(me.id), id).await?;
            if s.account_id != target.id {
                return Err(Error::not_found());
            }
            if !status_ids.contains(&s.id) {
                status_ids.push(s.id);
            }
        }
        let forward = new.forward && !target.is_local();
        let id = self.next_id();
        let report = Report {
            id,
            account_id: me.id,
            target_account_id: target.id,
            status_ids,
            rule_ids: Vec::new(),
            comment: new.comment,
            category: category.to_string(),
            forwarded: forward,
            uri: Some(format!("{}/reports/{id}", self.config().base_url())),
            action_taken_at: None,
            created_at: Timestamp::now(),
        };
        let mut tx = self.db().begin().await.or_internal()?;
        reports::insert(&mut *tx, &report).await.or_internal()?;
        if forward {
            self.forward_report(&mut tx, &report, &target).await?;
        }
        commit(tx).await?;
        self.job_signal().wake();
        tracing::info!(
            report = report.id,
            reporter = me.id,
            target = target.id,
            forward,
            "report filed"
        );
        Ok(ReportView {
            report,
            reporter: me,
            target: self.account_view(target).await?,
        })
    }

    /// Sends a `Flag` to the reported account's server, as Mastodon does: from the instance
    /// actor (`/actor`), so the reporter's identity stays with us.
    async fn forward_report(
        &self,
        tx: &mut bonsai_db::Tx,
        report: &Report,
        target: &Account,
    ) -> Result<()> {
        let found = statuses::find_many(&mut **tx, &report.status_ids)
            .await
            .or_internal()?;
        let mut object = vec![Value::String(target.uri.clone())];
        object.extend(found.into_iter().map(|s| Value::String(s.uri)));
        let flag = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": report.uri,
            "type": "Flag",
            "actor": self.instance_actor_uri(),
            "content": report.comment,
            "object": object
        });
        let inbox = self.delivery_inbox_of(tx, target.id).await?;
        self.enqueue_instance_delivery(tx, &inbox, &flag).await
    }

    /// An inbound `Flag` from `actor`: one report per local account named in `object`, with
    /// the named posts that are that account's. Idempotent by the Flag's id.
    pub(crate) async fn receive_flag(
        &self,
        actor: &Account,
        flag_id: Option<&str>,
        object_ids: &[&str],
        content: Option<&str>,
    ) -> Result<()> {
        let db = self.db().reader();
        let mut targets: Vec<Account> = Vec::new();
        let mut posts = Vec::new();
        for uri in object_ids.iter().take(MAX_REPORTED_STATUSES + 1) {
            if let Some(a) = bonsai_db::accounts::find_by_uri(db, uri)
                .await
                .or_internal()?
                .filter(Account::is_local)
            {
                if !targets.iter().any(|t| t.id == a.id) {
                    targets.push(a);
                }
            } else if let Some(s) = statuses::find_by_uri(db, uri)
                .await
                .or_internal()?
                .filter(|s| s.local)
            {
                posts.push(s);
            }
        }
        let comment: String = content
            .unwrap_or("")
            .chars()
            .take(MAX_REMOTE_COMMENT_CHARS)
            .collect();
        for (n, target) in targets.iter().enumerate() {
            // The Flag's id names one report; a Flag naming several accounts gets one each.
            let uri = flag_id.map(|id| {
                if n == 0 {
                    id.to_string()
                } else {
                    format!("{id}#{}", target.id)
                }
            });
            if let Some(u) = &uri {
                if reports::find_by_uri(db, u).await.or_internal()?.is_some() {
                    continue;
                }
            }
            let report = Report {
                id: self.next_id(),
                account_id: actor.id,
                target_account_id: target.id,
                status_ids: posts
                    .iter()
                    .filter(|s| s.account_id == target.id)
                    .map(|s| s.id)
                    .collect(),
                rule_ids: Vec::new(),
                comment: comment.clone(),
                category: "other".into(),
                forwarded: false,
                uri,
                action_taken_at: None,
                created_at: Timestamp::now(),
            };
            reports::insert(self.db().writer(), &report)
                .await
                .or_internal()?;
            tracing::info!(report = report.id, from = %actor.acct(), target = target.id, "report received");
        }
        Ok(())
    }

    /// All reports, newest first (moderation).
    pub async fn reports(&self, page: &Page) -> Result<Vec<ReportView>> {
        let list = reports::list(self.db().reader(), page)
            .await
            .or_internal()?;
        let mut ids: Vec<i64> = list
            .iter()
            .flat_map(|r| [r.account_id, r.target_account_id])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let found = bonsai_db::accounts::find_many(self.db().reader(), &ids)
            .await
            .or_internal()?;
        let found = self.account_views(found).await?;
        Ok(list
            .into_iter()
            .filter_map(|report| {
                let pick = |id: i64| found.iter().find(|a| a.account.id == id).cloned();
                Some(ReportView {
                    reporter: pick(report.account_id)?.account,
                    target: pick(report.target_account_id)?,
                    report,
                })
            })
            .collect())
    }
}
