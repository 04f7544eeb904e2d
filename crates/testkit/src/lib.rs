//! Test support: a fresh database on SQLite or PostgreSQL, a service stack, and an in-process
//! HTTP client for the real router.
//!
//! The backend comes from `BONSAI_TEST_DATABASE_URL` (a `postgres://` URL; unset = SQLite),
//! so one test binary runs against both. With `BONSAI_REQUIRE_POSTGRES=1` a missing URL is
//! an error instead of a quiet fallback, so CI cannot skip PostgreSQL by accident.

mod database;
mod http;

pub use database::{test_db, TestDb};
pub use http::{test_hosts, Response, TestApp};
