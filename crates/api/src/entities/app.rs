use serde::Serialize;

use bonsai_core::model::App;
use bonsai_core::scope::Scopes;

#[derive(Debug, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    pub vapid_key: String,
}

impl Application {
    pub fn new(app: &App) -> Self {
        Self {
            id: app.id.to_string(),
            name: app.name.clone(),
            website: app.website.clone(),
            scopes: Scopes::parse(&app.scopes)
                .iter()
                .map(str::to_string)
                .collect(),
            redirect_uri: app.redirect_uris.join("\n"),
            redirect_uris: app.redirect_uris.clone(),
            // Web Push is not there yet; clients only read this to subscribe.
            vapid_key: String::new(),
        }
    }
}

/// The app as just registered: the only response that carries its secret.
#[derive(Debug, Serialize)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub app: Application,
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}

/// The `application` of a status: name and website only.
#[derive(Debug, Serialize)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}
