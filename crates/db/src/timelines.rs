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

/// `AND` neither the author nor a boosted post's author is on a server `viewer` blocks.
fn not_domain_blocked(q: &mut Sql, viewer: i64) {
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM account_domain_blocks adb JOIN accounts da \
         ON da.domain = adb.domain WHERE adb.account_id = ",
    );
    q.bind(viewer);
    q.push(
        " AND (da.id = s.account_id OR da.id = \
         (SELECT r.account_id FROM statuses r WHERE r.id = s.reblog_of_id)))",
    );
}

/// `'%'`, `'_'` and `'\'` taken literally in a `LIKE … ESCAPE '\'` pattern.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `AND` the author is not on one of `domains` (a domain covers its subdomains; accounts'
/// domains may carry a port).
fn not_on_domains(q: &mut Sql, domains: &[String]) {
    if domains.is_empty() {
        return;
    }
    q.push(" AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND (");
    for (i, d) in domains.iter().enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        let lit = like_literal(d);
        q.push("sa.domain = ").bind(d.clone());
        q.push(" OR sa.domain LIKE ").bind(format!("{lit}:%"));
        q.push(" ESCAPE '\\' OR sa.domain LIKE ")
            .bind(format!("%.{lit}"));
        q.push(" ESCAPE '\\' OR sa.domain LIKE ")
            .bind(format!("%.{lit}:%"));
        q.push(" ESCAPE '\\'");
    }
    q.push("))");
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
///
/// Bounded by the page size rather than by the followees' history: a page holds at most
/// `limit` statuses of any one author, so it lies within the `limit` newest visible statuses
/// (in page order) of each author. The author whose `limit`-th such status is nearest the page
/// start bounds the page ([`home_bound`]), found with `(account_id, id)` index walks of at most
/// `limit` visible rows per followee; the page itself then reads only statuses past that bound.
/// `only_media`: statuses with at least one attachment (Mastodon's `with_media`).
const HAS_MEDIA: &str =
    " AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)";

pub async fn home<'e, E: Executor<'e, Database = Any>>(
    e: E,
    viewer: i64,
    page: &Page,
) -> Result<Vec<Status>> {
    // Which of an author's statuses the viewer sees on home: the same in the bound and the page.
    let filters = |q: &mut Sql| {
        visible_to(q, Some(viewer));
        not_domain_blocked(q, viewer);
    };
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM statuses s WHERE s.account_id IN ("
    ));
    home_authors(&mut q, viewer);
    q.push(")");
    filters(&mut q);
    home_bound(&mut q, viewer, page, filters);
    q.page("s.id", page);
    run(e, q, page).await
}

/// `SELECT id …`: the viewer and the accounts they follow.
fn home_authors(q: &mut Sql, viewer: i64) {
    q.push("SELECT a.id FROM accounts a WHERE a.id = ");
    q.bind(viewer);
    q.push(" UNION SELECT f.target_account_id FROM follows f WHERE f.account_id = ");
    q.bind(viewer);
}

/// `AND s.id` on the page's side of the nearest per-author bound: for each author, the
/// `limit`-th status the viewer sees past the page cursor (an index walk on `(account_id, id)`);
/// the bound is the largest of these (smallest when paging upwards with `min_id`). Authors with
/// fewer statuses set no bound, and neither does a page where all do.
fn home_bound(q: &mut Sql, viewer: i64, page: &Page, filters: impl Fn(&mut Sql)) {
    let (agg, cmp, dir, none) = if page.ascending() {
        ("MIN", "<=", "ASC", i64::MAX)
    } else {
        ("MAX", ">=", "DESC", 0)
    };
    q.push(&format!(
        " AND s.id {cmp} COALESCE((SELECT {agg}(k.id) FROM (SELECT (SELECT s.id FROM statuses s \
         WHERE s.account_id = h.id"
    ));
    filters(q);
    if let Some(max) = page.max_id {
        q.push(" AND s.id < ").bind(max);
    }
    if let Some(since) = page.since_id {
        q.push(" AND s.id > ").bind(since);
    }
    if let Some(min) = page.min_id {
        q.push(" AND s.id > ").bind(min);
    }
    q.push(&format!(" ORDER BY s.id {dir} LIMIT 1 OFFSET "));
    q.bind((page.limit - 1).max(0));
    q.push(") AS id FROM (");
    home_authors(q, viewer);
    q.push(") h) k), ");
    q.bind(none);
    q.push(")");
}

#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub local_only: bool,
    pub remote_only: bool,
    pub only_media: bool,
    /// Servers whose accounts never appear in public lists (instance-level silence; a domain
    /// covers its subdomains). Filled in by the service from the instance config.
    pub silenced_domains: Vec<String>,
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
        not_domain_blocked(&mut q, v);
    }
    not_on_domains(&mut q, &filter.silenced_domains);
    if filter.local_only {
        q.push(" AND s.local = ").bind(true);
    }
    if filter.remote_only {
        q.push(" AND s.local = ").bind(false);
    }
    if filter.only_media {
        q.push(HAS_MEDIA);
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
        not_domain_blocked(&mut q, v);
    }
    not_on_domains(&mut q, &filter.silenced_domains);
    if filter.local_only {
        q.push(" AND s.local = ").bind(true);
    }
    if filter.remote_only {
        q.push(" AND s.local = ").bind(false);
    }
    if filter.only_media {
        q.push(HAS_MEDIA);
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
        q.push(HAS_MEDIA);
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
