use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::Json;

use super::accounts::account_list;
use super::path_id;
use crate::auth::Auth;
use crate::entities::{Account, Relationship};
use crate::error::ApiResult;
use crate::pagination;
use crate::params::Params;
use crate::AppState;

pub async fn list(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    let page = pagination::page(&p, pagination::ACCOUNTS);
    let found = state.services.follow_requests(&viewer, &page).await?;
    Ok(account_list(&state, &uri, &page, found))
}

pub async fn authorize(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let rel = state
        .services
        .authorize_follow_request(&viewer, path_id(&id)?)
        .await?;
    Ok(Json(Relationship::new(&rel)))
}

pub async fn reject(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let rel = state
        .services
        .reject_follow_request(&viewer, path_id(&id)?)
        .await?;
    Ok(Json(Relationship::new(&rel)))
}
