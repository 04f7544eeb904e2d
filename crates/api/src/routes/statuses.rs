use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use bonsai_service::statuses::NewStatus;

use super::path_id;
use crate::auth::{Auth, MaybeAuth};
use crate::entities::Status;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

pub async fn create(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Status>> {
    let visibility = match p.str("visibility").filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse().map_err(|_| {
            ApiError::unprocessable("Validation failed: Visibility is not included in the list")
        })?),
    };
    let in_reply_to_id = match p.str("in_reply_to_id").filter(|v| !v.is_empty()) {
        None => None,
        Some(raw) => Some(bonsai_core::id::parse_id(&raw).ok_or_else(|| {
            ApiError::Domain(bonsai_service::Error::not_found_with(
                "The post you are trying to reply to does not appear to exist.",
            ))
        })?),
    };
    let new = NewStatus {
        text: p.string("status")?.unwrap_or_default(),
        spoiler_text: p.string("spoiler_text")?.unwrap_or_default(),
        sensitive: p.bool("sensitive"),
        visibility,
        in_reply_to_id,
        language: p.string("language")?,
        idempotency_key: headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        media_ids: p.list("media_ids"),
    };
    let view = state.services.post_status(&viewer, new).await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn show(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state
        .services
        .get_status(viewer.as_ref(), path_id(&id)?)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn delete(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Json<Status>> {
    let delete_media = p.bool("delete_media").unwrap_or(false);
    let view = state
        .services
        .delete_status(&viewer, path_id(&id)?, delete_media)
        .await?;
    Ok(Json(Status::with_source(&view, &state.base_url())))
}

pub async fn context(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (ancestors, descendants) = state
        .services
        .context(viewer.as_ref(), path_id(&id)?)
        .await?;
    let base = state.base_url();
    let render = |list: &[bonsai_service::views::StatusView]| -> Vec<Status> {
        list.iter().map(|v| Status::new(v, &base)).collect()
    };
    Ok(Json(json!({
        "ancestors": render(&ancestors),
        "descendants": render(&descendants),
    })))
}

pub async fn pin(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state
        .services
        .pin_status(&viewer, path_id(&id)?, true)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn unpin(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state
        .services
        .pin_status(&viewer, path_id(&id)?, false)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn many(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    p: Params,
) -> ApiResult<Json<Vec<Status>>> {
    let ids: Vec<i64> = p
        .list("id")
        .iter()
        .filter_map(|s| bonsai_core::id::parse_id(s))
        .take(MAX_MANY)
        .collect();
    let views = state
        .services
        .statuses_by_ids(viewer.as_ref(), &ids)
        .await?;
    let base = state.base_url();
    Ok(Json(views.iter().map(|v| Status::new(v, &base)).collect()))
}

/// Mastodon's cap on `GET /api/v1/statuses?id[]=`.
const MAX_MANY: usize = 20;

pub async fn reblog(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Json<Status>> {
    let visibility = p.str("visibility").and_then(|v| v.parse().ok());
    let view = state
        .services
        .reblog(&viewer, path_id(&id)?, visibility)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn unreblog(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state.services.unreblog(&viewer, path_id(&id)?).await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn favourite(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state
        .services
        .favourite(&viewer, path_id(&id)?, true)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn unfavourite(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let view = state
        .services
        .favourite(&viewer, path_id(&id)?, false)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn edit(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Json<Status>> {
    let edit = bonsai_service::edits::StatusEdit {
        text: p.string("status")?.unwrap_or_default(),
        spoiler_text: p.string("spoiler_text")?,
        sensitive: p.bool("sensitive"),
        language: p.string("language")?,
        media_ids: p.get("media_ids").map(|_| p.list("media_ids")),
        media_attributes: p
            .objects("media_attributes")
            .into_iter()
            .filter_map(|o| {
                let text = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let id = o.get("id").and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_i64().map(|n| n.to_string()))
                })?;
                Some((
                    id,
                    bonsai_service::media::MediaUpdate {
                        description: text("description"),
                        focus: text("focus"),
                    },
                ))
            })
            .collect(),
    };
    let view = state
        .services
        .edit_status(&viewer, path_id(&id)?, edit)
        .await?;
    Ok(Json(Status::new(&view, &state.base_url())))
}

pub async fn history(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let (view, versions) = state
        .services
        .status_history(viewer.as_ref(), path_id(&id)?)
        .await?;
    let base = state.base_url();
    let account = crate::entities::Account::from_view(&view.account, &base);
    Ok(Json(Value::Array(
        versions
            .iter()
            .map(|v| {
                json!({
                    "content": v.content,
                    "spoiler_text": v.spoiler_text,
                    "sensitive": v.sensitive,
                    "created_at": v.created_at.to_rfc3339(),
                    "account": account,
                    "poll": null,
                    "media_attachments": v
                        .media_attachments
                        .iter()
                        .map(crate::entities::media::MediaAttachment::new)
                        .collect::<Vec<_>>(),
                    "emojis": []
                })
            })
            .collect(),
    )))
}

pub async fn source(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = state.services.status_source(&viewer, path_id(&id)?).await?;
    Ok(Json(json!({
        "id": s.id.to_string(),
        "text": s.text,
        "spoiler_text": s.spoiler_text
    })))
}
