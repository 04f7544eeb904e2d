use serde::Serialize;

use bonsai_service::reports::ReportView;

use super::Account;

/// Mastodon's `Report` entity, as the reporter sees it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    pub collection_ids: Vec<String>,
    pub target_account: Account,
}

impl Report {
    pub fn new(v: &ReportView, base_url: &str) -> Self {
        let r = &v.report;
        let strings = |ids: &[i64]| -> Vec<String> { ids.iter().map(i64::to_string).collect() };
        Self {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.map(|t| t.to_rfc3339()),
            category: r.category.clone(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: r.created_at.to_rfc3339(),
            status_ids: Some(strings(&r.status_ids)),
            // Mastodon answers null when the report cites no rules.
            rule_ids: (!r.rule_ids.is_empty()).then(|| strings(&r.rule_ids)),
            collection_ids: Vec::new(),
            target_account: Account::from_view(&v.target, base_url),
        }
    }
}
