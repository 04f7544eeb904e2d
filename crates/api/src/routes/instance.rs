use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use crate::auth::Auth;
use crate::entities::instance;
use crate::entities::Account;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

async fn contact(state: &AppState) -> ApiResult<Option<Account>> {
    let Some(account) = state.services.contact_account().await? else {
        return Ok(None);
    };
    let view = state.services.account_view(account).await?;
    Ok(Some(Account::from_view(&view, &state.base_url())))
}

pub async fn v1(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let stats = state.services.instance_stats().await?;
    let contact = contact(&state).await?;
    Ok(Json(instance::v1(
        state.services.config(),
        &stats,
        contact,
        state.services.video_supported(),
    )))
}

pub async fn v2(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let stats = state.services.instance_stats().await?;
    let contact = contact(&state).await?;
    Ok(Json(instance::v2(
        state.services.config(),
        &stats,
        contact,
        state.services.video_supported(),
    )))
}

/// Domains this instance federates with; none until federation lands.
pub async fn peers() -> Json<Value> {
    Json(json!([]))
}

/// Server rules; none configured yet.
pub async fn rules() -> Json<Value> {
    Json(json!([]))
}

pub async fn activity(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let weeks = state.services.instance_activity().await?;
    Ok(Json(Value::Array(
        weeks
            .iter()
            .map(|w| {
                json!({
                    "week": (w.week.millis() / 1000).to_string(),
                    "statuses": w.statuses.to_string(),
                    "logins": "0",
                    "registrations": w.registrations.to_string()
                })
            })
            .collect(),
    )))
}

pub async fn custom_emojis() -> Json<Value> {
    Json(json!([]))
}

pub async fn preferences(
    State(state): State<AppState>,
    Auth(viewer): Auth,
) -> ApiResult<Json<Value>> {
    viewer.require("read:accounts")?;
    let creds = state.services.credentials(&viewer).await?;
    Ok(Json(json!({
        "posting:default:visibility": creds.user.default_visibility.as_str(),
        "posting:default:sensitive": creds.user.default_sensitive,
        "posting:default:language": creds.user.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false
    })))
}

pub async fn nodeinfo_links(State(state): State<AppState>) -> Json<Value> {
    let base = state.base_url();
    Json(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1") }
        ]
    }))
}

pub async fn nodeinfo(
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let schema = match version.trim_end_matches(".json") {
        "2.0" => "2.0",
        "2.1" => "2.1",
        _ => return Err(ApiError::not_found()),
    };
    let stats = state.services.instance_stats().await?;
    let body = instance::nodeinfo(state.services.config(), &stats, schema);
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{schema}#\""
    );
    Ok(([(CONTENT_TYPE, content_type)], Json(body)))
}

const MISSING_AVATAR: &[u8] = include_bytes!("../../assets/missing-avatar.png");
const MISSING_HEADER: &[u8] = include_bytes!("../../assets/missing-header.png");

pub async fn missing_avatar() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        MISSING_AVATAR,
    )
}

pub async fn missing_header() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        MISSING_HEADER,
    )
}
