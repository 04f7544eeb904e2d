//! Who may see a status. The single source of these rules; queries in `db` encode the same
//! rules for lists, and tests check both agree.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "public" => Ok(Self::Public),
            "unlisted" => Ok(Self::Unlisted),
            "private" => Ok(Self::Private),
            "direct" => Ok(Self::Direct),
            _ => Err(()),
        }
    }
}

/// What the viewer is to the status' author and the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewerRelation {
    pub is_author: bool,
    pub follows_author: bool,
    pub is_mentioned: bool,
}

/// Can this viewer (None = anonymous) read a status of this visibility?
pub fn can_view(visibility: Visibility, viewer: Option<ViewerRelation>) -> bool {
    match visibility {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => {
            viewer.is_some_and(|v| v.is_author || v.follows_author || v.is_mentioned)
        }
        Visibility::Direct => viewer.is_some_and(|v| v.is_author || v.is_mentioned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_direct_rules() {
        let stranger = ViewerRelation::default();
        let follower = ViewerRelation {
            follows_author: true,
            ..Default::default()
        };
        let mentioned = ViewerRelation {
            is_mentioned: true,
            ..Default::default()
        };
        assert!(can_view(Visibility::Public, None));
        assert!(can_view(Visibility::Unlisted, None));
        assert!(!can_view(Visibility::Private, None));
        assert!(!can_view(Visibility::Private, Some(stranger)));
        assert!(can_view(Visibility::Private, Some(follower)));
        assert!(can_view(Visibility::Private, Some(mentioned)));
        assert!(!can_view(Visibility::Direct, Some(follower)));
        assert!(can_view(Visibility::Direct, Some(mentioned)));
    }
}
