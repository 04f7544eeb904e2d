"""Area 9: instance metadata, nodeinfo, custom emojis, preferences, unknown routes."""

import re

from conftest import assert_error, assert_status, describe, json_of, mastodon_client


def _mastodon_version(v: str):
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", v)
    assert m, f"version {v!r} does not start with a Mastodon-style x.y.z (clients feature-gate on it)"
    return tuple(int(x) for x in m.groups())


def test_instance_v1_trailing_slash_mastodon_py(server, anon):
    inst = anon.instance_v1()  # GET /api/v1/instance/ (with trailing slash)
    assert inst.uri == server.host
    assert isinstance(inst.title, str) and inst.title
    assert _mastodon_version(inst.version) >= (4, 0, 0)
    assert inst.registrations is True  # the main test server runs with open registrations
    assert inst.approval_required is False
    assert inst.stats.user_count >= 1
    assert isinstance(inst.stats.status_count, int) and isinstance(inst.stats.domain_count, int)
    assert inst.urls.streaming_api.startswith("ws://127.0.0.1") or inst.urls.streaming_api == server.url
    assert inst.configuration.statuses.max_characters >= 500
    assert "image/png" in inst.configuration.media_attachments.supported_mime_types
    assert isinstance(inst.languages, list)
    assert isinstance(inst.rules, list)


def test_instance_v1_both_paths(server):
    a = json_of(assert_status(server.get("/api/v1/instance"), 200))
    b = json_of(assert_status(server.get("/api/v1/instance/"), 200))
    assert a["uri"] == b["uri"] == server.host
    for key in ("uri", "title", "short_description", "description", "email", "version", "urls", "stats",
                "thumbnail", "languages", "registrations", "approval_required", "invites_enabled",
                "configuration", "contact_account", "rules"):
        assert key in a, f"{key} missing from /api/v1/instance"


def test_instance_v2(server, anon):
    inst = json_of(assert_status(server.get("/api/v2/instance"), 200))
    assert inst["domain"] == server.host
    assert _mastodon_version(inst["version"]) >= (4, 0, 0)
    assert isinstance(inst["title"], str) and inst["title"]
    assert inst["source_url"].startswith("http")
    assert isinstance(inst["usage"]["users"]["active_month"], int)
    cfg = inst["configuration"]
    assert cfg["urls"]["streaming"].startswith("ws://127.0.0.1") or cfg["urls"]["streaming"] == server.url
    assert cfg["statuses"]["max_characters"] >= 500
    assert cfg["statuses"]["max_media_attachments"] >= 4
    assert isinstance(cfg["accounts"]["max_featured_tags"], int)
    assert "image/png" in cfg["media_attachments"]["supported_mime_types"]
    assert cfg["polls"]["max_options"] >= 2
    assert inst["registrations"]["enabled"] is True
    assert inst["registrations"]["approval_required"] is False
    assert "email" in inst["contact"]
    assert isinstance(inst["rules"], list)
    assert "thumbnail" in inst and "url" in inst["thumbnail"]
    assert isinstance(inst.get("api_versions", {}).get("mastodon"), int), "api_versions.mastodon missing"
    assert anon.instance_v2().domain == server.host


def test_nodeinfo(server, anon):
    wk = json_of(assert_status(server.get("/.well-known/nodeinfo"), 200))
    links = {l["rel"]: l["href"] for l in wk["links"]}
    rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
    assert rel in links, wk
    assert links[rel].startswith(server.url)
    ni = json_of(assert_status(server.get(links[rel]), 200))
    assert ni["version"] == "2.0"
    assert isinstance(ni["software"]["name"], str) and re.fullmatch(r"[a-z0-9-]+", ni["software"]["name"])
    assert isinstance(ni["software"]["version"], str)
    assert "activitypub" in ni["protocols"]
    assert ni["usage"]["users"]["total"] >= 1
    assert isinstance(ni["usage"]["localPosts"], int)
    assert ni["openRegistrations"] is True
    assert isinstance(ni["metadata"], dict)
    # Mastodon.py helper
    assert anon.instance_nodeinfo().version == "2.0"


def test_custom_emojis(server, anon):
    r = assert_status(server.get("/api/v1/custom_emojis"), 200)
    assert isinstance(json_of(r), list)
    assert isinstance(anon.custom_emojis(), list)


def test_instance_misc_endpoints(server):
    for path in ("/api/v1/instance/peers", "/api/v1/instance/rules", "/api/v1/instance/activity"):
        r = server.get(path)
        assert r.status_code == 200, describe(r)
        assert isinstance(json_of(r), list)


def test_preferences(alice):
    p = alice.api.preferences()
    assert p["posting:default:visibility"] == "public"
    assert p["posting:default:sensitive"] is False
    assert "posting:default:language" in p
    assert p["reading:expand:media"] == "default"
    assert p["reading:expand:spoilers"] is False
    alice.api.account_update_credentials(default_privacy="private", default_sensitive=True)
    p = alice.api.preferences()
    assert p["posting:default:visibility"] == "private"
    assert p["posting:default:sensitive"] is True


def test_preferences_requires_auth(server):
    assert_error(server.get("/api/v1/preferences"), 401)


def test_unknown_api_route(server):
    r = server.get("/api/v1/xyz")
    assert_error(r, 404)
    r = server.post("/api/v1/xyz", data={"a": "b"})
    assert_error(r, 404)
    r = server.get("/api/v9/instance")
    assert_error(r, 404)


def test_webfinger(server, alice):
    r = server.get("/.well-known/webfinger", params={"resource": f"acct:{alice.username}@{server.host}"})
    jrd = json_of(assert_status(r, 200))
    assert jrd["subject"] == f"acct:{alice.username}@{server.host}"
    selfs = [l for l in jrd["links"] if l.get("rel") == "self"]
    assert selfs and selfs[0]["type"] == "application/activity+json"
    r = server.get("/.well-known/webfinger", params={"resource": f"acct:nobody-here@{server.host}"})
    assert r.status_code == 404, describe(r)


def test_cors_on_api(server):
    r = server.request("OPTIONS", "/api/v1/instance", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert r.status_code in (200, 204), describe(r)
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example")
    r = server.get("/api/v1/instance", headers={"Origin": "https://app.example"})
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example")
