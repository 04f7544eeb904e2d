//! One test binary for both backends: `BONSAI_TEST_DATABASE_URL` picks PostgreSQL.
#![allow(clippy::unwrap_used)]

mod activitypub;
mod authorized_fetch;
mod conversation;
mod errors;
mod federation;
mod follows;
mod instance;
mod interactions;
mod key_rotation;
mod media;
mod metrics;
mod moderation;
mod moves;
mod notifications;
mod oauth;
mod objects;
mod remote_media;
mod statuses;
mod storage;
mod streaming;
mod throttle;
mod timelines;
mod well_known;
