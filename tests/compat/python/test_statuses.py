"""Area 2: posting statuses, rendered HTML, fetching, threads (context) and deletion."""

import re
import uuid
from datetime import datetime
from html.parser import HTMLParser

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from conftest import assert_error, assert_status, describe, ids, json_of, unique


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = []
        self._stack = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            a["_text"] = ""
            self.anchors.append(a)
            self._stack.append(a)

    def handle_data(self, data):
        for a in self._stack:
            a["_text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._stack:
            self._stack.pop()


def anchors(html):
    p = Anchors()
    p.feed(html)
    return p.anchors


def classes(a):
    return set((a.get("class") or "").split())


def test_post_status_with_options(alice):
    st = alice.api.status_post("Hello compat world", spoiler_text="cw here", sensitive=True,
                               visibility="unlisted", language="de")
    assert re.fullmatch(r"\d+", str(st.id)), st.id
    assert st.spoiler_text == "cw here"
    assert st.sensitive is True
    assert st.visibility == "unlisted"
    assert st.language == "de"
    assert str(st.account.id) == alice.id
    assert st.account.username == alice.username
    assert "Hello compat world" in st.content
    assert st.content.startswith("<p>"), st.content
    assert st.in_reply_to_id is None
    assert st.reblog is None
    assert st.replies_count == 0 and st.reblogs_count == 0 and st.favourites_count == 0
    assert st.media_attachments == [] and st.mentions == [] and st.tags == []
    assert st.uri.startswith("http") and st.url.startswith("http")
    assert isinstance(st.created_at, datetime)
    assert st.favourited is False and st.reblogged is False and st.bookmarked is False


def test_post_defaults_raw(alice):
    r = alice.post("/api/v1/statuses", data={"status": "plain defaults"})
    st = json_of(assert_status(r, 200))
    assert st["visibility"] == "public"
    assert st["sensitive"] is False
    assert st["spoiler_text"] == ""
    assert isinstance(st["id"], str)
    assert st["content"] == "<p>plain defaults</p>"
    assert st["application"]["name"] == "bonsai-compat"
    # created_at is RFC 3339 / ISO 8601 with a timezone
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", st["created_at"]), st["created_at"]
    # JSON request bodies work too.
    r = alice.post("/api/v1/statuses", json={"status": "json body", "visibility": "private", "sensitive": True})
    st = json_of(assert_status(r, 200))
    assert st["visibility"] == "private" and st["sensitive"] is True


def test_reply_sets_thread_fields(alice, bob):
    parent = alice.api.status_post("parent post")
    reply = bob.api.status_post(f"@{alice.username} a reply", in_reply_to_id=parent.id)
    assert str(reply.in_reply_to_id) == str(parent.id)
    assert str(reply.in_reply_to_account_id) == alice.id
    assert alice.api.status(parent.id).replies_count == 1


def test_idempotency_key(alice):
    key = str(uuid.uuid4())
    a = alice.api.status_post("idempotent post", idempotency_key=key)
    b = alice.api.status_post("idempotent post", idempotency_key=key)
    assert str(a.id) == str(b.id)
    c = alice.api.status_post("idempotent post", idempotency_key=str(uuid.uuid4()))
    assert str(c.id) != str(a.id)
    statuses = alice.api.account_statuses(alice.id, limit=10)
    assert sum(1 for s in statuses if "idempotent post" in s.content) == 2


def test_html_links_mentions_hashtags(alice, bob, server):
    tag = unique("CompatTag")
    st = alice.api.status_post(f"Hi @{bob.username} see https://example.com/page?x=1 #{tag}")
    # mentions
    assert len(st.mentions) == 1
    men = st.mentions[0]
    assert str(men.id) == bob.id and men.username == bob.username and men.acct == bob.username
    bob_acc = bob.api.account_verify_credentials()
    assert men.url == bob_acc.url
    # tags
    assert [t.name.lower() for t in st.tags] == [tag.lower()]
    assert st.tags[0].url.lower() == f"{server.url}/tags/{tag}".lower()

    links = anchors(st.content)
    mention = [a for a in links if "mention" in classes(a) and "hashtag" not in classes(a)]
    assert len(mention) == 1, st.content
    assert mention[0]["href"] == bob_acc.url
    assert "u-url" in classes(mention[0])
    assert mention[0]["_text"] == f"@{bob.username}"

    hashtag = [a for a in links if "hashtag" in classes(a)]
    assert len(hashtag) == 1, st.content
    assert hashtag[0]["href"].lower() == f"{server.url}/tags/{tag}".lower()
    assert "tag" in (hashtag[0].get("rel") or "").split()
    assert hashtag[0]["_text"] == f"#{tag}"

    ext = [a for a in links if a.get("href") == "https://example.com/page?x=1"]
    assert len(ext) == 1, st.content
    rel = set((ext[0].get("rel") or "").split())
    assert {"nofollow", "noopener"} <= rel, ext[0]
    assert ext[0]["_text"] == "https://example.com/page?x=1"


def test_html_is_escaped(alice):
    st = alice.api.status_post('a < b & "c" <script>alert(1)</script>\nsecond line')
    assert "<script" not in st.content
    assert "&lt;script&gt;" in st.content
    assert "&amp;" in st.content
    assert "<br" in st.content, st.content  # newline becomes a line break


def test_get_status(alice, bob, anon):
    st = alice.api.status_post("fetch me")
    got = bob.api.status(st.id)
    assert str(got.id) == str(st.id) and got.content == st.content
    assert str(anon.status(st.id).id) == str(st.id)  # public statuses are readable without a token
    with pytest.raises(MastodonNotFoundError):
        bob.api.status("99999999999999999")


def test_unknown_status_404_body(alice):
    assert_error(alice.get("/api/v1/statuses/99999999999999999"), 404, message="Record not found")
    assert_error(alice.get("/api/v1/statuses/not-a-number"), 404, message="Record not found")


def test_context(alice, bob):
    a = alice.api.status_post("root of thread")
    b = bob.api.status_post(f"@{alice.username} first reply", in_reply_to_id=a.id)
    c = alice.api.status_post(f"@{bob.username} second reply", in_reply_to_id=b.id)
    d = bob.api.status_post(f"@{alice.username} sibling reply", in_reply_to_id=a.id)

    ctx = alice.api.status_context(b.id)
    assert ids(ctx.ancestors) == [str(a.id)]
    assert ids(ctx.descendants) == [str(c.id)]

    ctx = alice.api.status_context(a.id)
    assert ctx.ancestors == []
    assert set(ids(ctx.descendants)) == {str(b.id), str(c.id), str(d.id)}
    # Depth-first order: b, then its child c, then d.
    assert ids(ctx.descendants) == [str(b.id), str(c.id), str(d.id)]

    ctx = bob.api.status_context(c.id)
    assert ids(ctx.ancestors) == [str(a.id), str(b.id)]
    assert ctx.descendants == []


def test_delete_status_returns_source_for_redraft(alice, bob):
    st = alice.api.status_post("delete me #redraft", spoiler_text="cw")
    deleted = alice.api.status_delete(st.id)
    assert str(deleted.id) == str(st.id)
    assert deleted.text == "delete me #redraft"
    assert deleted.spoiler_text == "cw"
    with pytest.raises(MastodonNotFoundError):
        alice.api.status(st.id)
    assert_error(bob.get(f"/api/v1/statuses/{st.id}"), 404)
    assert_error(alice.request("DELETE", f"/api/v1/statuses/{st.id}"), 404)


def test_cannot_delete_others_status(alice, bob):
    st = alice.api.status_post("not yours")
    assert_error(bob.request("DELETE", f"/api/v1/statuses/{st.id}"), 404)
    assert str(alice.api.status(st.id).id) == str(st.id)


def test_deleted_reply_parent_context(alice, bob):
    a = alice.api.status_post("parent to be deleted")
    b = bob.api.status_post("child", in_reply_to_id=a.id)
    alice.api.status_delete(a.id)
    got = bob.api.status(b.id)
    assert str(got.id) == str(b.id)
    ctx = bob.api.status_context(b.id)
    assert ctx.ancestors == []


def test_missing_status_text_422(alice):
    r = alice.post("/api/v1/statuses", data={})
    assert_error(r, 422)
    r = alice.post("/api/v1/statuses", data={"status": ""})
    assert_error(r, 422)
    r = alice.post("/api/v1/statuses", data={"status": "   "})
    assert_error(r, 422)


def test_invalid_visibility_422(alice):
    assert_error(alice.post("/api/v1/statuses", data={"status": "x", "visibility": "galaxy"}), 422)


def test_reply_to_unknown_status_404(alice):
    assert_error(alice.post("/api/v1/statuses", data={"status": "x", "in_reply_to_id": "99999999999999999"}), 404)


def test_too_long_status_422(alice, server):
    inst = json_of(assert_status(server.get("/api/v2/instance"), 200))
    limit = inst["configuration"]["statuses"]["max_characters"]
    assert isinstance(limit, int) and limit >= 500
    ok = alice.post("/api/v1/statuses", data={"status": "a" * limit})
    assert_status(ok, 200)
    r = alice.post("/api/v1/statuses", data={"status": "a" * (limit + 1)})
    assert_error(r, 422)


def test_statuses_count_and_account_statuses(alice):
    before = alice.api.account_verify_credentials().statuses_count
    s = alice.api.status_post("counted")
    after = alice.api.account_verify_credentials().statuses_count
    assert after == before + 1
    assert str(alice.api.account_statuses(alice.id, limit=1)[0].id) == str(s.id)


def test_multiple_statuses_get(alice):
    a = alice.api.status_post("one of many")
    b = alice.api.status_post("two of many")
    r = alice.get("/api/v1/statuses", params=[("id[]", a.id), ("id[]", b.id), ("id[]", "99999999999999999")])
    got = json_of(assert_status(r, 200))
    assert sorted(ids(got)) == sorted([str(a.id), str(b.id)])
