use serde::Serialize;

use bonsai_service::views::StatusView;

use super::account::Account;
use super::app::StatusApplication;
use super::emoji::CustomEmoji;
use super::media::MediaAttachment;

#[derive(Debug, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub id: String,
    pub created_at: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub visibility: &'static str,
    pub language: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub edited_at: Option<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub muted: bool,
    pub bookmarked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    pub content: String,
    /// Only in the answer to a delete (for "delete and redraft").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub filtered: Vec<serde_json::Value>,
    pub reblog: Option<Box<Status>>,
    pub application: Option<StatusApplication>,
    pub account: Account,
    pub media_attachments: Vec<MediaAttachment>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<Tag>,
    pub emojis: Vec<CustomEmoji>,
    pub card: Option<serde_json::Value>,
    pub poll: Option<serde_json::Value>,
}

impl Status {
    pub fn new(v: &StatusView, base_url: &str) -> Self {
        let s = &v.status;
        Self {
            id: s.id.to_string(),
            created_at: s.created_at.to_rfc3339(),
            in_reply_to_id: s.in_reply_to_id.map(|i| i.to_string()),
            in_reply_to_account_id: s.in_reply_to_account_id.map(|i| i.to_string()),
            sensitive: s.sensitive,
            spoiler_text: s.spoiler_text.clone(),
            visibility: s.visibility.as_str(),
            language: s.language.clone(),
            uri: s.uri.clone(),
            url: Some(s.url.clone()),
            replies_count: s.replies_count,
            reblogs_count: s.reblogs_count,
            favourites_count: s.favourites_count,
            edited_at: s.edited_at.map(|t| t.to_rfc3339()),
            favourited: v.favourited,
            reblogged: v.reblogged,
            muted: false,
            bookmarked: false,
            pinned: v.pinned,
            content: s.content.clone(),
            text: None,
            filtered: Vec::new(),
            reblog: v
                .reblog
                .as_ref()
                .map(|r| Box::new(Status::new(r, base_url))),
            application: v.application.as_ref().map(|a| StatusApplication {
                name: a.name.clone(),
                website: a.website.clone(),
            }),
            account: Account::from_view(&v.account, base_url),
            media_attachments: v
                .media_attachments
                .iter()
                .map(MediaAttachment::new)
                .collect(),
            mentions: v
                .mentions
                .iter()
                .map(|a| Mention {
                    id: a.id.to_string(),
                    username: a.username.clone(),
                    url: a.url.clone(),
                    acct: a.acct(),
                })
                .collect(),
            tags: v
                .tags
                .iter()
                .map(|t| Tag {
                    name: t.name.clone(),
                    url: format!("{base_url}/tags/{}", t.name),
                })
                .collect(),
            emojis: v.emojis.iter().map(CustomEmoji::new).collect(),
            card: None,
            poll: None,
        }
    }

    /// The deleted status as Mastodon returns it: with its source text.
    pub fn with_source(v: &StatusView, base_url: &str) -> Self {
        Self {
            text: Some(v.status.text.clone()),
            ..Self::new(v, base_url)
        }
    }
}
