//! Addressing (`to`, `cc`, `bto`, `bcc`) and the public collection in its several spellings.

use serde::{Deserialize, Serialize};

use super::many::Many;
use super::reference::Ref;

/// The public collection as Mastodon writes it.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Whether an address means "public": the full IRI, or the compacted `as:Public` / `Public`
/// that JSON-LD compaction produces (Fedify, some Pleroma versions).
pub fn is_public_address(address: &str) -> bool {
    matches!(
        address,
        PUBLIC | "as:Public" | "Public" | "http://www.w3.org/ns/activitystreams#Public"
    )
}

/// The audience fields of an object or activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Addressing {
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub to: Many<Ref>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub cc: Many<Ref>,
    /// Blind copies: read on input; never part of anything delivered.
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub bto: Many<Ref>,
    #[serde(default, skip_serializing_if = "Many::is_empty")]
    pub bcc: Many<Ref>,
}

impl Addressing {
    /// Addressed to the public collection in `to` or `cc`.
    pub fn is_public(&self) -> bool {
        is_public(self)
    }

    /// Public in `to`: Mastodon's "public" as opposed to "unlisted" (public only in `cc`).
    pub fn is_listed(&self) -> bool {
        self.to.iter().any(|r| is_public_address(&r.id))
    }

    /// Every address in `to`, `cc`, `bto` and `bcc`, in that order.
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.to
            .iter()
            .chain(self.cc.iter())
            .chain(self.bto.iter())
            .chain(self.bcc.iter())
            .map(Ref::as_str)
    }

    pub fn contains(&self, address: &str) -> bool {
        self.recipients().any(|r| r == address)
    }
}

/// Whether `to` or `cc` holds the public collection in any of its spellings.
pub fn is_public(addressing: &Addressing) -> bool {
    addressing
        .to
        .iter()
        .chain(addressing.cc.iter())
        .any(|r| is_public_address(&r.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_public_counts() {
        for public in [PUBLIC, "as:Public", "Public"] {
            let a: Addressing =
                serde_json::from_value(serde_json::json!({ "cc": public })).expect("addressing");
            assert!(is_public(&a), "{public}");
            assert!(!a.is_listed());
        }
        let a: Addressing = serde_json::from_value(
            serde_json::json!({ "to": ["https://a.test/users/x/followers"] }),
        )
        .expect("addressing");
        assert!(!is_public(&a));
    }
}
