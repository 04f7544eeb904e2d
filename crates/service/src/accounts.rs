//! Local accounts: creation (CLI and registration), profile updates, lookups and search.

use bonsai_core::model::{Account, Field, Role, User};
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_db::accounts::{self, ProfileUpdate};
use bonsai_db::users;

use crate::error::{commit, db_failure, DbResultExt, Error, Result};
use crate::oauth::{IssuedToken, Viewer};
use crate::{Registrations, Services};

const MAX_USERNAME: usize = 30;
const MAX_DISPLAY_NAME: usize = 30;
const MAX_NOTE: usize = 500;
const MAX_FIELDS: usize = 4;
const MAX_FIELD_LEN: usize = 255;
const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 72;
/// Names a newcomer may not register (the first admin is created by the CLI, which may).
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "postmaster",
    "webmaster",
    "support",
    "help",
    "abuse",
    "security",
    "mod",
    "moderator",
    "bonsai",
    "instance",
    "actor",
];

/// One field's problem, in the shape Mastodon's `details` uses.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub description: String,
}

/// A registration or account-creation failure with per-field details.
#[derive(Debug, Clone)]
pub struct AccountValidation {
    pub errors: Vec<FieldError>,
}

impl AccountValidation {
    /// "Validation failed: Username is already taken, Email is invalid"
    pub fn message(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{} {}", capitalise(e.field), e.description))
            .collect();
        format!("Validation failed: {}", parts.join(", "))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[derive(Debug)]
pub enum CreateError {
    Invalid(AccountValidation),
    Other(Error),
}

impl From<Error> for CreateError {
    fn from(e: Error) -> Self {
        CreateError::Other(e)
    }
}

impl From<CreateError> for Error {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Invalid(v) => Error::validation(v.message()),
            CreateError::Other(e) => e,
        }
    }
}

pub struct NewLocalAccount {
    pub username: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    pub approved: bool,
    pub locale: Option<String>,
    pub reason: Option<String>,
    /// Registration refuses reserved names; the admin CLI may use them.
    pub allow_reserved: bool,
    /// Problems the caller found with its own fields (e.g. registration's `agreement`), so
    /// that one answer lists every problem.
    pub extra_errors: Vec<FieldError>,
}

pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub agreement: bool,
    pub locale: Option<String>,
    pub reason: Option<String>,
}

/// Only the fields the client sent are changed.
#[derive(Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub fields: Option<Vec<Field>>,
    pub privacy: Option<Visibility>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// A multipart update's `avatar` and `header` files.
    pub pictures: Option<crate::media::Upload>,
}

/// An account with its login, for `verify_credentials`'s `source`.
pub struct Credentials {
    pub account: Account,
    pub user: User,
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
}

impl Services {
    /// The URL of a local profile page.
    pub fn local_account_url(&self, username: &str) -> String {
        format!("{}/@{}", self.config().base_url(), username)
    }

    /// The ActivityPub id of a local actor.
    pub fn local_account_uri(&self, username: &str) -> String {
        format!("{}/users/{}", self.config().base_url(), username)
    }

    pub async fn create_local_account(
        &self,
        new: NewLocalAccount,
    ) -> std::result::Result<(Account, User), CreateError> {
        let username = new.username.trim().to_string();
        let email = new.email.trim().to_string();
        let mut errors = Vec::new();
        let mut err = |field, code, description: &str| {
            errors.push(FieldError {
                field,
                code,
                description: description.to_string(),
            })
        };
        if username.is_empty() {
            err("username", "ERR_BLANK", "can't be blank");
        } else if username.chars().count() > MAX_USERNAME {
            err(
                "username",
                "ERR_TOO_LONG",
                "is too long (maximum is 30 characters)",
            );
        } else if !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            err(
                "username",
                "ERR_INVALID",
                "must contain only letters, numbers and underscores",
            );
        } else if !new.allow_reserved && RESERVED.contains(&username.to_lowercase().as_str()) {
            err("username", "ERR_RESERVED", "is reserved");
        }
        if email.is_empty() {
            err("email", "ERR_BLANK", "can't be blank");
        } else if !valid_email(&email) {
            err("email", "ERR_INVALID", "is invalid");
        }
        let pw_len = new.password.chars().count();
        if new.password.is_empty() {
            err("password", "ERR_BLANK", "can't be blank");
        } else if pw_len < MIN_PASSWORD {
            err(
                "password",
                "ERR_TOO_SHORT",
                "is too short (minimum is 8 characters)",
            );
        } else if new.password.len() > MAX_PASSWORD {
            err(
                "password",
                "ERR_TOO_LONG",
                "is too long (maximum is 72 characters)",
            );
        }
        errors.extend(new.extra_errors);
        // Uniqueness is checked whenever the value itself is well-formed, so one answer
        // lists every problem.
        let db = self.db().reader();
        if !errors.iter().any(|e| e.field == "username")
            && accounts::find_by_username(db, &username, None)
                .await
                .or_internal()?
                .is_some()
        {
            errors.push(FieldError {
                field: "username",
                code: "ERR_TAKEN",
                description: "is already taken".into(),
            });
        }
        if !errors.iter().any(|e| e.field == "email")
            && users::find_by_email(db, &email)
                .await
                .or_internal()?
                .is_some()
        {
            errors.push(FieldError {
                field: "email",
                code: "ERR_TAKEN",
                description: "is already taken".into(),
            });
        }
        if !errors.is_empty() {
            return Err(CreateError::Invalid(AccountValidation { errors }));
        }

