"""Area 1: apps, OAuth flows (authorization code with the HTML sign-in form, PKCE, password,
client credentials, refresh token) and revocation.

Mastodon behaviour asserted (docs.joinmastodon.org/methods/oauth, /methods/apps):
- token errors use RFC 6749 bodies: 400 {"error": "invalid_grant"}, 400 invalid_scope,
  401 invalid_client;
- a revoked or unknown bearer token gets 401 {"error": "..."} on the REST API
  ("The access token is invalid" / "The access token was revoked");
- an app token (client_credentials) is not a user: user-only methods answer 422
  {"error": "This method requires an authenticated user"}.
"""

import urllib.parse

import pytest
from mastodon import Mastodon

from conftest import (ALL_SCOPES, APP_SCOPES, CALLBACK, OOB, assert_error, assert_status, code_from_oob_page,
                      code_from_redirect, describe, json_of, mastodon_client, pkce_pair, submit_authorize_form,
                      unique)


def _token(server, **data):
    return server.post("/oauth/token", data=data)


def test_oauth_discovery_document(server):
    r = assert_status(server.get("/.well-known/oauth-authorization-server"), 200)
    doc = json_of(r)
    for grant in ("authorization_code", "password", "client_credentials", "refresh_token"):
        assert grant in doc.get("grant_types_supported", []), f"{grant} missing: {doc}"
    assert doc["authorization_endpoint"] == server.url + "/oauth/authorize"
    assert doc["token_endpoint"] == server.url + "/oauth/token"
    assert doc["revocation_endpoint"] == server.url + "/oauth/revoke"
    assert doc["app_registration_endpoint"] == server.url + "/api/v1/apps"
    assert "S256" in doc.get("code_challenge_methods_supported", []), doc
    assert "code" in doc.get("response_types_supported", []), doc
    for scope in ("read", "write", "follow", "push", "read:statuses", "write:statuses"):
        assert scope in doc.get("scopes_supported", []), f"{scope} not in scopes_supported"


def test_create_app_raw_and_verify_credentials(server):
    r = server.post("/api/v1/apps", data={
        "client_name": "Raw Client", "redirect_uris": OOB, "scopes": "read write", "website": "https://example.org",
    })
    app = json_of(assert_status(r, 200))
    for key in ("id", "name", "client_id", "client_secret", "redirect_uri"):
        assert isinstance(app.get(key), str) and app[key], f"{key} missing in {app}"
    assert app["name"] == "Raw Client"
    assert app["website"] == "https://example.org"
    assert app["redirect_uri"] == OOB
    assert app.get("redirect_uris") == [OOB], app
    # JSON bodies are accepted as well.
    r2 = server.post("/api/v1/apps", json={"client_name": "JSON Client", "redirect_uris": OOB, "scopes": "read"})
    assert json_of(assert_status(r2, 200))["name"] == "JSON Client"

    tok = json_of(assert_status(_token(server, grant_type="client_credentials", client_id=app["client_id"],
                                       client_secret=app["client_secret"], scope="read"), 200))
    assert tok["token_type"].lower() == "bearer"
    assert isinstance(tok["access_token"], str) and tok["access_token"]
    assert tok["scope"] == "read"
    assert isinstance(tok.get("created_at"), int), tok

    v = json_of(assert_status(server.get("/api/v1/apps/verify_credentials", tok["access_token"]), 200))
    assert v["name"] == "Raw Client"
    assert v.get("website") == "https://example.org"

    # An app token is not a user token.
    assert_error(server.get("/api/v1/accounts/verify_credentials", tok["access_token"]), 422,
                 message="This method requires an authenticated user")


def test_create_app_validation(server):
    r = server.post("/api/v1/apps", data={"redirect_uris": OOB})
    assert_error(r, 422)
    r = server.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": "not a uri"})
    assert_error(r, 422)


def test_mastodon_py_app_verify(server, app):
    tok = json_of(assert_status(_token(server, grant_type="client_credentials", client_id=app[0],
                                       client_secret=app[1], scope="read"), 200))
    m2 = Mastodon(access_token=tok["access_token"], api_base_url=server.url)
    assert m2.app_verify_credentials().name == "bonsai-compat"


def test_client_credentials_wrong_secret(server, app):
    r = _token(server, grant_type="client_credentials", client_id=app[0], client_secret="wrong", scope="read")
    body = assert_error(r, 401)
    assert body["error"] == "invalid_client"


def test_authorization_code_flow_redirect(server, app, make_user):
    user = make_user("oauth")
    m = mastodon_client(server, *app)
    url = m.auth_request_url(redirect_uris=CALLBACK, scopes=["read", "write"], state="st4te-xyz", allow_http=True)
    assert url.startswith(server.url + "/oauth/authorize?")
    resp = submit_authorize_form(server, url, user.email, user.password)
    q = code_from_redirect(resp, CALLBACK)
    assert q.get("state") == "st4te-xyz"

    m.log_in(code=q["code"], redirect_uri=CALLBACK, scopes=["read", "write"], allow_http=True)
    me = m.account_verify_credentials()
    assert me.username == user.username
    assert str(me.id) == user.id

    # A code is single-use.
    again = _token(server, grant_type="authorization_code", code=q["code"], redirect_uri=CALLBACK,
                   client_id=app[0], client_secret=app[1])
    assert assert_error(again, 400)["error"] == "invalid_grant"


