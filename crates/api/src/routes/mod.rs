mod accounts;
mod activitypub;
mod apps;
mod domain_blocks;
mod follow_requests;
mod health;
mod inbox;
mod instance;
pub(crate) mod instance_actor;
mod media;
mod metrics;
mod notifications;
mod oauth;
mod reports;
mod search;
mod statuses;
mod streaming;
mod timelines;
mod well_known;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize_submit),
        )
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::discovery),
        )
        .route("/api/v1/accounts", post(accounts::register))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            axum::routing::patch(accounts::update_credentials)
                .put(accounts::update_credentials)
                // Avatars and headers stream to disk under their own cap.
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route(
            "/api/v1/accounts/relationships",
            get(accounts::relationships),
        )
        .route("/api/v1/accounts/search", get(accounts::search))
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/accounts/{id}/statuses", get(accounts::statuses))
        .route("/api/v1/accounts/{id}/followers", get(accounts::followers))
        .route("/api/v1/accounts/{id}/following", get(accounts::following))
        .route("/api/v1/accounts/{id}/follow", post(accounts::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(accounts::unfollow))
        .route("/api/v1/accounts/{id}/block", post(accounts::block))
        .route("/api/v1/accounts/{id}/unblock", post(accounts::unblock))
        .route("/api/v1/blocks", get(accounts::blocks))
        .route(
            "/api/v1/domain_blocks",
            get(domain_blocks::list)
                .post(domain_blocks::create)
                .delete(domain_blocks::delete),
        )
        .route("/api/v1/reports", post(reports::create))
        .route("/api/v1/follow_requests", get(follow_requests::list))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(follow_requests::authorize),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(follow_requests::reject),
        )
        .route(
            "/api/v1/statuses",
            post(statuses::create).get(statuses::many),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .delete(statuses::delete)
                .put(statuses::edit),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route(
            "/api/v1/media",
            // Uploads bound their own bodies (streamed, capped per file).
            post(media::create_v1).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v2/media",
            post(media::create_v2).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/media/{id}",
            get(media::show).put(media::update).delete(media::delete),
        )
        .route("/system/{*key}", get(media::serve))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route("/api/v1/notifications/{id}", get(notifications::show))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route("/api/v1/instance/rules", get(instance::rules))
        .route("/api/v1/instance/activity", get(instance::activity))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v2/search", get(search::v2))
        .route("/api/v1/custom_emojis", get(instance::custom_emojis))
        .route("/api/v1/preferences", get(instance::preferences))
        .route("/.well-known/nodeinfo", get(instance::nodeinfo_links))
        .route("/.well-known/webfinger", get(well_known::webfinger))
        .route("/.well-known/host-meta", get(well_known::host_meta))
        .route(
            "/.well-known/host-meta.json",
            get(well_known::host_meta_json),
        )
        .route("/nodeinfo/{version}", get(instance::nodeinfo))
        .route(
            "/avatars/original/missing.png",
            get(instance::missing_avatar),
        )
        .route(
            "/headers/original/missing.png",
            get(instance::missing_header),
        )
        .route("/actor", get(instance_actor::actor))
        .route("/actor/outbox", get(instance_actor::outbox))
        .route(
            "/actor/inbox",
            post(inbox::receive).layer(axum::extract::DefaultBodyLimit::max(inbox::MAX_ACTIVITY)),
        )
        .route("/users/{username}", get(activitypub::actor))
        .route("/@{username}", get(activitypub::actor))
        .route("/users/{username}/statuses/{id}", get(activitypub::status))
        .route(
            "/users/{username}/statuses/{id}/replies",
            get(activitypub::replies),
        )
        .route("/@{username}/{id}", get(activitypub::status))
        .route("/users/{username}/outbox", get(activitypub::outbox))
        .route(
            "/users/{username}/inbox",
            post(inbox::receive).layer(axum::extract::DefaultBodyLimit::max(inbox::MAX_ACTIVITY)),
        )
        .route(
            "/inbox",
            post(inbox::receive).layer(axum::extract::DefaultBodyLimit::max(inbox::MAX_ACTIVITY)),
        )
        .route("/users/{username}/followers", get(activitypub::followers))
        .route("/users/{username}/following", get(activitypub::following))
        .route(
            "/users/{username}/collections/featured",
            get(activitypub::featured),
        )
        .route(
            "/users/{username}/collections/tags",
            get(activitypub::featured_tags),
        )
        .route("/api/v1/streaming", get(streaming::websocket))
        .route("/api/v1/streaming/health", get(streaming::health))
        .route("/api/v1/streaming/{*stream}", get(streaming::sse))
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}

/// Unknown routes answer like Mastodon's: 404 with a JSON error, so clients fall back.
async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "Not Found" })))
}

/// Ids in paths are decimal; anything else cannot name a record.
pub(crate) fn path_id(raw: &str) -> Result<i64, crate::error::ApiError> {
    bonsai_core::id::parse_id(raw).ok_or_else(crate::error::ApiError::not_found)
}
