//! WebFinger: which local account a `resource` names.

use bonsai_core::model::Account;

use crate::error::{Error, Result};
use crate::Services;

impl Services {
    /// Resolves `acct:user@domain`, `user@domain`, or one of our actor/profile URLs to a local
    /// account. Remote resources are not ours to answer for: "not found".
    pub async fn webfinger(&self, resource: &str) -> Result<Account> {
        let resource = resource.trim();
        if resource.is_empty() {
            return Err(Error::validation("resource is required"));
        }
        let base = self.config().base_url();
        let username = if let Some(path) = resource.strip_prefix(&base) {
            path.strip_prefix("/users/")
                .or_else(|| path.strip_prefix("/@"))
                .filter(|u| !u.is_empty() && !u.contains('/'))
                .ok_or_else(Error::not_found)?
                .to_string()
        } else {
            let acct = resource.strip_prefix("acct:").unwrap_or(resource);
            let acct = acct.trim_start_matches('@');
            let (user, domain) = acct.rsplit_once('@').ok_or_else(Error::not_found)?;
            if !domain.eq_ignore_ascii_case(&self.config().domain) {
                return Err(Error::not_found());
            }
            user.to_string()
        };
        let account = self.lookup(&username).await?;
        if !account.is_local() {
            return Err(Error::not_found());
        }
        Ok(account)
    }
}
