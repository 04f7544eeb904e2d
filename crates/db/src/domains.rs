//! Delivery health per remote server.

use sqlx::{Any, Executor};

use crate::error::Result;
use bonsai_core::timestamp::Timestamp;

/// Records a failed delivery (the first failure starts the clock).
pub async fn record_failure<'e, E: Executor<'e, Database = Any>>(
    e: E,
    domain: &str,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO unavailable_domains (domain, failing_since, last_failure) VALUES ($1, $2, $2) \
         ON CONFLICT (domain) DO UPDATE SET last_failure = $2",
    )
    .bind(domain.to_string())
    .bind(at.millis())
    .execute(e)
    .await?;
    Ok(())
}

/// The server answered (a delivery went through, or it sent us something).
pub async fn record_success<'e, E: Executor<'e, Database = Any>>(e: E, domain: &str) -> Result<()> {
    sqlx::query("DELETE FROM unavailable_domains WHERE domain = $1")
        .bind(domain.to_string())
        .execute(e)
        .await?;
    Ok(())
}

/// Since when deliveries to `domain` have been failing, if they are.
pub async fn failing_since<'e, E: Executor<'e, Database = Any>>(
    e: E,
    domain: &str,
) -> Result<Option<Timestamp>> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT failing_since FROM unavailable_domains WHERE domain = $1")
            .bind(domain.to_string())
            .fetch_optional(e)
            .await?;
    Ok(v.map(Timestamp::from_millis))
}
