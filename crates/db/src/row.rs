//! Decoding helpers that behave the same on both backends.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{DbError, Result};
use bonsai_core::timestamp::Timestamp;

/// Booleans are INTEGER 0/1 on SQLite and BOOLEAN on PostgreSQL.
pub(crate) fn flag(row: &AnyRow, col: &'static str) -> Result<bool> {
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

pub(crate) fn int(row: &AnyRow, col: &'static str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn opt_int(row: &AnyRow, col: &'static str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

pub(crate) fn text(row: &AnyRow, col: &'static str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn opt_text(row: &AnyRow, col: &'static str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn time(row: &AnyRow, col: &'static str) -> Result<Timestamp> {
    Ok(Timestamp::from_millis(int(row, col)?))
}

pub(crate) fn opt_time(row: &AnyRow, col: &'static str) -> Result<Option<Timestamp>> {
    Ok(opt_int(row, col)?.map(Timestamp::from_millis))
}

pub(crate) fn parsed<T: std::str::FromStr>(row: &AnyRow, col: &'static str) -> Result<T> {
    let s = text(row, col)?;
    s.parse().map_err(|_| DbError::Corrupt {
        column: col,
        detail: s,
    })
}
