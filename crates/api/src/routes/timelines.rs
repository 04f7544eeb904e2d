use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::Json;

use bonsai_core::model::Page;
use bonsai_service::timelines::PublicFilter;
use bonsai_service::views::StatusView;

use crate::auth::{Auth, MaybeAuth};
use crate::entities::Status;
use crate::error::ApiResult;
use crate::pagination::{self, link_header};
use crate::params::Params;
use crate::AppState;

fn render(
    state: &AppState,
    uri: &Uri,
    page: &Page,
    list: &[StatusView],
) -> (HeaderMap, Json<Vec<Status>>) {
    let base = state.base_url();
    let ids: Vec<i64> = list.iter().map(|v| v.status.id).collect();
    (
        link_header(&base, uri, page, &ids),
        Json(list.iter().map(|v| Status::new(v, &base)).collect()),
    )
}

fn public_filter(p: &Params) -> PublicFilter {
    PublicFilter {
        local_only: p.bool("local").unwrap_or(false),
        remote_only: p.bool("remote").unwrap_or(false),
        only_media: p.bool("only_media").unwrap_or(false),
        ..PublicFilter::default()
    }
}

pub async fn home(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    let page = pagination::page(&p, pagination::STATUSES);
    let list = state.services.home_timeline(&viewer, &page).await?;
    Ok(render(&state, &uri, &page, &list))
}

pub async fn public(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    let page = pagination::page(&p, pagination::STATUSES);
    let list = state
        .services
        .public_timeline(viewer.as_ref(), public_filter(&p), &page)
        .await?;
    Ok(render(&state, &uri, &page, &list))
}

pub async fn tag(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(hashtag): Path<String>,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    let page = pagination::page(&p, pagination::STATUSES);
    let list = state
        .services
        .tag_timeline(viewer.as_ref(), &hashtag, public_filter(&p), &page)
        .await?;
    Ok(render(&state, &uri, &page, &list))
}
