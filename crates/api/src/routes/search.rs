use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use bonsai_service::search::SearchType;

use crate::auth::MaybeAuth;
use crate::entities::tag::Tag;
use crate::entities::{Account, Status};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

pub async fn v2(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    p: Params,
) -> ApiResult<Json<Value>> {
    let only = match p.str("type").as_deref() {
        None | Some("") => None,
        Some("accounts") => Some(SearchType::Accounts),
        Some("statuses") => Some(SearchType::Statuses),
        Some("hashtags") => Some(SearchType::Hashtags),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "type must be accounts, statuses or hashtags".into(),
            ))
        }
    };
    let limit = p.int("limit").filter(|l| *l > 0).map_or(20, |l| l.min(40));
    let offset = p.int("offset").filter(|o| *o >= 0).unwrap_or(0).min(10_000);
    let q = p.str("q").unwrap_or_default();
    let found = state
        .services
        .search(
            viewer.as_ref(),
            &q,
            only,
            p.bool("resolve").unwrap_or(false),
            limit,
            offset,
        )
        .await?;
    let base = state.base_url();
    Ok(Json(json!({
        "accounts": found.accounts.iter().map(|a| Account::from_view(a, &base)).collect::<Vec<_>>(),
        "statuses": found.statuses.iter().map(|s| Status::new(s, &base)).collect::<Vec<_>>(),
        "hashtags": found.hashtags.iter().map(|t| Tag::new(t, &base)).collect::<Vec<_>>(),
    })))
}