def test_authorization_code_flow_oob(server, app, make_user):
    user = make_user("oob")
    m = mastodon_client(server, *app)
    url = m.auth_request_url(scopes=["read"], allow_http=True)  # redirect_uris defaults to OOB
    resp = submit_authorize_form(server, url, user.email, user.password)
    code = code_from_oob_page(resp)
    m.log_in(code=code, scopes=["read"], allow_http=True)
    assert m.account_verify_credentials().username == user.username
    # The token only has the scope that was asked for.
    r = server.post("/api/v1/statuses", m.access_token, data={"status": "nope"})
    assert_error(r, 403)


def test_authorization_code_redirect_uri_mismatch(server, app, make_user):
    user = make_user("oauthmm")
    m = mastodon_client(server, *app)
    url = m.auth_request_url(redirect_uris=CALLBACK, scopes=["read"], allow_http=True)
    q = code_from_redirect(submit_authorize_form(server, url, user.email, user.password), CALLBACK)
    r = _token(server, grant_type="authorization_code", code=q["code"], redirect_uri=OOB,
               client_id=app[0], client_secret=app[1])
    assert assert_error(r, 400)["error"] == "invalid_grant"


def test_authorize_wrong_password_gives_no_code(server, app, make_user):
    user = make_user("oauthbad")
    m = mastodon_client(server, *app)
    url = m.auth_request_url(redirect_uris=CALLBACK, scopes=["read"], allow_http=True)
    resp = submit_authorize_form(server, url, user.email, "wrong-password")
    assert resp.status_code < 500, describe(resp)
    assert "code=" not in resp.headers.get("Location", ""), describe(resp)
    assert 'id="authorization-code"' not in resp.text


def test_authorize_unregistered_redirect_uri_is_refused(server, app):
    params = {"client_id": app[0], "response_type": "code", "redirect_uri": "http://evil.example/cb", "scope": "read"}
    r = server.get("/oauth/authorize?" + urllib.parse.urlencode(params))
    # Doorkeeper renders an error page (400) and never redirects to an unregistered URI.
    assert r.status_code == 400, describe(r)
    assert "evil.example" not in r.headers.get("Location", "")


def test_authorize_unknown_client(server):
    params = {"client_id": "no-such-client", "response_type": "code", "redirect_uri": OOB, "scope": "read"}
    r = server.get("/oauth/authorize?" + urllib.parse.urlencode(params))
    assert r.status_code in (400, 401), describe(r)


def _pkce_code(server, app, user, challenge, method, redirect_uri=CALLBACK):
    params = {"client_id": app[0], "response_type": "code", "redirect_uri": redirect_uri, "scope": "read write",
              "state": "pk", "code_challenge": challenge, "code_challenge_method": method}
    url = server.url + "/oauth/authorize?" + urllib.parse.urlencode(params)
    resp = submit_authorize_form(server, url, user.email, user.password)
    if redirect_uri == OOB:
        return code_from_oob_page(resp)
    q = code_from_redirect(resp, redirect_uri)
    assert q.get("state") == "pk"
    return q["code"]


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_authorization_code_with_pkce(server, app, make_user, method):
    user = make_user("pkce")
    verifier, challenge = pkce_pair(method)

    code = _pkce_code(server, app, user, challenge, method)
    bad = _token(server, grant_type="authorization_code", code=code, redirect_uri=CALLBACK,
                 client_id=app[0], client_secret=app[1], code_verifier=pkce_pair(method)[0])
    assert assert_error(bad, 400)["error"] == "invalid_grant"

    code = _pkce_code(server, app, user, challenge, method)
    missing = _token(server, grant_type="authorization_code", code=code, redirect_uri=CALLBACK,
                     client_id=app[0], client_secret=app[1])
    # Doorkeeper (Mastodon) answers a missing code_verifier with invalid_request.
    assert assert_error(missing, 400)["error"] in ("invalid_request", "invalid_grant")

    code = _pkce_code(server, app, user, challenge, method)
    tok = json_of(assert_status(_token(server, grant_type="authorization_code", code=code, redirect_uri=CALLBACK,
                                       client_id=app[0], client_secret=app[1], code_verifier=verifier), 200))
    assert set(tok["scope"].split()) == {"read", "write"}
    me = json_of(assert_status(server.get("/api/v1/accounts/verify_credentials", tok["access_token"]), 200))
    assert me["id"] == user.id


