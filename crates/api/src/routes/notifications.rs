use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::path_id;
use crate::auth::Auth;
use crate::entities::notification::Notification;
use crate::error::ApiResult;
use crate::pagination::{self, link_header};
use crate::params::Params;
use crate::AppState;

/// Mastodon's page sizes for notifications: 40 by default, 80 at most.
const LIMITS: pagination::Limits = pagination::Limits {
    default: 40,
    max: 80,
};

pub async fn list(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Notification>>)> {
    let page = pagination::page(&p, LIMITS);
    let types = p.list("types");
    let exclude = p.list("exclude_types");
    let list = state
        .services
        .notifications(&viewer, &types, &exclude, &page)
        .await?;
    let base = state.base_url();
    let ids: Vec<i64> = list.iter().map(|n| n.notification.id).collect();
    Ok((
        link_header(&base, &uri, &page, &ids),
        Json(list.iter().map(|n| Notification::new(n, &base)).collect()),
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Notification>> {
    let n = state.services.notification(&viewer, path_id(&id)?).await?;
    Ok(Json(Notification::new(&n, &state.base_url())))
}

pub async fn dismiss(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    state
        .services
        .dismiss_notification(&viewer, path_id(&id)?)
        .await?;
    Ok(Json(json!({})))
}

pub async fn clear(State(state): State<AppState>, Auth(viewer): Auth) -> ApiResult<Json<Value>> {
    state.services.clear_notifications(&viewer).await?;
    Ok(Json(json!({})))
}
