//! Mastodon's JSON entities, built from domain views. The only place these shapes are made.

pub mod account;
pub mod app;
pub mod emoji;
pub mod instance;
pub mod media;
pub mod notification;
pub mod relationship;
pub mod report;
pub mod status;
pub mod tag;

pub use account::{Account, CredentialAccount};
pub use app::{Application, CredentialApplication};
pub use relationship::Relationship;
pub use report::Report;
pub use status::Status;
