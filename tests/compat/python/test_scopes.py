"""Area 6: OAuth scope enforcement. Mastodon answers a token lacking the scope with
403 {"error": "This action is outside the authorized scopes"}; a parent scope (`read`) implies its
granular children (`read:statuses`)."""

import pytest

from conftest import assert_error, assert_status, json_of, password_login

OUTSIDE = "This action is outside the authorized scopes"


@pytest.fixture
def scoped(server, app, make_user):
    user = make_user("scoped")

    def token(*scopes):
        m = password_login(server, app, user.email, user.password, list(scopes))
        return m.access_token

    return user, token


def test_read_token_cannot_post(scoped, server):
    user, token = scoped
    t = token("read")
    assert_error(server.post("/api/v1/statuses", t, data={"status": "should fail"}), 403, message=OUTSIDE)
    assert_status(server.get("/api/v1/timelines/home", t), 200)
    assert_status(server.get("/api/v1/accounts/verify_credentials", t), 200)
    # Nothing was posted.
    me = json_of(server.get("/api/v1/accounts/verify_credentials", t))
    assert me["statuses_count"] == 0


def test_write_statuses_token(scoped, server):
    user, token = scoped
    t = token("write:statuses")
    r = server.post("/api/v1/statuses", t, data={"status": "granular write"})
    st = json_of(assert_status(r, 200))
    assert st["account"]["id"] == user.id
    assert_error(server.get("/api/v1/timelines/home", t), 403, message=OUTSIDE)
    assert_error(server.get("/api/v1/accounts/verify_credentials", t), 403, message=OUTSIDE)
    # write:statuses does not cover following someone.
    assert_error(server.post(f"/api/v1/accounts/{user.id}/follow", t), 403, message=OUTSIDE)


def test_read_statuses_token(scoped, server):
    user, token = scoped
    st = user.api.status_post("readable with read:statuses")
    t = token("read:statuses")
    assert_status(server.get("/api/v1/timelines/home", t), 200)
    assert json_of(assert_status(server.get(f"/api/v1/statuses/{st.id}", t), 200))["id"] == str(st.id)
    assert_error(server.get("/api/v1/accounts/verify_credentials", t), 403, message=OUTSIDE)
    assert_error(server.post("/api/v1/statuses", t, data={"status": "nope"}), 403, message=OUTSIDE)


def test_read_accounts_token(scoped, server):
    user, token = scoped
    t = token("read:accounts")
    me = json_of(assert_status(server.get("/api/v1/accounts/verify_credentials", t), 200))
    assert me["id"] == user.id
    assert_error(server.get("/api/v1/timelines/home", t), 403, message=OUTSIDE)


def test_follow_scope_and_write_follows(scoped, server, make_user):
    user, token = scoped
    target = make_user("scopetarget")
    t = token("write:follows")
    r = server.post(f"/api/v1/accounts/{target.id}/follow", t)
    assert json_of(assert_status(r, 200))["following"] is True
    t2 = token("follow")
    r = server.post(f"/api/v1/accounts/{target.id}/unfollow", t2)
    assert json_of(assert_status(r, 200))["following"] is False
    t3 = token("read")
    assert_error(server.post(f"/api/v1/accounts/{target.id}/follow", t3), 403, message=OUTSIDE)


def test_token_scope_reported(scoped, server, app):
    user, token = scoped
    r = server.post("/oauth/token", data={"grant_type": "password", "username": user.email, "password": user.password,
                                          "client_id": app[0], "client_secret": app[1],
                                          "scope": "read:statuses write:statuses"})
    body = json_of(assert_status(r, 200))
    assert set(body["scope"].split()) == {"read:statuses", "write:statuses"}


def test_default_scope_is_read(server, app, make_user):
    """Mastodon: a token request without `scope` gets the default scope `read`."""
    user = make_user("defscope")
    r = server.post("/oauth/token", data={"grant_type": "password", "username": user.email, "password": user.password,
                                          "client_id": app[0], "client_secret": app[1]})
    body = json_of(assert_status(r, 200))
    assert body["scope"] == "read"
    assert_error(server.post("/api/v1/statuses", body["access_token"], data={"status": "x"}), 403, message=OUTSIDE)
