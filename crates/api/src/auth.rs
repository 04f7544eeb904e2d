//! Bearer-token extractors. `Auth` requires a valid token; `MaybeAuth` treats a missing or
//! invalid token as an anonymous request, as Mastodon does on public endpoints.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use bonsai_service::{Error, Viewer};

use crate::error::ApiError;
use crate::AppState;

pub struct Auth(pub Viewer);
pub struct MaybeAuth(pub Option<Viewer>);

/// The token from `Authorization: Bearer …`, or the `access_token` query parameter that
/// Doorkeeper (and so Mastodon) also accepts.
pub(crate) fn bearer(parts: &Parts) -> Option<String> {
    if let Some(h) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let h = h.trim();
        if h.len() > 7 && h[..7].eq_ignore_ascii_case("bearer ") {
            let t = h[7..].trim();
            if !t.is_empty() {
                return Some(t.to_string());
            }
        }
    }
    let q = parts.uri.query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError::Domain(Error::unauthorized("The access token is invalid")))?;
        if token.len() > 512 {
            return Err(Error::unauthorized("The access token is invalid").into());
        }
        Ok(Auth(state.services.authenticate(&token).await?))
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts).filter(|t| t.len() <= 512) else {
            return Ok(MaybeAuth(None));
        };
        match state.services.authenticate(&token).await {
            Ok(v) => Ok(MaybeAuth(Some(v))),
            Err(e) if e.kind == bonsai_service::ErrorKind::Internal => Err(e.into()),
            Err(_) => Ok(MaybeAuth(None)),
        }
    }
}
