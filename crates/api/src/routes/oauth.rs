//! The OAuth endpoints and the server-rendered sign-in + consent page.

use axum::extract::State;
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use basic_auth::decode_basic;
use serde_json::{json, Value};

use bonsai_core::scope::KNOWN;
use bonsai_core::text::escape_html;
use bonsai_service::oauth::{AuthorizeRequest, Grant, OAuthError, OOB};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::AppState;

fn authorize_request(p: &Params) -> AuthorizeRequest {
    AuthorizeRequest {
        client_id: p.str("client_id").unwrap_or_default(),
        redirect_uri: p.str("redirect_uri").unwrap_or_default(),
        response_type: p.str("response_type").unwrap_or_else(|| "code".into()),
        scope: p.str("scope"),
        code_challenge: p.str("code_challenge"),
        code_challenge_method: p.str("code_challenge_method"),
    }
}

pub async fn authorize_page(State(state): State<AppState>, p: Params) -> Response {
    let req = authorize_request(&p);
    match state.services.check_authorize(&req).await {
        Ok(check) => page(
            StatusCode::OK,
            &sign_in_form(&state, &p, &check.app.name, &check.scopes.to_string(), None),
        ),
        Err(e) => page(StatusCode::BAD_REQUEST, &error_page(&e.message)),
    }
}

pub async fn authorize_submit(State(state): State<AppState>, p: Params) -> Response {
    let req = authorize_request(&p);
    let check = match state.services.check_authorize(&req).await {
        Ok(c) => c,
        Err(e) => return page(StatusCode::BAD_REQUEST, &error_page(&e.message)),
    };
    let oauth_state = p.str("state");
    if p.str("decision").as_deref() == Some("deny") {
        if req.redirect_uri == OOB {
            return page(StatusCode::OK, &error_page("Authorization was denied."));
        }
        let mut extra = vec![("error", "access_denied".to_string())];
        if let Some(s) = oauth_state {
            extra.push(("state", s));
        }
        return redirect(&req.redirect_uri, &extra);
    }
    let email = p.str("email").unwrap_or_default();
    let password = p.str("password").unwrap_or_default();
    match state.services.authorize(&req, &email, &password).await {
        Ok(code) => {
            if req.redirect_uri == OOB {
                return page(StatusCode::OK, &oob_page(&code));
            }
            let mut extra = vec![("code", code)];
            if let Some(s) = oauth_state {
                extra.push(("state", s));
            }
            redirect(&req.redirect_uri, &extra)
        }
        Err(e) if e.kind == bonsai_service::ErrorKind::Internal => {
            page(StatusCode::INTERNAL_SERVER_ERROR, &error_page(&e.message))
        }
        Err(e) => page(
            StatusCode::UNAUTHORIZED,
            &sign_in_form(
                &state,
                &p,
                &check.app.name,
                &check.scopes.to_string(),
                Some(&e.message),
            ),
        ),
    }
}

fn redirect(uri: &str, params: &[(&str, String)]) -> Response {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{sep}{}", ser.finish());
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = location.parse() {
        res.headers_mut().insert(LOCATION, v);
    }
    res
}

fn page(status: StatusCode, body: &str) -> Response {
    let mut res = (status, Html(body.to_string())).into_response();
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The sign-in page must not be framed by another site (clickjacking).
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    res
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}}
label{{display:block;margin:.8rem 0 .2rem}}input[type=email],input[type=password]{{width:100%;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1rem;padding:.5rem 1.2rem}}.error{{color:#b00020}}code{{font-size:1.1rem;word-break:break-all}}</style>
</head><body>{body}</body></html>"#,
        title = escape_html(title)
    )
}

/// Hidden fields carry the authorization request through the POST.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

