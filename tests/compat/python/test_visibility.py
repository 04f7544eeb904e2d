"""Area 5: who can see what. alice posts; bob follows alice; carol does not; dave is only mentioned.

Mastodon: a status the viewer may not see answers 404 {"error": "Record not found"} (never 403,
which would leak its existence)."""

import pytest

from conftest import assert_error, assert_status, eventually, ids, json_of


@pytest.fixture
def cast(make_user):
    alice, bob, carol, dave = (make_user(n) for n in ("valice", "vbob", "vcarol", "vdave"))
    bob.api.account_follow(alice.id)
    return alice, bob, carol, dave


def _in(sid, statuses):
    assert sid in ids(statuses)


def visible(user, status_id) -> bool:
    r = user.get(f"/api/v1/statuses/{status_id}")
    if r.status_code == 404:
        assert_error(r, 404, message="Record not found")
        return False
    assert_status(r, 200)
    return True


def visible_anon(server, status_id) -> bool:
    r = server.get(f"/api/v1/statuses/{status_id}")
    if r.status_code in (401, 404):
        assert_error(r, 401, 404)
        return False
    assert_status(r, 200)
    return True


def test_private_status(cast, server):
    alice, bob, carol, dave = cast
    st = alice.api.status_post(f"followers only, and @{dave.username}", visibility="private")
    sid = str(st.id)
    assert st.visibility == "private"
    assert visible(alice, sid)
    assert visible(bob, sid)          # follower
    assert visible(dave, sid)         # mentioned
    assert not visible(carol, sid)    # neither
    assert not visible_anon(server, sid)

    eventually(lambda: _in(sid, bob.api.timeline_home(limit=40)))
    assert sid not in ids(carol.api.timeline_home(limit=40))
    assert sid not in ids(alice.api.timeline_public(limit=40))
    assert sid not in ids(alice.api.timeline_local(limit=40))

    # Account statuses are filtered per viewer too.
    assert sid in ids(bob.api.account_statuses(alice.id, limit=40))
    assert sid not in ids(carol.api.account_statuses(alice.id, limit=40))
    r = server.get(f"/api/v1/accounts/{alice.id}/statuses", params={"limit": 40})
    assert sid not in ids(json_of(assert_status(r, 200)))

    # Context of a hidden status is hidden too.
    assert_error(carol.get(f"/api/v1/statuses/{sid}/context"), 404)


def test_private_reply_hidden_in_context(cast):
    alice, bob, carol, dave = cast
    root = carol.api.status_post("public root by carol")
    priv = alice.api.status_post(f"@{carol.username} private reply", in_reply_to_id=root.id, visibility="private")
    # carol is mentioned: sees it. dave is not a follower of alice nor mentioned.
    assert str(priv.id) in ids(carol.api.status_context(root.id).descendants)
    assert str(priv.id) in ids(bob.api.status_context(root.id).descendants)
    assert str(priv.id) not in ids(dave.api.status_context(root.id).descendants)


def test_direct_status(cast, server):
    alice, bob, carol, dave = cast
    st = alice.api.status_post(f"@{dave.username} just for you", visibility="direct")
    sid = str(st.id)
    assert st.visibility == "direct"
    assert [str(m.id) for m in st.mentions] == [dave.id]
    assert visible(alice, sid)
    assert visible(dave, sid)
    assert not visible(bob, sid)      # following alice is not enough
    assert not visible(carol, sid)
    assert not visible_anon(server, sid)
    assert sid not in ids(bob.api.timeline_home(limit=40))
    assert sid not in ids(alice.api.timeline_public(limit=40))
    assert sid not in ids(bob.api.account_statuses(alice.id, limit=40))
    assert sid in ids(dave.api.account_statuses(alice.id, limit=40))


def test_unlisted_status(cast, server):
    alice, bob, carol, dave = cast
    st = alice.api.status_post("quietly public", visibility="unlisted")
    sid = str(st.id)
    assert visible(carol, sid)
    assert visible_anon(server, sid)
    assert sid not in ids(carol.api.timeline_public(limit=40))
    assert sid not in ids(carol.api.timeline_local(limit=40))
    eventually(lambda: _in(sid, bob.api.timeline_home(limit=40)))  # followers still get it at home
    r = server.get(f"/api/v1/accounts/{alice.id}/statuses", params={"limit": 40})
    assert sid in ids(json_of(assert_status(r, 200)))


def test_public_status_everywhere(cast, server):
    alice, bob, carol, dave = cast
    st = alice.api.status_post("for everyone")
    sid = str(st.id)
    for u in (alice, bob, carol, dave):
        assert visible(u, sid)
    assert visible_anon(server, sid)
    assert sid in ids(carol.api.timeline_local(limit=40))


def test_cannot_reblog_private_or_direct(cast):
    alice, bob, carol, dave = cast
    priv = alice.api.status_post("no boosting", visibility="private")
    r = bob.post(f"/api/v1/statuses/{priv.id}/reblog")
    assert_error(r, 403)
    dm = alice.api.status_post(f"@{dave.username} dm", visibility="direct")
    assert_error(dave.post(f"/api/v1/statuses/{dm.id}/reblog"), 403)
    # A status you cannot see cannot be reblogged either: 404.
    assert_error(carol.post(f"/api/v1/statuses/{priv.id}/reblog"), 404)


def test_cannot_reply_to_invisible_status(cast):
    alice, bob, carol, dave = cast
    priv = alice.api.status_post("secret thread", visibility="private")
    r = carol.post("/api/v1/statuses", data={"status": "sneaky", "in_reply_to_id": priv.id})
    assert_error(r, 404)
