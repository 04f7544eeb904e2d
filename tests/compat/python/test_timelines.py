"""Area 3: home, public (local/remote/only_media) and hashtag timelines; Link-header pagination,
max_id / since_id / min_id semantics (docs.joinmastodon.org/api/guidelines/#pagination)."""

import urllib.parse

import pytest

from conftest import assert_status, describe, eventually, ids, json_of, post_with_media, unique


@pytest.fixture(scope="module")
def poster(make_user):
    """A fresh user (whose home timeline holds only their own posts) with 25 public statuses."""
    u = make_user("pager")
    posted = [str(u.api.status_post(f"paged post {i}").id) for i in range(25)]

    def all_home():
        assert posted[0] in ids(u.api.timeline_home(limit=40)) and posted[-1] in ids(u.api.timeline_home(limit=1))
    eventually(all_home)
    return u, posted


def _assert_desc(id_list):
    nums = [int(x) for x in id_list]
    assert nums == sorted(nums, reverse=True), f"not newest-first: {id_list}"
    assert len(set(nums)) == len(nums), f"duplicates: {id_list}"


def test_ids_are_time_ordered(poster):
    _, posted = poster
    nums = [int(x) for x in posted]
    assert nums == sorted(nums), "status ids must increase with creation time"


def test_home_pagination_fetch_next_previous(poster):
    u, posted = poster
    expected = list(reversed(posted))
    page1 = u.api.timeline_home(limit=10)
    assert ids(page1) == expected[:10]
    page2 = u.api.fetch_next(page1)
    assert page2 is not None, "no rel=next Link header on the first page"
    assert ids(page2) == expected[10:20]
    page3 = u.api.fetch_next(page2)
    assert page3 is not None
    assert ids(page3) == expected[20:25]
    page4 = u.api.fetch_next(page3)
    assert page4 is None or len(page4) == 0
    back = u.api.fetch_previous(page2)
    assert back is not None, "no rel=prev Link header"
    assert ids(back) == expected[:10]
    newer = u.api.fetch_previous(page1)
    assert newer is None or len(newer) == 0
    seen = ids(page1) + ids(page2) + ids(page3)
    _assert_desc(seen)
    assert seen == expected


def test_home_link_header_format(poster, server):
    u, posted = poster
    r = assert_status(u.get("/api/v1/timelines/home", params={"limit": 10}), 200)
    page = json_of(r)
    assert "Link" in r.headers, f"no Link header: {describe(r)}"
    links = r.links
    assert "next" in links and "prev" in links, r.headers["Link"]
    nxt = urllib.parse.urlsplit(links["next"]["url"])
    prv = urllib.parse.urlsplit(links["prev"]["url"])
    assert f"{nxt.scheme}://{nxt.netloc}" == server.url and nxt.path == "/api/v1/timelines/home"
    nq = urllib.parse.parse_qs(nxt.query)
    pq = urllib.parse.parse_qs(prv.query)
    assert nq["max_id"] == [page[-1]["id"]]
    assert pq["min_id"] == [page[0]["id"]]
    assert nq.get("limit") == ["10"] and pq.get("limit") == ["10"]


def test_max_since_min_id_semantics(poster):
    u, p = poster  # p[0] oldest ... p[24] newest
    # since_id: the NEWEST statuses above the cursor.
    assert ids(u.api.timeline_home(since_id=p[4], limit=5)) == [p[24], p[23], p[22], p[21], p[20]]
    # min_id: the statuses IMMEDIATELY above the cursor, still returned newest-first.
    assert ids(u.api.timeline_home(min_id=p[4], limit=5)) == [p[9], p[8], p[7], p[6], p[5]]
    # max_id: strictly older than the cursor.
    assert ids(u.api.timeline_home(max_id=p[10], limit=3)) == [p[9], p[8], p[7]]
    # Combined bounds.
    assert ids(u.api.timeline_home(max_id=p[10], since_id=p[5], limit=20)) == [p[9], p[8], p[7], p[6]]
    assert ids(u.api.timeline_home(max_id=p[10], min_id=p[2], limit=3)) == [p[5], p[4], p[3]]
    # Cursor is exclusive.
    assert p[4] not in ids(u.api.timeline_home(min_id=p[4], limit=40))
    assert p[10] not in ids(u.api.timeline_home(max_id=p[10], limit=40))


