"""Area 8: accounts — credentials, profile updates, lookup, account statuses filters, search,
and registration through POST /api/v1/accounts (docs.joinmastodon.org/methods/accounts).

Registration in Mastodon (Api::V1::AccountsController):
- needs an app token (client_credentials) with write:accounts; 200 returns a Token;
- registrations closed -> 403 {"error": ...} (check_enabled_registrations -> forbidden);
- validation errors -> 422 {"error": "Validation failed: ...", "details": {field: [{"error": "ERR_TAKEN", ...}]}};
- in approval mode the token is issued but the login is "pending approval" (403 on user methods).
"""

import secrets

import pytest
from mastodon import Mastodon, MastodonNotFoundError

from conftest import (ALL_SCOPES, assert_error, assert_status, describe, ids, json_of, mastodon_client,
                      post_with_media, start_server, unique)


def test_verify_credentials_shape(alice, server):
    me = json_of(assert_status(alice.get("/api/v1/accounts/verify_credentials"), 200))
    assert me["id"] == alice.id
    assert me["username"] == alice.username
    assert me["acct"] == alice.username  # local accounts have no domain part
    assert me["url"] == f"{server.url}/@{alice.username}"
    assert me["locked"] is False and me["bot"] is False
    assert isinstance(me["display_name"], str)
    assert me["followers_count"] == 0 and me["following_count"] == 0 and me["statuses_count"] == 0
    for key in ("avatar", "avatar_static", "header", "header_static", "note", "created_at", "emojis", "fields"):
        assert key in me, f"{key} missing"
    assert me["avatar"].startswith("http"), me["avatar"]
    src = me["source"]
    assert src["privacy"] == "public"
    assert src["sensitive"] is False
    assert "language" in src
    assert src["note"] == ""
    assert src["fields"] == []
    assert src["follow_requests_count"] == 0
    assert me.get("role") is None or isinstance(me["role"], dict)


def test_update_credentials(alice, anon):
    acc = alice.api.account_update_credentials(
        display_name="Alice Compat", note="Hello, I test things.\nSecond line", locked=True, bot=True,
        fields=[("Website", "https://example.org"), ("Pronouns", "she/her")],
    )
    assert acc.display_name == "Alice Compat"
    assert "Hello, I test things." in acc.note and acc.note.startswith("<p>")
    assert acc.locked is True and acc.bot is True
    assert len(acc.fields) == 2
    assert (acc.fields[1].name, acc.fields[1].value) == ("Pronouns", "she/her")
    assert acc.fields[0].name == "Website"
    assert "https://example.org" in acc.fields[0].value
    assert 'href="https://example.org"' in acc.fields[0].value  # rendered as a link
    assert acc.source.note == "Hello, I test things.\nSecond line"
    assert [(f.name, f.value) for f in acc.source.fields] == [("Website", "https://example.org"), ("Pronouns", "she/her")]

    pub = anon.account(alice.id)
    assert pub.display_name == "Alice Compat" and pub.locked is True and pub.bot is True
    raw = json_of(assert_status(alice.server.get(f"/api/v1/accounts/{alice.id}"), 200))
    assert "source" not in raw  # source is only in CredentialAccount

    # Partial update leaves the rest alone; unlock again.
    acc = alice.api.account_update_credentials(locked=False)
    assert acc.locked is False and acc.display_name == "Alice Compat" and acc.bot is True


def test_update_credentials_raw_form_and_json(alice):
    r = alice.request("PATCH", "/api/v1/accounts/update_credentials",
                      data={"display_name": "Form Name", "fields_attributes[0][name]": "k",
                            "fields_attributes[0][value]": "v", "source[privacy]": "unlisted"})
    acc = json_of(assert_status(r, 200))
    assert acc["display_name"] == "Form Name"
    assert [(f["name"], f["value"]) for f in acc["fields"]] == [("k", "v")]
    assert acc["source"]["privacy"] == "unlisted"
    r = alice.request("PATCH", "/api/v1/accounts/update_credentials",
                      json={"display_name": "Json Name", "locked": True, "source": {"sensitive": True}})
    acc = json_of(assert_status(r, 200))
    assert acc["display_name"] == "Json Name" and acc["locked"] is True
    assert acc["source"]["sensitive"] is True
    # New statuses follow the default privacy when none is given.
    st = json_of(assert_status(alice.post("/api/v1/statuses", data={"status": "default privacy"}), 200))
    assert st["visibility"] == "unlisted"


def test_update_credentials_validation(alice):
    r = alice.request("PATCH", "/api/v1/accounts/update_credentials", data={"display_name": "x" * 31})
    assert_error(r, 422)
    r = alice.request("PATCH", "/api/v1/accounts/update_credentials", data={"note": "n" * 501})
    assert_error(r, 422)


