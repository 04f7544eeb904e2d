//! `POST /api/v1/reports`.

use axum::extract::State;
use axum::Json;

use bonsai_service::reports::NewReport;

use crate::auth::Auth;
use crate::entities::Report;
use crate::error::ApiResult;
use crate::params::Params;
use crate::AppState;

pub async fn create(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Report>> {
    let new = NewReport {
        account_id: p.string("account_id")?,
        status_ids: p.list("status_ids"),
        comment: p.string("comment")?.unwrap_or_default(),
        forward: p.bool("forward").unwrap_or(false),
        category: p.string("category")?,
        rule_ids: p.list("rule_ids"),
    };
    let view = state.services.file_report(&viewer, new).await?;
    Ok(Json(Report::new(&view, &state.base_url())))
}
