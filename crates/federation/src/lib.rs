//! ActivityPub as a protocol: actor keys, HTTP signatures, and the wire types (with golden
//! samples from other servers). Knows nothing of our database.

pub mod keys;
pub mod signatures;
pub mod wire;