        let password_hash = self.passwords().hash(&new.password).await?;
        let keys = tokio::task::spawn_blocking(bonsai_federation::keys::generate_rsa_2048)
            .await
            .map_err(|_| Error::internal())?
            .map_err(|e| {
                tracing::error!(error = %e, "key generation failed");
                Error::internal()
            })?;
        let now = Timestamp::now();
        let mut account = Account {
            id: self.next_id(),
            uri: self.local_account_uri(&username),
            url: self.local_account_url(&username),
            username,
            domain: None,
            display_name: String::new(),
            note: String::new(),
            note_source: String::new(),
            locked: false,
            bot: false,
            discoverable: true,
            fields: Vec::new(),
            public_key_pem: keys.public_pem,
            private_key_pem: Some(keys.private_pem),
            followers_count: 0,
            following_count: 0,
            statuses_count: 0,
            last_status_at: None,
            created_at: now,
            updated_at: now,
            also_known_as: Vec::new(),
            moved_to_account_id: None,
            avatar: None,
            header: None,
        };
        let mut user = User {
            id: self.next_id(),
            account_id: account.id,
            email,
            password_hash,
            role: new.role,
            approved: new.approved,
            disabled: false,
            locale: new.locale.filter(|l| !l.is_empty()),
            reason: new.reason.filter(|r| !r.is_empty()),
            default_visibility: Visibility::Public,
            default_sensitive: false,
            default_language: None,
            created_at: now,
        };
        // A unique violation is either two sign-ups racing for one name (the unique index
        // decides) or, rarely, an id minted in the same millisecond by another process: then
        // the insert is simply retried with fresh ids.
        for _ in 0..3 {
            let mut tx = self.db().begin().await.or_internal()?;
            let inserted = async {
                accounts::insert(&mut *tx, &account).await?;
                users::insert(&mut *tx, &user).await
            }
            .await;
            match inserted {
                Ok(()) => {
                    commit(tx).await?;
                    return Ok((account, user));
                }
                Err(e) if e.is_unique_violation() => {
                    drop(tx);
                    let db = self.db().reader();
                    let taken = if accounts::find_by_username(db, &account.username, None)
                        .await
                        .or_internal()?
                        .is_some()
                    {
                        Some("username")
                    } else if users::find_by_email(db, &user.email)
                        .await
                        .or_internal()?
                        .is_some()
                    {
                        Some("email")
                    } else {
                        None
                    };
                    if let Some(field) = taken {
                        return Err(CreateError::Invalid(AccountValidation {
                            errors: vec![FieldError {
                                field,
                                code: "ERR_TAKEN",
                                description: "is already taken".into(),
                            }],
                        }));
                    }
                    tracing::warn!("id clash creating an account; retrying with fresh ids");
                    account.id = self.next_id();
                    user.id = self.next_id();
                    user.account_id = account.id;
                }
                Err(e) => return Err(db_failure(e).into()),
            }
        }
        Err(Error::internal().into())
    }

    /// `POST /api/v1/accounts` with an app token.
    pub async fn register(
        &self,
        viewer: &Viewer,
        reg: Registration,
    ) -> std::result::Result<IssuedToken, CreateError> {
        viewer.require("write:accounts")?;
        if viewer.account.is_some() {
            return Err(Error::forbidden("This method requires an app token").into());
        }
        let approved = match self.config().registrations {
            Registrations::Closed => {
                return Err(Error::forbidden("This action is not allowed").into());
            }
            Registrations::Approval => false,
            Registrations::Open => true,
        };
        let mut errors = Vec::new();
        if !reg.agreement {
            errors.push(FieldError {
                field: "agreement",
                code: "ERR_ACCEPTED",
                description: "must be accepted".into(),
            });
        }
        if !approved && reg.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            errors.push(FieldError {
                field: "reason",
                code: "ERR_BLANK",
                description: "can't be blank".into(),
            });
        }
        let (_, user) = self
            .create_local_account(NewLocalAccount {
                username: reg.username,
                email: reg.email,
                password: reg.password,
                role: Role::User,
                approved,
                locale: reg.locale,
                reason: reg.reason,
                allow_reserved: false,
                extra_errors: errors,
            })
            .await?;
        let scopes = viewer.scopes.clone();
        Ok(self
            .store_token(viewer.token.app_id, Some(user.id), scopes, None)
            .await?)
    }

    pub async fn credentials(&self, viewer: &Viewer) -> Result<Credentials> {
        let account = viewer.account()?.clone();
        let user = viewer.user.clone().ok_or_else(Error::internal)?;
        Ok(Credentials { account, user })
    }

    /// Begins the profile update's transaction with the new profile and pictures written.
    async fn write_profile(
        &self,
        current: &Account,
        update: &ProfileUpdate,
        avatar: Option<&bonsai_core::model::ProfileImage>,
        header: Option<&bonsai_core::model::ProfileImage>,
    ) -> Result<bonsai_db::Tx> {
        let mut tx = self.db().begin().await.or_internal()?;
        accounts::update_profile(&mut *tx, current.id, update)
            .await
            .or_internal()?;
        if avatar.is_some() {
            accounts::set_image(&mut *tx, current.id, accounts::ProfileSlot::Avatar, avatar)
                .await
                .or_internal()?;
        }
        if header.is_some() {
            accounts::set_image(&mut *tx, current.id, accounts::ProfileSlot::Header, header)
                .await
                .or_internal()?;
        }
        Ok(tx)
    }

    pub async fn update_credentials(
        &self,
        viewer: &Viewer,
        patch: ProfilePatch,
    ) -> Result<Credentials> {
        viewer.require("write:accounts")?;
        let current = viewer.account()?.clone();
        let user = viewer.user.clone().ok_or_else(Error::internal)?;
        let display_name = patch.display_name.unwrap_or(current.display_name.clone());
        if display_name.chars().count() > MAX_DISPLAY_NAME {
            return Err(Error::validation(
                "Validation failed: Display name is too long (maximum is 30 characters)",
            ));
        }
        let note_source = patch.note.unwrap_or(current.note_source.clone());
        if note_source.chars().count() > MAX_NOTE {
            return Err(Error::validation(
                "Validation failed: Note is too long (maximum is 500 characters)",
            ));
        }
        let fields = match patch.fields {
            Some(f) => {
                let f: Vec<Field> = f
                    .into_iter()
                    .filter(|f| !(f.name.trim().is_empty() && f.value.trim().is_empty()))
                    .collect();
                if f.len() > MAX_FIELDS {
                    return Err(Error::validation(
                        "Validation failed: Fields is too long (maximum is 4 fields)",
                    ));
                }
                if f.iter().any(|x| {
                    x.name.chars().count() > MAX_FIELD_LEN
                        || x.value.chars().count() > MAX_FIELD_LEN
                }) {
                    return Err(Error::validation("Validation failed: Fields are too long"));
                }
                f
            }
            None => current.fields.clone(),
        };
        let note = self.render_text(&note_source).await?.html;
        let update = ProfileUpdate {
            display_name,
            note,
            note_source,
            locked: patch.locked.unwrap_or(current.locked),
            bot: patch.bot.unwrap_or(current.bot),
            discoverable: patch.discoverable.unwrap_or(current.discoverable),
            fields,
            updated_at: Timestamp::now(),
        };
        // Pictures are processed and stored first; the row then points at them, and the
        // replaced ones go once that is committed (or the new ones if it is not).
        let (avatar, header) = match patch.pictures {
            Some(up) => self.store_profile_images(current.id, up).await?,
            None => (None, None),
        };
        let written = self
            .write_profile(&current, &update, avatar.as_ref(), header.as_ref())
            .await;
        let mut tx = match written {
            Ok(tx) => tx,
            Err(e) => {
                self.delete_profile_images(&[avatar, header]).await;
                return Err(e);
            }
        };
        let replaced = [
            avatar.as_ref().and(current.avatar.clone()),
            header.as_ref().and(current.header.clone()),
        ];
        if patch.privacy.is_some() || patch.sensitive.is_some() || patch.language.is_some() {
            let visibility = patch.privacy.unwrap_or(user.default_visibility);
            let language = match patch.language {
                Some(l) if l.is_empty() => None,
                Some(l) => Some(l),
                None => user.default_language.clone(),
            };
            users::set_defaults(
                &mut *tx,
                user.id,
                visibility.as_str(),
                patch.sensitive.unwrap_or(user.default_sensitive),
                language,
            )
            .await
            .or_internal()?;
        }
        let account = accounts::find(&mut *tx, current.id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        // Other servers learn of the new profile as Mastodon tells them: an `Update` of the
        // actor to every follower's server, queued with the change itself.
        let moved_to = self.moved_account(&account).await?.map(|t| t.uri);
        let update =
            serde_json::to_value(self.actor_update_activity(&account, moved_to.as_deref()))
                .map_err(|_| Error::internal())?;
        self.enqueue_to_followers(&mut tx, account.id, &update, Vec::new(), true)
            .await?;
        commit(tx).await?;
        self.delete_profile_images(&replaced).await;
        self.job_signal().wake();
        let user = users::find(self.db().reader(), user.id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)?;
        Ok(Credentials { account, user })
    }

    pub async fn account(&self, id: i64) -> Result<Account> {
        accounts::find(self.db().reader(), id)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)
    }

    /// `acct` is `user`, `@user`, `user@our.domain` or `user@remote`.
    pub async fn lookup(&self, acct: &str) -> Result<Account> {
        let acct = acct.trim().trim_start_matches('@');
        let (username, domain) = match acct.split_once('@') {
            Some((u, d)) if d.eq_ignore_ascii_case(&self.config().domain) => (u, None),
            Some((u, d)) => (u, Some(d)),
            None => (acct, None),
        };
        accounts::find_by_username(self.db().reader(), username, domain)
            .await
            .or_internal()?
            .ok_or_else(Error::not_found)
    }

    pub async fn search_accounts(&self, q: &str, limit: i64, offset: i64) -> Result<Vec<Account>> {
        let q = q.trim().trim_start_matches('@');
        let q = q
            .split_once('@')
            .filter(|(_, d)| d.eq_ignore_ascii_case(&self.config().domain))
            .map_or(q, |(u, _)| u);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        accounts::search_local(self.db().reader(), q, limit, offset)
            .await
            .or_internal()
    }

    /// Local accounts with their logins, for the admin CLI.
    pub async fn list_local_accounts(&self) -> Result<Vec<(Account, Option<User>)>> {
        let db = self.db().reader();
        let accounts = accounts::list_local(db).await.or_internal()?;
        let users = users::list(db).await.or_internal()?;
        Ok(accounts
            .into_iter()
            .map(|a| {
                let u = users.iter().find(|u| u.account_id == a.id).cloned();
                (a, u)
            })
            .collect())
    }

    /// On a brand-new instance, creates an admin so someone can sign in at once. Returns the
    /// account, its e-mail and the generated password (shown once, never stored in clear).
    pub async fn ensure_initial_admin(&self) -> Result<Option<(Account, String, String)>> {
        if self.user_count().await? > 0 {
            return Ok(None);
        }
        let host = self
            .config()
            .domain
            .split(':')
            .next()
            .unwrap_or("localhost");
        let email = if host.contains('.') {
            format!("admin@{host}")
        } else {
            format!("admin@{host}.local")
        };
        let password = crate::crypto::random_token()?;
        let (account, _) = self
            .create_local_account(NewLocalAccount {
                username: "admin".into(),
                email: email.clone(),
                password: password.clone(),
                role: Role::Admin,
                approved: true,
                locale: None,
                reason: None,
                allow_reserved: true,
                extra_errors: Vec::new(),
            })
            .await?;
        Ok(Some((account, email, password)))
    }

    pub async fn user_count(&self) -> Result<i64> {
        users::count(self.db().reader()).await.or_internal()
    }
}
