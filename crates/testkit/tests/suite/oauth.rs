use axum::http::{Method, StatusCode};
use serde_json::json;

use bonsai_testkit::TestApp;

fn form_inputs(html: &str) -> Vec<(String, String)> {
    // A small scan for <input name=".." value=".."> — enough for our own page.
    let mut out = Vec::new();
    for part in html.split("<input").skip(1) {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            part.find(&key).map(|i| {
                let rest = &part[i + key.len()..];
                rest[..rest.find('"').unwrap_or(0)]
                    .replace("&amp;", "&")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
            })
        };
        if let Some(n) = attr("name") {
            out.push((n, attr("value").unwrap_or_default()));
        }
    }
    out
}

#[tokio::test]
async fn app_registration_validates_and_accepts_all_body_shapes() {
    let app = TestApp::new().await;
    let bad = app
        .post_json(
            "/api/v1/apps",
            None,
            json!({"client_name": "x", "redirect_uris": "not a uri"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .contains("Redirect URI"));
    let blank = app
        .post_json(
            "/api/v1/apps",
            None,
            json!({"redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Form body, custom scheme, unknown scopes ignored.
    let r = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Tusky"),
                ("redirect_uris", "com.keylesspalace.tusky://oauth"),
                ("scopes", "read write bogus:scope"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["scopes"], json!(["read", "write"]));
    assert_eq!(
        j["redirect_uris"],
        json!(["com.keylesspalace.tusky://oauth"])
    );
    assert!(j["client_secret"].as_str().unwrap().len() >= 32);
    assert!(j["id"].is_string());

    // Query-string parameters work too.
    let q = app
        .request(
            Method::POST,
            "/api/v1/apps?client_name=Q&redirect_uris=urn:ietf:wg:oauth:2.0:oob",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
}

#[tokio::test]
async fn password_client_credentials_refresh_and_revoke() {
    let app = TestApp::new().await;
    let (cid, secret) = app.app("read write follow").await;
    let (_, token) = app
        .user_with_app("alice", &cid, &secret, "read write")
        .await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["username"], "alice");
    assert_eq!(me.json()["source"]["privacy"], "public");

    // Wrong password: invalid_grant, 400.
    let bad = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("username", "alice@bonsai.test"),
                ("password", "nope-nope"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"], "invalid_grant");
    // Wrong secret: invalid_client, 401.
    let bad = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &cid),
                ("client_secret", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["error"], "invalid_client");
    // A scope beyond the app's: invalid_scope.
    let bad = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("scope", "push"),
            ],
        )
        .await;
    assert_eq!(bad.json()["error"], "invalid_scope");

    // client_credentials: an app token cannot act as a user.
    let cc = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("scope", "read"),
            ],
        )
        .await
        .json();
    let app_token = cc["access_token"].as_str().unwrap();
    assert!(cc.get("refresh_token").is_none());
    assert_eq!(
        app.get("/api/v1/apps/verify_credentials", Some(app_token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(app_token))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Refresh: a new token works, the old one is revoked.
    let pw = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("username", "alice@bonsai.test"),
                ("password", "correct horse battery"),
                ("scope", "read"),
            ],
        )
        .await
        .json();
    let (old, refresh) = (
        pw["access_token"].as_str().unwrap(),
        pw["refresh_token"].as_str().unwrap(),
    );
    let new = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("refresh_token", refresh),
            ],
        )
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text());
    let new_token = new.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(new.json()["scope"], "read");
    let r = app
        .get("/api/v1/accounts/verify_credentials", Some(old))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "The access token was revoked");
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&new_token))
            .await
            .status,
        StatusCode::OK
    );

    // Revoke.
    let rv = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &cid),
                ("client_secret", &secret),
                ("token", &new_token),
            ],
        )
        .await;
    assert_eq!(rv.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&new_token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = TestApp::with_config(|c| c.access_token_lifetime_secs = 1).await;
    let (_, token) = app.user("exp", "read").await;
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "The access token expired");
}