def test_lookup(alice, anon):
    acc = anon.account_lookup(alice.username)
    assert str(acc.id) == alice.id
    assert str(anon.account_lookup("@" + alice.username).id) == alice.id
    with pytest.raises(MastodonNotFoundError):
        anon.account_lookup(unique("ghost"))


def test_account_by_id_public(alice, anon, bob):
    acc = anon.account(alice.id)
    assert acc.username == alice.username
    for viewer in (None, bob.token, alice.token):
        raw = json_of(assert_status(alice.server.get(f"/api/v1/accounts/{alice.id}", viewer), 200))
        assert raw["id"] == alice.id and "source" not in raw


def test_account_statuses_filters(alice, bob):
    tag = unique("acctag")
    b = bob.api.status_post("bob's post to reply to and boost")
    plain = alice.api.status_post("plain post")
    reply_other = alice.api.status_post(f"@{bob.username} reply to bob", in_reply_to_id=b.id)
    self_thread = alice.api.status_post("self reply (thread)", in_reply_to_id=plain.id)
    tagged = alice.api.status_post(f"tagged post #{tag}")

    allst = ids(alice.api.account_statuses(alice.id, limit=40))
    assert allst == [str(tagged.id), str(self_thread.id), str(reply_other.id), str(plain.id)]

    no_replies = ids(alice.api.account_statuses(alice.id, exclude_replies=True, limit=40))
    assert str(reply_other.id) not in no_replies
    assert str(self_thread.id) in no_replies  # Mastodon keeps self-replies (threads)
    assert str(plain.id) in no_replies

    assert ids(alice.api.account_statuses(alice.id, tagged=tag)) == [str(tagged.id)]
    assert ids(alice.api.account_statuses(alice.id, tagged=tag.upper())) == [str(tagged.id)]


def test_account_statuses_exclude_reblogs(alice, bob):
    b = bob.api.status_post("boost me")
    plain = alice.api.status_post("plain")
    boost = alice.api.status_reblog(b.id)
    allst = ids(alice.api.account_statuses(alice.id, limit=40))
    assert allst == [str(boost.id), str(plain.id)]
    no_reblogs = ids(alice.api.account_statuses(alice.id, exclude_reblogs=True, limit=40))
    assert no_reblogs == [str(plain.id)]


def test_account_statuses_pinned(alice, bob):
    pinned = alice.api.status_post("pin me")
    other = alice.api.status_post("not pinned")
    st = alice.api.status_pin(pinned.id)
    assert st.pinned is True
    assert ids(alice.api.account_statuses(alice.id, pinned=True)) == [str(pinned.id)]
    assert ids(bob.api.account_statuses(alice.id, pinned=True)) == [str(pinned.id)]
    assert alice.api.status(pinned.id).pinned is True
    raw = json_of(assert_status(bob.get(f"/api/v1/statuses/{pinned.id}"), 200))
    assert raw.get("pinned") in (None, False)  # `pinned` is only for the viewer's own statuses
    alice.api.status_unpin(pinned.id)
    assert list(alice.api.account_statuses(alice.id, pinned=True)) == []
    assert str(other.id) in ids(alice.api.account_statuses(alice.id))


def test_account_statuses_only_media(alice):
    text = alice.api.status_post("text only")
    media = post_with_media(alice, "media post")
    assert ids(alice.api.account_statuses(alice.id, only_media=True)) == [media["id"]]
    assert str(text.id) in ids(alice.api.account_statuses(alice.id))


def test_reblog_shape(alice, bob):
    b = bob.api.status_post("boost this")
    r = alice.api.status_reblog(b.id)
    assert r.reblog is not None and str(r.reblog.id) == str(b.id)
    assert str(r.account.id) == alice.id
    assert r.reblog.reblogged is True
    assert bob.api.status(b.id).reblogs_count == 1
    again = alice.api.status_reblog(b.id)  # idempotent
    assert str(again.id) == str(r.id)
    un = alice.api.status_unreblog(b.id)
    assert str(un.id) == str(b.id) and un.reblogged is False
    assert bob.api.status(b.id).reblogs_count == 0


def test_accounts_search(alice, bob):
    res = alice.api.account_search(bob.username[:-2])
    assert bob.id in ids(res)
    res = alice.api.account_search(bob.username)
    assert ids(res)[0] == bob.id
    res = alice.api.account_search("@" + bob.username)
    assert bob.id in ids(res)
    assert alice.api.account_search(unique("zzznomatch")) == []


def test_search_v2_accounts_and_hashtags(alice, bob):
    tag = unique("srchtag")
    alice.api.status_post(f"post with #{tag}")
    r = alice.get("/api/v2/search", params={"q": bob.username, "type": "accounts"})
    body = json_of(assert_status(r, 200))
    assert bob.id in ids(body["accounts"])
    r = alice.get("/api/v2/search", params={"q": "#" + tag, "type": "hashtags"})
    body = json_of(assert_status(r, 200))
    assert [h["name"].lower() for h in body["hashtags"]] == [tag.lower()]


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------

