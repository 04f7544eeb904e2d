//! `max_id` / `since_id` / `min_id` / `limit` in, Mastodon's `Link` header out.

use axum::http::{HeaderMap, HeaderValue, Uri};

use bonsai_core::id::parse_id;
use bonsai_core::model::Page;

use crate::params::Params;

/// Default and maximum page sizes of a list endpoint (Mastodon: statuses 20/40, accounts 40/80).
#[derive(Clone, Copy)]
pub struct Limits {
    pub default: i64,
    pub max: i64,
}

pub const STATUSES: Limits = Limits {
    default: 20,
    max: 40,
};
pub const ACCOUNTS: Limits = Limits {
    default: 40,
    max: 80,
};

pub fn page(p: &Params, limits: Limits) -> Page {
    let id = |k: &str| p.str(k).as_deref().and_then(parse_id);
    let limit = p
        .int("limit")
        .filter(|l| *l > 0)
        .map_or(limits.default, |l| l.min(limits.max));
    Page {
        max_id: id("max_id"),
        since_id: id("since_id"),
        min_id: id("min_id"),
        limit,
    }
}

/// `Link: <…?max_id=last>; rel="next", <…?min_id=first>; rel="prev"` for a page whose items
/// have `ids` (newest first). Other query parameters are carried over, as Mastodon does.
pub fn link_header(base_url: &str, uri: &Uri, page: &Page, ids: &[i64]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
        return headers;
    };
    let kept: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "max_id" | "min_id" | "since_id" | "access_token"
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let url = |key: &str, id: i64| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            ser.append_pair(k, v);
        }
        ser.append_pair(key, &id.to_string());
        format!("{base_url}{}?{}", uri.path(), ser.finish())
    };
    let mut links = Vec::new();
    if ids.len() as i64 >= page.limit {
        links.push(format!("<{}>; rel=\"next\"", url("max_id", *last)));
    }
    links.push(format!("<{}>; rel=\"prev\"", url("min_id", *first)));
    if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
        headers.insert(axum::http::header::LINK, v);
    }
    headers
}
