//! The one place errors become HTTP: Mastodon's `{"error": "..."}` with the right status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use bonsai_service::accounts::{AccountValidation, CreateError};
use bonsai_service::oauth::OAuthError;
use bonsai_service::{Error, ErrorKind};

#[derive(Debug)]
pub enum ApiError {
    Domain(Error),
    /// 400 for a request we could not even parse.
    BadRequest(String),
    PayloadTooLarge,
    OAuth(OAuthError),
    /// 422 with Mastodon's per-field `details`.
    Details(AccountValidation),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Domain(e)
    }
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        ApiError::OAuth(e)
    }
}

impl From<CreateError> for ApiError {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Invalid(v) => ApiError::Details(v),
            CreateError::Other(e) => ApiError::Domain(e),
        }
    }
}

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::Domain(Error::not_found())
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::Domain(Error::validation(message))
    }
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Domain(e) => {
                let status = status_of(e.kind);
                let mut res = (status, Json(json!({ "error": e.message }))).into_response();
                if status == StatusCode::UNAUTHORIZED {
                    res.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(
                            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\"",
                        ),
                    );
                }
                res
            }
            ApiError::BadRequest(m) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "error": m }))).into_response()
            }
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({ "error": "Request body is too large" })),
            )
                .into_response(),
            ApiError::OAuth(e) => {
                let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
                (
                    status,
                    Json(json!({ "error": e.code, "error_description": e.description })),
                )
                    .into_response()
            }
            ApiError::Details(v) => {
                let mut details = Map::new();
                for e in &v.errors {
                    let entry = details
                        .entry(e.field.to_string())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.push(json!({ "error": e.code, "description": e.description }));
                    }
                }
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({ "error": v.message(), "details": details })),
                )
                    .into_response()
            }
        }
    }
}
