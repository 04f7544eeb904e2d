//! ActivityPub as a protocol: actor keys, HTTP signatures, the wire types (with golden samples
//! from other servers) and the guarded outbound HTTP client. Knows nothing of our database.

pub mod client;
pub mod keys;
pub mod signatures;
pub mod wire;