def _app_token(server, scopes="read write follow push"):
    ci, cs = Mastodon.create_app("signup-app", scopes=scopes.split(), api_base_url=server.url)
    r = server.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": ci, "client_secret": cs,
                                          "scope": scopes})
    return ci, cs, json_of(assert_status(r, 200))["access_token"]


def test_register_open_mode_with_mastodon_py(server):
    ci, cs = Mastodon.create_app("signup-mpy", scopes=ALL_SCOPES, api_base_url=server.url)
    m = mastodon_client(server, ci, cs)
    username = unique("newbie")
    token = m.create_account(username, "pw-" + secrets.token_hex(8), f"{username}@example.com", agreement=True)
    assert token and m.access_token == token
    me = m.account_verify_credentials()
    assert me.username == username
    st = m.status_post("my first post")
    assert str(st.account.id) == str(me.id)


def test_register_validation_errors(server, make_user):
    existing = make_user("taken")
    ci, cs, tok = _app_token(server)
    r = server.post("/api/v1/accounts", tok, data={"username": existing.username, "email": f"{unique()}@example.com",
                                                   "password": "long-enough-pw", "agreement": "true", "locale": "en"})
    body = assert_error(r, 422)
    assert body["details"]["username"][0]["error"] == "ERR_TAKEN", body
    r = server.post("/api/v1/accounts", tok, data={"username": "bad name!", "email": "not-an-email",
                                                   "password": "", "agreement": "true", "locale": "en"})
    body = assert_error(r, 422)
    assert body["details"]["username"][0]["error"] == "ERR_INVALID", body
    assert body["details"]["email"][0]["error"] == "ERR_INVALID", body
    # Mastodon (Devise): a blank password is ERR_BLANK (length is only checked when not blank).
    assert "ERR_BLANK" in [e["error"] for e in body["details"]["password"]], body
    r = server.post("/api/v1/accounts", tok, data={"username": unique("noagree"), "email": f"{unique()}@example.com",
                                                   "password": "long-enough-pw", "locale": "en"})
    body = assert_error(r, 422)
    assert body["details"]["agreement"][0]["error"] == "ERR_ACCEPTED", body


def test_register_requires_app_token(server, alice):
    data = {"username": unique("notoken"), "email": f"{unique()}@example.com", "password": "long-enough-pw",
            "agreement": "true", "locale": "en"}
    assert_error(server.post("/api/v1/accounts", data=data), 401)


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "closed", "closed")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def approval_server(tmp_path_factory):
    srv = start_server(tmp_path_factory, "approval", "approval")
    yield srv
    srv.stop()


def test_register_closed_mode_forbidden(closed_server):
    srv = closed_server
    inst = json_of(assert_status(srv.get("/api/v2/instance"), 200))
    assert inst["registrations"]["enabled"] is False
    assert json_of(srv.get("/api/v1/instance"))["registrations"] is False
    ci, cs, tok = _app_token(srv)
    username = unique("closed")
    r = srv.post("/api/v1/accounts", tok, data={"username": username, "email": f"{username}@example.com",
                                                "password": "long-enough-pw", "agreement": "true", "locale": "en"})
    assert_error(r, 403)
    # Mastodon.py surfaces the error.
    m = mastodon_client(srv, ci, cs)
    with pytest.raises(Exception):
        m.create_account(unique("closed"), "long-enough-pw", f"{unique()}@example.com", agreement=True)
    # The admin CLI still creates accounts.
    uid = srv.create_account(username, f"{username}@example.com", "long-enough-pw")
    assert json_of(assert_status(srv.get(f"/api/v1/accounts/{uid}"), 200))["username"] == username


def test_register_approval_mode_pending(approval_server):
    srv = approval_server
    inst = json_of(assert_status(srv.get("/api/v2/instance"), 200))
    assert inst["registrations"]["enabled"] is True
    assert inst["registrations"]["approval_required"] is True
    ci, cs, tok = _app_token(srv)
    username = unique("pending")
    r = srv.post("/api/v1/accounts", tok, data={"username": username, "email": f"{username}@example.com",
                                                "password": "long-enough-pw", "agreement": "true", "locale": "en",
                                                "reason": "I would like to test things"})
    body = json_of(assert_status(r, 200))
    user_token = body["access_token"]
    # The login is pending approval: user methods are refused with 403.
    r = srv.post("/api/v1/statuses", user_token, data={"status": "too early"})
    assert_error(r, 403)
    assert_error(srv.get("/api/v1/timelines/home", user_token), 403)
