//! The only place that writes SQL. One set of portable queries runs on SQLite and PostgreSQL
//! through sqlx's `Any` driver; the backend is picked at run time from the database URL.

mod error;
mod migrate;
mod pool;
mod query;
mod row;

pub mod accounts;
pub mod activities;
pub mod blocks;
pub mod domain_blocks;
pub mod domains;
pub mod emojis;
pub mod favourites;
pub mod follows;
pub mod jobs;
pub mod media;
pub mod notifications;
pub mod oauth;
pub mod reports;
pub mod settings;
pub mod statuses;
pub mod tags;
pub mod timelines;
pub mod tombstones;
pub mod users;

pub use error::DbError;
pub use migrate::{migrations, Migration};
pub use pool::{Backend, Db, DbOptions, Tx};
pub use sqlx::AnyConnection as Conn;
pub use sqlx::AnyPool as Pool;
