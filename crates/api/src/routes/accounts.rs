use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use bonsai_core::model::{Field, Page};
use bonsai_service::accounts::{ProfilePatch, Registration};
use bonsai_service::relationships::{AccountPage, FollowOptions, Side};
use bonsai_service::timelines::AccountFilter;

use super::path_id;
use crate::auth::{Auth, MaybeAuth};
use crate::entities::{Account, CredentialAccount, Relationship, Status};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, link_header};
use crate::params::Params;
use crate::AppState;

pub async fn register(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Value>> {
    let reg = Registration {
        username: p.string("username")?.unwrap_or_default(),
        email: p.string("email")?.unwrap_or_default(),
        password: p.string("password")?.unwrap_or_default(),
        agreement: p.bool("agreement").unwrap_or(false),
        locale: p.string("locale")?,
        reason: p.string("reason")?,
    };
    let issued = state.services.register(&viewer, reg).await?;
    Ok(Json(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_string(),
        "created_at": issued.created_at.millis() / 1000,
    })))
}

pub async fn verify_credentials(
    State(state): State<AppState>,
    Auth(viewer): Auth,
) -> ApiResult<Json<CredentialAccount>> {
    // Mastodon lets `profile` (identity only) and `read:accounts` in here.
    if !viewer.scopes.grants("profile") {
        viewer.require("read:accounts")?;
    }
    let creds = state.services.credentials(&viewer).await?;
    let requests = state.services.pending_request_count(&viewer).await?;
    let view = state.services.account_view(creds.account.clone()).await?;
    Ok(Json(CredentialAccount::new(
        &creds,
        &view,
        requests,
        &state.base_url(),
    )))
}

pub async fn update_credentials(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    req: axum::extract::Request,
) -> ApiResult<Json<CredentialAccount>> {
    // A multipart form may carry `avatar` and `header` files: streamed to disk, not memory.
    let (p, pictures) = if super::media::is_multipart(&req) {
        let mut up = state.services.begin_profile_upload(&viewer).await?;
        let fields = super::media::stream_form(
            &state,
            req,
            &mut up,
            &[
                ("avatar", bonsai_service::media::Part::Avatar),
                ("header", bonsai_service::media::Part::Header),
            ],
        )
        .await?;
        (Params::from_pairs(fields), Some(up))
    } else {
        (
            <Params as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?,
            None,
        )
    };
    let source = p.object("source").unwrap_or_default();
    let fields = if p.get("fields_attributes").is_some() {
        Some(
            p.objects("fields_attributes")
                .into_iter()
                .map(|o| Field {
                    name: o
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    value: o
                        .get("value")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    verified_at: None,
                })
                .collect(),
        )
    } else {
        None
    };
    let privacy = match source.str("privacy") {
        None => None,
        Some(v) => Some(v.parse().map_err(|_| {
            ApiError::unprocessable(
                "Validation failed: Default privacy is not included in the list",
            )
        })?),
    };
    let patch = ProfilePatch {
        display_name: p.string("display_name")?,
        note: p.string("note")?,
        locked: p.bool("locked"),
        bot: p.bool("bot"),
        discoverable: p.bool("discoverable"),
        fields,
        privacy,
        sensitive: source.bool("sensitive"),
        language: source.str("language"),
        pictures,
    };
    let creds = state.services.update_credentials(&viewer, patch).await?;
    let requests = state.services.pending_request_count(&viewer).await?;
    let view = state.services.account_view(creds.account.clone()).await?;
    Ok(Json(CredentialAccount::new(
        &creds,
        &view,
        requests,
        &state.base_url(),
    )))
}

