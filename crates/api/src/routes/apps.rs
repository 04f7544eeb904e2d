use axum::extract::State;
use axum::Json;

use bonsai_service::oauth::NewApp;

use crate::auth::Auth;
use crate::entities::{Application, CredentialApplication};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

pub async fn create(
    State(state): State<AppState>,
    p: Params,
) -> ApiResult<Json<CredentialApplication>> {
    let name = p.string("client_name")?.unwrap_or_default();
    let mut redirect_uris = p.list("redirect_uris");
    if redirect_uris.is_empty() {
        redirect_uris = p.list("redirect_uri");
    }
    let created = state
        .services
        .create_app(NewApp {
            name,
            redirect_uris,
            scopes: p.string("scopes")?,
            website: p.string("website")?,
        })
        .await
        .map_err(ApiError::from)?;
    Ok(Json(CredentialApplication {
        app: Application::new(&created.app),
        client_id: created.app.client_id.clone(),
        client_secret: created.client_secret,
        client_secret_expires_at: 0,
    }))
}

pub async fn verify_credentials(
    State(state): State<AppState>,
    Auth(viewer): Auth,
) -> ApiResult<Json<Application>> {
    let app = state.services.app_of(&viewer).await?;
    Ok(Json(Application::new(&app)))
}