def test_pkce_with_oob(server, app, make_user):
    """PKCE combined with the out-of-band redirect URI (what CLI clients do)."""
    user = make_user("pkce3")
    verifier, challenge = pkce_pair("S256")
    code = _pkce_code(server, app, user, challenge, "S256", redirect_uri=OOB)
    tok = json_of(assert_status(_token(server, grant_type="authorization_code", code=code, redirect_uri=OOB,
                                       client_id=app[0], client_secret=app[1], code_verifier=verifier), 200))
    me = json_of(assert_status(server.get("/api/v1/accounts/verify_credentials", tok["access_token"]), 200))
    assert me["username"] == user.username


def test_password_grant(server, app, make_user):
    user = make_user("pw")
    me = user.api.account_verify_credentials()
    assert me.username == user.username and str(me.id) == user.id

    raw = json_of(assert_status(_token(server, grant_type="password", username=user.email, password=user.password,
                                       client_id=app[0], client_secret=app[1], scope="read write"), 200))
    assert raw["token_type"].lower() == "bearer"
    assert raw["scope"] == "read write"


def test_password_grant_wrong_password(server, app, make_user):
    user = make_user("pwbad")
    r = _token(server, grant_type="password", username=user.email, password="nope-nope",
               client_id=app[0], client_secret=app[1], scope="read")
    assert assert_error(r, 400)["error"] == "invalid_grant"
    r = _token(server, grant_type="password", username="nobody@example.com", password="nope-nope",
               client_id=app[0], client_secret=app[1], scope="read")
    assert assert_error(r, 400)["error"] == "invalid_grant"


def test_token_scope_not_registered_for_app(server, make_user):
    ci, cs = Mastodon.create_app("read-only-app", scopes=["read"], api_base_url=server.url)
    user = make_user("scopeapp")
    r = _token(server, grant_type="password", username=user.email, password=user.password,
               client_id=ci, client_secret=cs, scope="read write")
    assert assert_error(r, 400)["error"] == "invalid_scope"


def test_unsupported_grant_type(server, app):
    r = _token(server, grant_type="magic", client_id=app[0], client_secret=app[1])
    assert assert_error(r, 400)["error"] == "unsupported_grant_type"


def test_refresh_token(server, app, make_user):
    user = make_user("refresh")
    tok = json_of(assert_status(_token(server, grant_type="password", username=user.email, password=user.password,
                                       client_id=app[0], client_secret=app[1], scope="read write"), 200))
    assert tok.get("refresh_token"), f"no refresh_token in {tok}"
    new = json_of(assert_status(_token(server, grant_type="refresh_token", refresh_token=tok["refresh_token"],
                                       client_id=app[0], client_secret=app[1]), 200))
    assert new["access_token"] != tok["access_token"]
    assert set(new["scope"].split()) == {"read", "write"}
    me = json_of(assert_status(server.get("/api/v1/accounts/verify_credentials", new["access_token"]), 200))
    assert me["id"] == user.id

    # Mastodon.py refresh path.
    m = mastodon_client(server, *app)
    m.log_in(refresh_token=new["refresh_token"], scopes=["read", "write"], allow_http=True)
    assert m.account_verify_credentials().id == user.id or str(m.account_verify_credentials().id) == user.id

    bogus = _token(server, grant_type="refresh_token", refresh_token="not-a-refresh-token",
                   client_id=app[0], client_secret=app[1])
    assert assert_error(bogus, 400)["error"] == "invalid_grant"


def test_revoke_token(server, app, make_user):
    user = make_user("revoke")
    token = user.token
    assert_status(server.get("/api/v1/accounts/verify_credentials", token), 200)
    user.api.revoke_access_token(allow_http=True)
    r = server.get("/api/v1/accounts/verify_credentials", token)
    assert_error(r, 401)
    r = server.post("/api/v1/statuses", token, data={"status": "after revoke"})
    assert_error(r, 401)
    # Revocation is idempotent (RFC 7009): revoking again is 200.
    again = server.post("/oauth/revoke", data={"client_id": app[0], "client_secret": app[1], "token": token})
    assert_status(again, 200)


def test_revoke_requires_owning_client(server, app, make_user):
    user = make_user("revoke2")
    ci, cs = Mastodon.create_app("other-app", scopes=["read"], api_base_url=server.url)
    r = server.post("/oauth/revoke", data={"client_id": ci, "client_secret": cs, "token": user.token})
    # The token must still work: another app cannot revoke it ...
    assert_status(server.get("/api/v1/accounts/verify_credentials", user.token), 200)
    # ... and Mastodon (Doorkeeper) says so with 403 unauthorized_client (docs: methods/oauth#revoke).
    assert_error(r, 403)


def test_invalid_token_is_401(server):
    r = server.get("/api/v1/accounts/verify_credentials", "definitely-not-a-token")
    assert_error(r, 401, message="The access token is invalid")
    r = server.get("/api/v1/timelines/home", "definitely-not-a-token")
    assert_error(r, 401)
    r = server.get("/api/v1/accounts/verify_credentials", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert_error(r, 401)


def test_missing_token_is_401(server):
    assert_error(server.get("/api/v1/accounts/verify_credentials"), 401)
    assert_error(server.get("/api/v1/timelines/home"), 401)
    assert_error(server.post("/api/v1/statuses", data={"status": "anon"}), 401)
