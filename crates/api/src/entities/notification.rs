use serde::Serialize;

use bonsai_service::notifications::NotificationView;

use super::{Account, Status};

#[derive(Debug, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub group_key: String,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

impl Notification {
    pub fn new(v: &NotificationView, base_url: &str) -> Self {
        let n = &v.notification;
        Self {
            id: n.id.to_string(),
            kind: n.kind.clone(),
            created_at: n.created_at.to_rfc3339(),
            group_key: format!("ungrouped-{}", n.id),
            account: Account::from_view(&v.account, base_url),
            status: v.status.as_ref().map(|s| Status::new(s, base_url)),
        }
    }
}
