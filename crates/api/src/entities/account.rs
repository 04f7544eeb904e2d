use serde::Serialize;

use bonsai_core::model;
use bonsai_core::text::escape_html;
use bonsai_service::accounts::Credentials;
use bonsai_service::views::AccountView;

use super::emoji::CustomEmoji;

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
    pub hide_collections: bool,
    pub noindex: bool,
    pub emojis: Vec<CustomEmoji>,
    pub roles: Vec<serde_json::Value>,
    pub fields: Vec<Field>,
    /// The account this one moved to (only when it has, and never nested), as Mastodon's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
}

impl Account {
    /// The entity every route renders: the account with its custom emoji and `moved` (see
    /// `Services::account_views`, which loads those for a whole page at once).
    pub fn from_view(v: &AccountView, base_url: &str) -> Self {
        Self {
            emojis: v.emojis.iter().map(CustomEmoji::new).collect(),
            moved: v
                .moved
                .as_ref()
                .map(|m| Box::new(Self::from_view(m, base_url))),
            ..Self::new(&v.account, base_url)
        }
    }

    fn new(a: &model::Account, base_url: &str) -> Self {
        let avatar = a
            .avatar
            .as_ref()
            .map(|p| p.url.clone())
            .unwrap_or_else(|| format!("{base_url}/avatars/original/missing.png"));
        let header = a
            .header
            .as_ref()
            .map(|p| p.url.clone())
            .unwrap_or_else(|| format!("{base_url}/headers/original/missing.png"));
        // Mastodon rounds the creation time down to midnight UTC (privacy).
        let day_ms = 86_400_000;
        let created = model_time(a.created_at.millis() - a.created_at.millis().rem_euclid(day_ms));
        Self {
            id: a.id.to_string(),
            username: a.username.clone(),
            acct: a.acct(),
            display_name: a.display_name.clone(),
            locked: a.locked,
            bot: a.bot,
            discoverable: a.discoverable,
            indexable: false,
            group: false,
            created_at: created,
            note: a.note.clone(),
            url: a.url.clone(),
            uri: a.uri.clone(),
            avatar: avatar.clone(),
            avatar_static: avatar,
            header: header.clone(),
            header_static: header,
            followers_count: a.followers_count,
            following_count: a.following_count,
            statuses_count: a.statuses_count,
            last_status_at: a.last_status_at.map(|t| t.to_date()),
            hide_collections: false,
            noindex: false,
            emojis: Vec::new(),
            roles: Vec::new(),
            fields: a
                .fields
                .iter()
                .map(|f| Field {
                    name: escape_html(&f.name),
                    value: linkify_field(&f.value),
                    verified_at: None,
                })
                .collect(),
            moved: None,
        }
    }
}

fn model_time(ms: i64) -> String {
    bonsai_core::timestamp::Timestamp::from_millis(ms).to_rfc3339()
}

/// Field values are plain text; Mastodon turns a bare URL into a link.
fn linkify_field(value: &str) -> String {
    let v = value.trim();
    if (v.starts_with("https://") || v.starts_with("http://")) && !v.contains(char::is_whitespace) {
        let escaped = escape_html(v);
        format!(
            r#"<a href="{escaped}" target="_blank" rel="nofollow noopener me" translate="no">{escaped}</a>"#
        )
    } else {
        escape_html(value)
    }
}

#[derive(Debug, Serialize)]
pub struct SourceField {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<SourceField>,
    pub follow_requests_count: i64,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

#[derive(Debug, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

impl CredentialAccount {
    /// `view` is the account of `c` with its emoji and `moved`.
    pub fn new(
        c: &Credentials,
        view: &AccountView,
        follow_requests_count: i64,
        base_url: &str,
    ) -> Self {
        let (role_id, name, permissions) = match c.user.role {
            model::Role::User => ("-99", "", "0"),
            model::Role::Moderator => ("2", "Moderator", "1308"),
            model::Role::Admin => ("3", "Admin", "1"),
        };
        Self {
            account: Account::from_view(view, base_url),
            source: Source {
                privacy: c.user.default_visibility.as_str().to_string(),
                sensitive: c.user.default_sensitive,
                language: c.user.default_language.clone(),
                note: c.account.note_source.clone(),
                fields: c
                    .account
                    .fields
                    .iter()
                    .map(|f| SourceField {
                        name: f.name.clone(),
                        value: f.value.clone(),
                        verified_at: None,
                    })
                    .collect(),
                follow_requests_count,
                hide_collections: false,
                discoverable: c.account.discoverable,
                indexable: false,
                attribution_domains: Vec::new(),
            },
            role: Role {
                id: role_id.into(),
                name: name.into(),
                permissions: permissions.into(),
                color: String::new(),
                highlighted: c.user.role != model::Role::User,
            },
        }
    }
}
