//! ActivityPub as a protocol. For now: the actor key pairs that signatures will use.

pub mod keys;