#[tokio::test]
async fn authorization_code_flow_with_pkce_through_the_form() {
    let app = TestApp::new().await;
    let r = app
        .post_json("/api/v1/apps", None, json!({"client_name": "web", "redirect_uris": ["https://client.example/cb", "urn:ietf:wg:oauth:2.0:oob"], "scopes": "read write"}))
        .await
        .json();
    let cid = r["client_id"].as_str().unwrap().to_string();
    let secret = r["client_secret"].as_str().unwrap().to_string();
    app.user_with_app("carol", &cid, &secret, "read").await;

    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let page = app
        .get(&format!("/oauth/authorize?client_id={cid}&redirect_uri=https%3A%2F%2Fclient.example%2Fcb&response_type=code&scope=read&state=xyz&code_challenge={challenge}&code_challenge_method=S256"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let mut fields = form_inputs(&page.text());
    assert!(fields.iter().any(|(k, v)| k == "state" && v == "xyz"));
    // A wrong password re-shows the form.
    let mut wrong = fields.clone();
    wrong.retain(|(k, _)| k != "email" && k != "password");
    wrong.push(("email".into(), "carol@bonsai.test".into()));
    wrong.push(("password".into(), "wrong-password".into()));
    let pairs: Vec<(&str, &str)> = wrong
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post_form("/oauth/authorize", None, &pairs).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Invalid email or password"));

    fields.retain(|(k, _)| k != "email" && k != "password");
    fields.push(("email".into(), "carol@bonsai.test".into()));
    fields.push(("password".into(), "correct horse battery".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post_form("/oauth/authorize", None, &pairs).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text());
    let location = r.header("location").unwrap();
    assert!(location.starts_with("https://client.example/cb?code="));
    assert!(location.ends_with("&state=xyz"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();

    // A wrong verifier fails, and burns the code: codes are single-use.
    let bad = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &cid),
                ("code", &code),
                ("redirect_uri", "https://client.example/cb"),
                ("code_verifier", "wrong"),
            ],
        )
        .await;
    assert_eq!(bad.json()["error"], "invalid_grant");
    let again = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &cid),
                ("code", &code),
                ("redirect_uri", "https://client.example/cb"),
                ("code_verifier", verifier),
            ],
        )
        .await;
    assert_eq!(again.json()["error"], "invalid_grant");

    // A fresh code with the right verifier works for a public client (no secret), once.
    let r = app.post_form("/oauth/authorize", None, &pairs).await;
    let location = r.header("location").unwrap();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", cid.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", "https://client.example/cb"),
        ("code_verifier", verifier),
    ];
    let ok = app.post_form("/oauth/token", None, &form).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let t = ok.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&t))
            .await
            .json()["username"],
        "carol"
    );
    assert_eq!(
        app.post_form("/oauth/token", None, &form).await.json()["error"],
        "invalid_grant"
    );
    // Without a verifier a PKCE code is refused.
    let r = app.post_form("/oauth/authorize", None, &pairs).await;
    let location = r.header("location").unwrap();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let r = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("code", &code),
                ("redirect_uri", "https://client.example/cb"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Again through the OOB page, with a confidential client and PKCE plain.
    let page = app
        .get(&format!("/oauth/authorize?client_id={cid}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&response_type=code&scope=read+write&code_challenge=plainverifier&code_challenge_method=plain"), None)
        .await;
    let mut fields = form_inputs(&page.text());
    fields.retain(|(k, _)| k != "email" && k != "password");
    fields.push(("email".into(), "CAROL@bonsai.test".into()));
    fields.push(("password".into(), "correct horse battery".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post_form("/oauth/authorize", None, &pairs).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let code = html
        .split("<code id=\"authorization-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let tok = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("code", code),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
                ("code_verifier", "plainverifier"),
            ],
        )
        .await;
    assert_eq!(tok.status, StatusCode::OK, "{}", tok.text());
    assert_eq!(tok.json()["scope"], "read write");
    let t = tok.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(&t))
            .await
            .json()["username"],
        "carol"
    );

    // An unregistered redirect URI is refused before any sign-in.
    let r = app
        .get(&format!("/oauth/authorize?client_id={cid}&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code"), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn scopes_are_enforced_per_route() {
    let app = TestApp::new().await;
    let (cid, secret) = app.app("read write follow").await;
    let (_, read_only) = app.user_with_app("reader", &cid, &secret, "read").await;
    let r = app
        .post_json(
            "/api/v1/statuses",
            Some(&read_only),
            json!({"status": "hi"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"],
        "This action is outside the authorized scopes"
    );

    let tok = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &cid),
                ("client_secret", &secret),
                ("username", "reader@bonsai.test"),
                ("password", "correct horse battery"),
                ("scope", "write:statuses read:statuses"),
            ],
        )
        .await
        .json();
    let granular = tok["access_token"].as_str().unwrap();
    assert_eq!(
        app.post_json("/api/v1/statuses", Some(granular), json!({"status": "hi"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/timelines/home", Some(granular))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/accounts/verify_credentials", Some(granular))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_json("/api/v1/accounts/1/follow", Some(granular), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn registration_follows_the_mode() {
    for (mode, expect) in [
        (bonsai_service::Registrations::Closed, StatusCode::FORBIDDEN),
        (bonsai_service::Registrations::Open, StatusCode::OK),
    ] {
        let app = TestApp::with_config(|c| c.registrations = mode).await;
        let (cid, secret) = app.app("read write").await;
        let cc = app
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &cid),
                    ("client_secret", &secret),
                    ("scope", "read write"),
                ],
            )
            .await
            .json();
        let t = cc["access_token"].as_str().unwrap();
        let r = app
            .post_form(
                "/api/v1/accounts",
                Some(t),
                &[
                    ("username", "newbie"),
                    ("email", "newbie@example.org"),
                    ("password", "a long password"),
                    ("agreement", "1"),
                    ("locale", "en"),
                ],
            )
            .await;
        assert_eq!(r.status, expect, "{mode:?}: {}", r.text());
        if expect == StatusCode::OK {
            let user_token = r.json()["access_token"].as_str().unwrap().to_string();
            let me = app
                .get("/api/v1/accounts/verify_credentials", Some(&user_token))
                .await;
            assert_eq!(me.json()["username"], "newbie");
            // Taken name, bad e-mail, short password, no agreement: all listed at once.
            let r = app
                .post_form(
                    "/api/v1/accounts",
                    Some(t),
                    &[
                        ("username", "NEWBIE"),
                        ("email", "nope"),
                        ("password", "short"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            let d = &r.json()["details"];
            assert_eq!(d["username"][0]["error"], "ERR_TAKEN");
            assert_eq!(d["email"][0]["error"], "ERR_INVALID");
            assert_eq!(d["password"][0]["error"], "ERR_TOO_SHORT");
            assert_eq!(d["agreement"][0]["error"], "ERR_ACCEPTED");
        }
    }
}

#[tokio::test]
async fn discovery_lists_every_grant() {
    let app = TestApp::new().await;
    let d = app
        .get("/.well-known/oauth-authorization-server", None)
        .await
        .json();
    for g in [
        "authorization_code",
        "password",
        "client_credentials",
        "refresh_token",
    ] {
        assert!(
            d["grant_types_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == g),
            "{g}"
        );
    }
    assert_eq!(d["token_endpoint"], "https://bonsai.test/oauth/token");
}