pub async fn show(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Account>> {
    if let Some(v) = &viewer {
        v.require("read:accounts")?;
    }
    let account = state.services.account(path_id(&id)?).await?;
    let view = state.services.account_view(account).await?;
    Ok(Json(Account::from_view(&view, &state.base_url())))
}

pub async fn lookup(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    p: Params,
) -> ApiResult<Json<Account>> {
    if let Some(v) = &viewer {
        v.require("read:accounts")?;
    }
    let acct = p.str("acct").unwrap_or_default();
    let account = state.services.lookup(&acct).await?;
    let view = state.services.account_view(account).await?;
    Ok(Json(Account::from_view(&view, &state.base_url())))
}

pub async fn search(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Vec<Account>>> {
    viewer.require("read:accounts")?;
    let q = p.str("q").unwrap_or_default();
    let limit = p.int("limit").filter(|l| *l > 0).map_or(40, |l| l.min(80));
    let offset = p.int("offset").filter(|o| *o >= 0).unwrap_or(0).min(10_000);
    let found = state.services.search_accounts(&q, limit, offset).await?;
    let views = state.services.account_views(found).await?;
    let base = state.base_url();
    Ok(Json(
        views.iter().map(|a| Account::from_view(a, &base)).collect(),
    ))
}

pub async fn relationships(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    p: Params,
) -> ApiResult<Json<Vec<Relationship>>> {
    let ids: Vec<i64> = p
        .list("id")
        .iter()
        .filter_map(|s| bonsai_core::id::parse_id(s))
        .collect();
    let rels = state.services.relationships(&viewer, &ids).await?;
    Ok(Json(rels.iter().map(Relationship::new).collect()))
}

pub async fn statuses(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    let page = pagination::page(&p, pagination::STATUSES);
    let filter = AccountFilter {
        exclude_replies: p.bool("exclude_replies").unwrap_or(false),
        exclude_reblogs: p.bool("exclude_reblogs").unwrap_or(false),
        only_media: p.bool("only_media").unwrap_or(false),
        pinned: p.bool("pinned").unwrap_or(false),
        tagged: p.str("tagged").filter(|t| !t.is_empty()),
    };
    let list = state
        .services
        .account_statuses(viewer.as_ref(), path_id(&id)?, &filter, &page)
        .await?;
    let base = state.base_url();
    let ids: Vec<i64> = list.iter().map(|v| v.status.id).collect();
    Ok((
        link_header(&base, &uri, &page, &ids),
        Json(list.iter().map(|v| Status::new(v, &base)).collect()),
    ))
}

pub(crate) fn account_list(
    state: &AppState,
    uri: &axum::http::Uri,
    page: &Page,
    found: AccountPage,
) -> (HeaderMap, Json<Vec<Account>>) {
    let base = state.base_url();
    (
        link_header(&base, uri, page, &found.cursor_ids),
        Json(
            found
                .accounts
                .iter()
                .map(|a| Account::from_view(a, &base))
                .collect(),
        ),
    )
}

pub async fn followers(
    state: State<AppState>,
    viewer: MaybeAuth,
    id: Path<String>,
    uri: OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    follow_list(state, viewer, id, uri, p, Side::Followers).await
}

pub async fn following(
    state: State<AppState>,
    viewer: MaybeAuth,
    id: Path<String>,
    uri: OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    follow_list(state, viewer, id, uri, p, Side::Following).await
}

async fn follow_list(
    State(state): State<AppState>,
    MaybeAuth(viewer): MaybeAuth,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    p: Params,
    side: Side,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    let page = pagination::page(&p, pagination::ACCOUNTS);
    let found = state
        .services
        .follow_list(viewer.as_ref(), path_id(&id)?, side, &page)
        .await?;
    Ok(account_list(&state, &uri, &page, found))
}

pub async fn follow(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
    p: Params,
) -> ApiResult<Json<Relationship>> {
    let opts = FollowOptions {
        reblogs: p.bool("reblogs"),
        notify: p.bool("notify"),
    };
    let rel = state.services.follow(&viewer, path_id(&id)?, opts).await?;
    Ok(Json(Relationship::new(&rel)))
}

pub async fn unfollow(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let rel = state.services.unfollow(&viewer, path_id(&id)?).await?;
    Ok(Json(Relationship::new(&rel)))
}

pub async fn block(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let rel = state.services.block(&viewer, path_id(&id)?).await?;
    Ok(Json(Relationship::new(&rel)))
}

pub async fn unblock(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let rel = state.services.unblock(&viewer, path_id(&id)?).await?;
    Ok(Json(Relationship::new(&rel)))
}

pub async fn blocks(
    State(state): State<AppState>,
    Auth(viewer): Auth,
    OriginalUri(uri): OriginalUri,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    let page = pagination::page(&p, pagination::ACCOUNTS);
    let found = state.services.blocked_accounts(&viewer, &page).await?;
    Ok(account_list(&state, &uri, &page, found))
}
