//! The list queries behind timelines. Visibility rules here mirror
//! `bonsai_core::visibility::can_view`; tests hold the two together.

use sqlx::{Any, Executor};

use crate::error::Result;
use crate::query::Sql;
use crate::statuses::{from_row, COLS};
use bonsai_core::model::{Page, Status};

/// `AND (status visible to viewer)`; anonymous viewers see public and unlisted only, and
/// nobody sees the statuses of an account they block or that blocks them.
fn visible_to(q: &mut Sql, viewer: Option<i64>) {
    match viewer {
        None => {
            q.push(" AND s.visibility IN ('public', 'unlisted')");
        }
        Some(v) => {
            not_blocked(q, v);
            q.push(" AND (s.visibility IN ('public', 'unlisted') OR s.account_id = ");
            q.bind(v);
            q.push(
                " OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f \
                 WHERE f.target_account_id = s.account_id AND f.account_id = ",
            );
            q.bind(v);
            q.push(")) OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ");
            q.bind(v);
            q.push("))");
        }
    }
}

/// `AND` the author neither blocks nor is blocked by `viewer`.
fn not_blocked(q: &mut Sql, viewer: i64) {
    q.push(" AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ");
    q.bind(viewer);
    q.push(" AND b.target_account_id = s.account_id) OR (b.target_account_id = ");
    q.bind(viewer);
    q.push(" AND b.account_id = s.account_id))");
}

/// Replies are left out of public lists unless they continue the author's own thread.
const NOT_A_REPLY: &str =
    " AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)";

async fn run<'e, E: Executor<'e, Database = Any>>(
    e: E,
    q: Sql,
    page: &Page,
) -> Result<Vec<Status>> {
    let mut rows: Vec<Status> = q
        .fetch_all(e)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_>>()?;
    if page.ascending() {
        rows.reverse();
    }
    Ok(rows)
}

/// The viewer's own statuses and those of accounts they follow that they may see.
pub async fn home<'e, E: Executor<'e, Database = Any>>(
    e: E,
    viewer: i64,
    page: &Page,
) -> Result<Vec<Status>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s WHERE (s.account_id = "
    ));
    q.bind(viewer);
    q.push(" OR s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ");
    q.bind(viewer);
    q.push("))");
    visible_to(&mut q, Some(viewer));
    q.page("s.id", page);
    run(e, q, page).await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PublicFilter {
    pub local_only: bool,
    pub remote_only: bool,
    pub only_media: bool,
}

pub async fn public<'e, E: Executor<'e, Database = Any>>(
    e: E,
    viewer: Option<i64>,
    filter: PublicFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL"
    ));
    q.push(NOT_A_REPLY);
    if let Some(v) = viewer {
        not_blocked(&mut q, v);
    }
    if filter.local_only {
        q.push(" AND s.local = ").bind(true);
    }
    if filter.remote_only {
        q.push(" AND s.local = ").bind(false);
    }
    if filter.only_media {
        // Media attachments do not exist yet, so no status has any.
        q.push(" AND 1 = 0");
    }
    q.page("s.id", page);
    run(e, q, page).await
}

pub async fn tag<'e, E: Executor<'e, Database = Any>>(
    e: E,
    viewer: Option<i64>,
    tag_name: &str,
    filter: PublicFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s JOIN status_tags st ON st.status_id = s.id \
         JOIN tags t ON t.id = st.tag_id WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL \
         AND t.name = "
    ));
    q.bind(tag_name.to_lowercase());
    if let Some(v) = viewer {
        not_blocked(&mut q, v);
    }
    if filter.local_only {
        q.push(" AND s.local = ").bind(true);
    }
    if filter.remote_only {
        q.push(" AND s.local = ").bind(false);
    }
    if filter.only_media {
        q.push(" AND 1 = 0");
    }
    q.page("s.id", page);
    run(e, q, page).await
}

#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    pub pinned: bool,
    pub tagged: Option<String>,
}

/// One account's statuses as `viewer` may see them.
pub async fn account<'e, E: Executor<'e, Database = Any>>(
    e: E,
    account_id: i64,
    viewer: Option<i64>,
    filter: &AccountFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s WHERE s.account_id = "
    ));
    q.bind(account_id);
    visible_to(&mut q, viewer);
    if filter.exclude_replies {
        q.push(NOT_A_REPLY);
    }
    if filter.exclude_reblogs {
        q.push(" AND s.reblog_of_id IS NULL");
    }
    if filter.only_media {
        q.push(" AND 1 = 0");
    }
    if filter.pinned {
        q.push(
            " AND EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = ",
        );
        q.bind(account_id);
        q.push(")");
    }
    if let Some(tag) = &filter.tagged {
        q.push(
            " AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id \
             WHERE st.status_id = s.id AND t.name = ",
        );
        q.bind(tag.to_lowercase());
        q.push(")");
    }
    q.page("s.id", page);
    run(e, q, page).await
}
