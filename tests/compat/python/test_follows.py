"""Area 4: follows of unlocked and locked accounts, follow requests, relationships,
followers/following lists, unfollow (docs.joinmastodon.org/methods/accounts, /methods/follow_requests)."""

import pytest
from mastodon import MastodonNotFoundError

from conftest import assert_error, assert_status, describe, ids, json_of


def rel(user, other):
    rels = user.api.account_relationships(other.id)
    assert len(rels) == 1 and str(rels[0].id) == other.id, rels
    return rels[0]


def test_follow_unlocked_account(alice, bob):
    r = alice.api.account_follow(bob.id)
    assert str(r.id) == bob.id
    assert r.following is True
    assert r.requested is False
    assert r.showing_reblogs is True
    assert r.followed_by is False

    assert rel(alice, bob).following is True
    back = rel(bob, alice)
    assert back.followed_by is True and back.following is False

    followers = bob.api.account_followers(bob.id)
    assert alice.id in ids(followers)
    following = alice.api.account_following(alice.id)
    assert bob.id in ids(following)
    assert bob.api.account(bob.id).followers_count == 1
    assert alice.api.account(alice.id).following_count == 1

    # Following again is idempotent.
    again = alice.api.account_follow(bob.id)
    assert again.following is True
    assert bob.api.account(bob.id).followers_count == 1


def test_follow_options_reblogs_notify(alice, bob):
    r = alice.api.account_follow(bob.id, reblogs=False, notify=True)
    assert r.following is True
    assert r.showing_reblogs is False
    assert r.notifying is True


def test_follow_locked_account_authorize(alice, bob):
    bob.api.account_update_credentials(locked=True)
    assert bob.api.account_verify_credentials().locked is True

    r = alice.api.account_follow(bob.id)
    assert r.following is False
    assert r.requested is True

    reqs = bob.api.follow_requests()
    assert ids(reqs) == [alice.id]
    assert reqs[0].username == alice.username
    assert rel(bob, alice).requested_by is True
    assert alice.id not in ids(bob.api.account_followers(bob.id))

    auth = bob.api.follow_request_authorize(alice.id)
    assert str(auth.id) == alice.id
    assert auth.followed_by is True
    assert auth.requested_by is False

    after = rel(alice, bob)
    assert after.following is True and after.requested is False
    assert bob.api.follow_requests() == []
    assert alice.id in ids(bob.api.account_followers(bob.id))


def test_follow_locked_account_reject(alice, bob, carol):
    bob.api.account_update_credentials(locked=True)
    assert carol.api.account_follow(bob.id).requested is True
    rej = bob.api.follow_request_reject(carol.id)
    assert str(rej.id) == carol.id
    assert rej.followed_by is False
    after = rel(carol, bob)
    assert after.following is False and after.requested is False
    assert carol.id not in ids(bob.api.account_followers(bob.id))
    assert bob.api.follow_requests() == []
    # A rejected follower can ask again.
    assert carol.api.account_follow(bob.id).requested is True
    assert ids(bob.api.follow_requests()) == [carol.id]


def test_follow_request_withdrawn_by_unfollow(alice, bob):
    bob.api.account_update_credentials(locked=True)
    alice.api.account_follow(bob.id)
    r = alice.api.account_unfollow(bob.id)
    assert r.requested is False and r.following is False
    assert bob.api.follow_requests() == []


def test_authorize_without_request_404(alice, bob):
    r = bob.post(f"/api/v1/follow_requests/{alice.id}/authorize")
    assert_error(r, 404)


def test_relationships_multiple(alice, bob, carol):
    alice.api.account_follow(bob.id)
    rels = alice.api.account_relationships([bob.id, carol.id])
    by_id = {str(r.id): r for r in rels}
    assert set(by_id) == {bob.id, carol.id}
    assert by_id[bob.id].following is True
    assert by_id[carol.id].following is False
    for r in rels:
        for key in ("following", "showing_reblogs", "notifying", "followed_by", "blocking", "blocked_by",
                    "muting", "muting_notifications", "requested", "requested_by", "domain_blocking",
                    "endorsed", "note"):
            assert key in r, f"{key} missing in relationship {r}"


def test_relationships_raw_array_param(alice, bob):
    r = alice.get("/api/v1/accounts/relationships", params=[("id[]", bob.id)])
    body = json_of(assert_status(r, 200))
    assert [x["id"] for x in body] == [bob.id]
    # Single `id` (non-array) is accepted as well.
    r = alice.get("/api/v1/accounts/relationships", params={"id": bob.id})
    assert [x["id"] for x in json_of(assert_status(r, 200))] == [bob.id]


def test_unfollow(alice, bob):
    alice.api.account_follow(bob.id)
    r = alice.api.account_unfollow(bob.id)
    assert r.following is False
    assert alice.id not in ids(bob.api.account_followers(bob.id))
    assert bob.id not in ids(alice.api.account_following(alice.id))
    assert bob.api.account(bob.id).followers_count == 0
    # Unfollowing again is fine.
    assert alice.api.account_unfollow(bob.id).following is False


def test_follow_unknown_account_404(alice):
    assert_error(alice.post("/api/v1/accounts/99999999999999999/follow"), 404)
    with pytest.raises(MastodonNotFoundError):
        alice.api.account_follow("99999999999999999")


def test_followers_pagination(make_user):
    target = make_user("popular")
    fans = [make_user("fan") for _ in range(5)]
    for f in fans:
        f.api.account_follow(target.id)
    page = target.api.account_followers(target.id, limit=2)
    seen = ids(page)
    while True:
        page = target.api.fetch_next(page)
        if not page:
            break
        seen += ids(page)
    # Newest follow first, every follower exactly once.
    assert seen == [f.id for f in reversed(fans)]


def test_followers_lists_public(bob, alice, anon):
    alice.api.account_follow(bob.id)
    assert alice.id in ids(anon.account_followers(bob.id))
    assert bob.id in ids(anon.account_following(alice.id))
