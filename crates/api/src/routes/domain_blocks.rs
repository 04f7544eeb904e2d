//! `/api/v1/domain_blocks`: a user's own blocked servers.

use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::pagination::{self, link_header, Limits};
use crate::params::Params;
use crate::AppState;

/// Mastodon: 100 by default, at most 200.
const DOMAIN_BLOCKS: Limits = Limits {
    default: 100,
    max: 200,
};

pub async fn list(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<String>>)> {
    let page = pagination::page(&p, DOMAIN_BLOCKS);
    let found = state.services.domain_blocks(&viewer, &page).await?;
    Ok((
        link_header(&state.base_url(), &uri, &page, &found.cursor_ids),
        Json(found.domains),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Value>> {
    let domain = p.string("domain")?.unwrap_or_default();
    state.services.block_domain(&viewer, &domain).await?;
    Ok(Json(json!({})))
}

pub async fn delete(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Value>> {
    let domain = p.string("domain")?.unwrap_or_default();
    state.services.unblock_domain(&viewer, &domain).await?;
    Ok(Json(json!({})))
}
