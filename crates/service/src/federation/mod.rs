//! Talking to other servers: resolving remote actors, receiving signed activities into the
//! inbox queue, processing them, and delivering ours. Protocol details (signatures, wire
//! types, the guarded HTTP client) live in `bonsai_federation`; this is where they meet the
//! database.

mod deliver;
mod inbox;
mod process;
mod replies;
mod resolve;
mod signing_keys;

pub use inbox::InboxRequest;
pub(crate) use resolve::authority;
pub use resolve::Resolved;
pub(crate) use signing_keys::{signer, Signer, SigningKeyCache};

use bonsai_core::error::ErrorKind;

use crate::error::Error;

/// A remote server did something we can't use; mapped to a 4xx or a retry by callers.
fn remote_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unavailable, message)
}