fn sign_in_form(
    state: &AppState,
    p: &Params,
    app_name: &str,
    scopes: &str,
    error: Option<&str>,
) -> String {
    let mut hidden = String::new();
    for key in CARRIED {
        if let Some(v) = p.str(key) {
            hidden.push_str(&format!(
                r#"<input type="hidden" name="{key}" value="{}">"#,
                escape_html(&v)
            ));
        }
    }
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, escape_html(e)))
        .unwrap_or_default();
    let scope_list: String = scopes
        .split(' ')
        .map(|s| format!("<li><code>{}</code></li>", escape_html(s)))
        .collect();
    let title = state.services.config().title.clone();
    let body = format!(
        r#"<h1>{title}</h1>
<p><strong>{app}</strong> would like to access your account with these permissions:</p>
<ul>{scope_list}</ul>
{error}
<form method="post" action="/oauth/authorize">
{hidden}
<label for="email">E-mail address</label><input id="email" type="email" name="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit" name="decision" value="approve">Sign in and authorize</button>
</form>"#,
        title = escape_html(&title),
        app = escape_html(app_name),
    );
    layout("Authorize", &body)
}

fn oob_page(code: &str) -> String {
    layout(
        "Authorization code",
        &format!(
            r#"<h1>Authorization code</h1><p>Copy this code and paste it into the application.</p>
<p><code id="authorization-code">{}</code></p>"#,
            escape_html(code)
        ),
    )
}

fn error_page(message: &str) -> String {
    layout(
        "Authorization error",
        &format!(
            r#"<h1>An error has occurred</h1><p class="error">{}</p>"#,
            escape_html(message)
        ),
    )
}

/// Client credentials from the body or from HTTP Basic (RFC 6749 §2.3.1).
fn client_credentials(headers: &HeaderMap, p: &Params) -> (String, Option<String>) {
    if let Some((id, secret)) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(decode_basic)
    {
        return (id, Some(secret));
    }
    (
        p.str("client_id").unwrap_or_default(),
        p.str("client_secret").filter(|s| !s.is_empty()),
    )
}

pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Response> {
    let (client_id, client_secret) = client_credentials(&headers, &p);
    let grant = match p.str("grant_type").as_deref() {
        Some("authorization_code") => Grant::AuthorizationCode {
            code: p.str("code").unwrap_or_default(),
            redirect_uri: p.str("redirect_uri"),
            code_verifier: p.str("code_verifier").filter(|v| !v.is_empty()),
        },
        Some("password") => Grant::Password {
            username: p.str("username").unwrap_or_default(),
            password: p.str("password").unwrap_or_default(),
            scope: p.str("scope"),
        },
        Some("client_credentials") => Grant::ClientCredentials {
            scope: p.str("scope"),
        },
        Some("refresh_token") => Grant::RefreshToken {
            refresh_token: p.str("refresh_token").unwrap_or_default(),
            scope: p.str("scope"),
        },
        None => {
            return Err(OAuthError::invalid_request(
                "The request is missing a required parameter: grant_type.",
            )
            .into())
        }
        Some(_) => return Err(OAuthError::unsupported_grant_type().into()),
    };
    let issued = state
        .services
        .issue_token(&client_id, client_secret.as_deref(), grant)
        .await?;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_string(),
        "created_at": issued.created_at.millis() / 1000,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = Value::String(r);
    }
    if let Some(e) = issued.expires_in {
        body["expires_in"] = json!(e);
    }
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (client_id, client_secret) = client_credentials(&headers, &p);
    let token = p.str("token").unwrap_or_default();
    state
        .services
        .revoke_token(&client_id, client_secret.as_deref(), &token)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(json!({})))
}

pub async fn discovery(State(state): State<AppState>) -> Json<Value> {
    let base = state.base_url();
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": KNOWN,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"]
    }))
}

mod basic_auth {
    //! `Authorization: Basic` with form-encoded id and secret (RFC 6749 §2.3.1).
    use base64::Engine;

    pub fn decode_basic(header: &str) -> Option<(String, String)> {
        let rest = header.trim();
        if rest.len() < 6 || !rest[..6].eq_ignore_ascii_case("basic ") {
            return None;
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest[6..].trim())
            .ok()?;
        let s = String::from_utf8(raw).ok()?;
        let (id, secret) = s.split_once(':')?;
        let decode = |v: &str| {
            form_urlencoded::parse(format!("x={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((decode(id)?, decode(secret)?))
    }
}