def test_limit_default_and_cap(poster):
    u, p = poster
    assert len(u.api.timeline_home()) == 20  # Mastodon default limit
    r = assert_status(u.get("/api/v1/timelines/home", params={"limit": 1000}), 200)
    assert len(json_of(r)) == 25  # capped at 40, and there are only 25


def test_home_includes_followed_accounts(alice, bob, carol):
    alice.api.account_follow(bob.id)
    b = bob.api.status_post("bob to followers")
    c = carol.api.status_post("carol to nobody in particular")
    a = alice.api.status_post("alice own post")

    def check():
        home = ids(alice.api.timeline_home(limit=40))
        assert str(b.id) in home and str(a.id) in home
        return home
    home = eventually(check)
    assert str(c.id) not in home
    assert home.index(str(a.id)) < home.index(str(b.id))


def test_public_local_timeline_visibility(alice, anon):
    pub = alice.api.status_post("public local post")
    unl = alice.api.status_post("unlisted post", visibility="unlisted")
    prv = alice.api.status_post("private post", visibility="private")
    local = ids(alice.api.timeline_local(limit=40))
    assert str(pub.id) in local
    assert str(unl.id) not in local and str(prv.id) not in local
    fed = ids(alice.api.timeline_public(limit=40))
    assert str(pub.id) in fed and str(unl.id) not in fed and str(prv.id) not in fed
    # Public timelines are readable without a token (Mastodon's default).
    assert str(pub.id) in ids(anon.timeline_local(limit=40))


def test_public_remote_only_excludes_local(alice, server):
    pub = alice.api.status_post("local, so not remote")
    r = assert_status(alice.get("/api/v1/timelines/public", params={"remote": "true", "limit": 40}), 200)
    remote = json_of(r)
    assert str(pub.id) not in ids(remote)
    assert all("@" in s["account"]["acct"] for s in remote), remote


def test_public_only_media(alice):
    text = alice.api.status_post("no media here")
    media = post_with_media(alice, "with media")
    only = ids(alice.api.timeline_public(only_media=True, limit=40))
    assert media["id"] in only
    assert str(text.id) not in only
    local_only = ids(alice.api.timeline_local(only_media=True, limit=40))
    assert media["id"] in local_only and str(text.id) not in local_only


def test_public_local_pagination(make_user):
    u = make_user("pubpager")
    posted = [str(u.api.status_post(f"public paged {i}").id) for i in range(12)]
    expected = list(reversed(posted))
    page = u.api.timeline_local(limit=5)
    seen = []
    while page and len(seen) < 12:
        seen += ids(page)
        page = u.api.fetch_next(page)
    _assert_desc(seen)
    assert seen[:12] == expected


def test_tag_timeline_and_pagination(alice, bob, anon):
    tag = unique("pagtag")
    posted = []
    for i in range(12):
        who = alice if i % 2 else bob
        posted.append(str(who.api.status_post(f"tagged {i} #{tag}").id))
    unl = alice.api.status_post(f"unlisted tagged #{tag}", visibility="unlisted")
    alice.api.status_post("untagged post")
    expected = list(reversed(posted))

    page1 = alice.api.timeline_hashtag(tag, limit=5)
    seen = ids(page1)
    page = page1
    while True:
        page = alice.api.fetch_next(page)
        if not page:
            break
        seen += ids(page)
    assert seen == expected
    assert str(unl.id) not in seen  # hashtag timelines only carry public statuses

    # Case-insensitive, readable anonymously, local filter.
    assert ids(anon.timeline_hashtag(tag.upper(), limit=40)) == expected
    assert ids(alice.api.timeline_hashtag(tag, local=True, limit=40)) == expected
    # min_id on the tag timeline.
    assert ids(alice.api.timeline_hashtag(tag, min_id=posted[0], limit=2)) == [posted[2], posted[1]]


def test_tag_timeline_unknown_tag_is_empty(alice):
    assert list(alice.api.timeline_hashtag(unique("nosuchtag"))) == []


def test_home_requires_auth(server):
    r = server.get("/api/v1/timelines/home")
    assert r.status_code == 401, describe(r)
