//! WebFinger and host-meta: how other servers (and people typing `@user@host`) find actors.

use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

pub async fn webfinger(State(state): State<AppState>, p: Params) -> ApiResult<Response> {
    let resource = p
        .str("resource")
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("resource is required".into()))?;
    let domain = &state.services.config().domain;
    // The instance actor answers to `acct:domain@domain`, as Mastodon's does.
    let (username, aliases, profile, uri) = if state.services.is_instance_actor_resource(&resource)
    {
        let uri = state.services.instance_actor_uri();
        let profile = format!("{}/about/more?instance_actor=true", state.base_url());
        (domain.clone(), vec![uri.clone()], profile, uri)
    } else {
        let a = state.services.webfinger(&resource).await?;
        (a.username, vec![a.url.clone(), a.uri.clone()], a.url, a.uri)
    };
    let body = json!({
        "subject": format!("acct:{username}@{domain}"),
        "aliases": aliases,
        "links": [
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
            { "rel": "self", "type": "application/activity+json", "href": uri }
        ]
    });
    Ok((
        [(CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        body.to_string(),
    )
        .into_response())
}

/// XRD by default, JRD when asked for JSON (`Accept` or `/.well-known/host-meta.json`).
pub async fn host_meta(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"));
    if wants_json {
        host_meta_json(State(state)).await
    } else {
        let template = format!(
            "{}/.well-known/webfinger?resource={{uri}}",
            state.base_url()
        );
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
            bonsai_core::text::escape_html(&template)
        );
        ([(CONTENT_TYPE, "application/xrd+xml; charset=utf-8")], xml).into_response()
    }
}

pub async fn host_meta_json(State(state): State<AppState>) -> Response {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        state.base_url()
    );
    let body = json!({ "links": [ { "rel": "lrdd", "template": template } ] });
    (
        [(CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}
