//! HTTP only: routing, extractors, Mastodon entities, server-rendered pages. Handlers
//! authenticate, parse, call one service function and render; rules live in `service`.

mod auth;
mod entities;
mod error;
mod pagination;
mod params;
mod routes;
mod throttle;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::Router;
use tower::Layer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::trace::TraceLayer;

use bonsai_service::Services;

pub use entities::instance::version_string;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
}

impl AppState {
    pub(crate) fn base_url(&self) -> String {
        self.services.config().base_url()
    }
}

/// The whole HTTP application. Trailing slashes are trimmed before routing because some
/// clients (Mastodon.py) call `/api/v1/instance/`.
pub fn app(services: Services) -> NormalizePath<Router> {
    let state = AppState { services };
    // Browser-based clients (Elk, Phanpy, Pinafore) call the API cross-origin with tokens
    // in headers, never cookies, so any origin may.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::LINK]);
    let router = routes::router()
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::instance_actor::authorized_fetch,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            throttle::limit,
        ))
        .layer(DefaultBodyLimit::max(params::MAX_BODY))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}
