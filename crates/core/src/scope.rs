//! OAuth scopes as Mastodon defines them: top-level `read`, `write`, `follow`, `push`,
//! `profile`, `admin:read`, `admin:write`, and granular ones (`read:statuses`, …). A granted
//! scope covers a required one when it is the same or its parent. `follow` is Mastodon's
//! legacy umbrella for the relationship scopes.

/// Every scope Bonsai recognises. Unknown scopes in a request are ignored, as Mastodon does.
pub const KNOWN: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// A parsed, de-duplicated set of known scopes, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Splits on spaces (and `+`, which some clients leave unencoded), drops unknown scopes.
    pub fn parse(s: &str) -> Self {
        let mut out: Vec<String> = Vec::new();
        for part in s.split([' ', '+', ',']).filter(|p| !p.is_empty()) {
            if KNOWN.contains(&part) && !out.iter().any(|x| x == part) {
                out.push(part.to_string());
            }
        }
        Self(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Is every scope of `self` also granted by `allowed`? (A token may not exceed its app.)
    pub fn is_subset_of(&self, allowed: &Scopes) -> bool {
        self.iter().all(|s| allowed.grants(s))
    }

    /// Only the scopes of `self` that `allowed` grants.
    pub fn intersect(&self, allowed: &Scopes) -> Scopes {
        Scopes(
            self.0
                .iter()
                .filter(|s| allowed.grants(s))
                .cloned()
                .collect(),
        )
    }

    /// Does this set grant `required`?
    pub fn grants(&self, required: &str) -> bool {
        self.iter().any(|have| covers(have, required))
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

fn covers(have: &str, required: &str) -> bool {
    if have == required {
        return true;
    }
    // `read` covers `read:x`; `admin:read` covers `admin:read:x`.
    if let Some(rest) = required.strip_prefix(have) {
        if rest.starts_with(':') && !have.is_empty() && have != "admin" {
            return true;
        }
    }
    // `follow` is the legacy umbrella for relationship scopes.
    if have == "follow" {
        return matches!(
            required,
            "read:follows"
                | "write:follows"
                | "read:blocks"
                | "write:blocks"
                | "read:mutes"
                | "write:mutes"
        );
    }
    // `profile` only lets an app identify the user.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy() {
        let s = Scopes::parse("read write:statuses follow unknown:thing");
        assert_eq!(s.to_string(), "read write:statuses follow");
        assert!(s.grants("read:statuses"));
        assert!(s.grants("read"));
        assert!(s.grants("write:statuses"));
        assert!(!s.grants("write:media"));
        assert!(!s.grants("write"));
        assert!(s.grants("write:follows"));
        let admin = Scopes::parse("admin:read");
        assert!(admin.grants("admin:read:accounts"));
        assert!(!admin.grants("admin:write:accounts"));
        assert!(!Scopes::parse("read").grants("admin:read"));
    }

    #[test]
    fn subset() {
        let app = Scopes::parse("read write");
        assert!(Scopes::parse("read:statuses write").is_subset_of(&app));
        assert!(!Scopes::parse("read push").is_subset_of(&app));
        assert_eq!(
            Scopes::parse("read push").intersect(&app).to_string(),
            "read"
        );
    }
}
