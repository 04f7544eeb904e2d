"""Area 7: bad input. Every error is JSON {"error": "..."} with a 4xx status; nothing is a 500."""

import json
import socket

import pytest

from conftest import assert_error, assert_status, describe, json_of


def test_malformed_json_body(alice):
    r = alice.post("/api/v1/statuses", data=b'{"status": "unterminated', headers={"Content-Type": "application/json"})
    assert_error(r, 400, 422)
    r = alice.post("/api/v1/statuses", data=b"[1, 2, 3]", headers={"Content-Type": "application/json"})
    assert_error(r, 400, 422)
    r = alice.request("PATCH", "/api/v1/accounts/update_credentials", data=b"{nope",
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400, 422)


def test_wrong_json_types(alice):
    r = alice.post("/api/v1/statuses", json={"status": {"nested": True}})
    assert_error(r, 400, 422)
    r = alice.post("/api/v1/statuses", json={"status": "ok", "sensitive": "maybe-not-a-bool"})
    assert r.status_code < 500, describe(r)


def test_unknown_ids_404(alice):
    for path in ("/api/v1/statuses/99999999999999999", "/api/v1/statuses/abc",
                 "/api/v1/statuses/99999999999999999/context", "/api/v1/accounts/99999999999999999",
                 "/api/v1/accounts/abc/statuses"):
        assert_error(alice.get(path), 404, message="Record not found")
    assert_error(alice.request("DELETE", "/api/v1/statuses/99999999999999999"), 404, message="Record not found")
    assert_error(alice.post("/api/v1/statuses/99999999999999999/favourite"), 404)


def test_missing_status_text(alice):
    assert_error(alice.post("/api/v1/statuses", data={"visibility": "public"}), 422)
    assert_error(alice.post("/api/v1/statuses", json={"spoiler_text": "only a cw"}), 422)


def _raw_post(host, port, path, token, content_type, length, chunk=1 << 20):
    """Send a POST with a huge body; the server may answer (413) before reading it all."""
    s = socket.create_connection((host, port), timeout=30)
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n").encode()
    s.sendall(head)
    body_piece = b"a" * chunk
    sent = 0
    try:
        while sent < length:
            n = min(chunk, length - sent)
            s.sendall(body_piece[:n])
            sent += n
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return data


@pytest.mark.parametrize("path,content_type,size_mib", [
    ("/api/v1/statuses", "application/json", 64),
    ("/api/v1/statuses", "application/x-www-form-urlencoded", 64),
    ("/api/v2/media", "multipart/form-data; boundary=XyZ", 512),
])
def test_oversized_body_413(alice, server, path, content_type, size_mib):
    data = _raw_post("127.0.0.1", server.port, path, alice.token, content_type, size_mib * 1024 * 1024)
    assert data, f"no response at all to a {size_mib} MiB body on {path}"
    status_line = data.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.split(" ")[1:2] == ["413"], f"expected 413, got {status_line!r}: {data[:500]!r}"


@pytest.mark.parametrize("token", ["garbage", "x" * 500, "' OR 1=1 --"])
def test_invalid_tokens_401(server, token):
    assert_error(server.get("/api/v1/accounts/verify_credentials", token), 401)
    assert_error(server.post("/api/v1/statuses", token, data={"status": "x"}), 401)


def test_unknown_api_route_404_json(server, alice):
    r = server.get("/api/v1/xyz", headers={"Accept": "application/json"})
    assert_error(r, 404)
    assert "application/json" in r.headers.get("Content-Type", "")
    r = alice.get("/api/v1/statuses/1/nonexistent-action", headers={"Accept": "application/json"})
    assert_error(r, 404)


def test_wrong_method(alice):
    r = alice.request("PUT", "/api/v1/timelines/home")
    assert r.status_code in (404, 405), describe(r)


@pytest.mark.parametrize("params", [
    {"limit": "-5"}, {"limit": "abc"}, {"max_id": "abc"}, {"since_id": "-1"}, {"min_id": "1e400"},
    {"limit": "99999999999999999999999"}, {"max_id": "0"}, {"local": "maybe"},
])
def test_weird_query_params_never_500(alice, params):
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public", f"/api/v1/accounts/{alice.id}/statuses"):
        r = alice.get(path, params=params)
        assert r.status_code < 500, describe(r)
        body = json_of(r)
        if r.status_code == 200:
            assert isinstance(body, list)
        else:
            assert isinstance(body, dict) and "error" in body, describe(r)


@pytest.mark.parametrize("data", [
    {"status": "x", "in_reply_to_id": "abc"},
    {"status": "x", "media_ids[]": "99999999999999999"},
    {"status": "x", "language": "not-a-language-code-at-all"},
    {"status": "x", "scheduled_at": "not a date"},
    {"status": "\x00nul byte"},
    {"status": "x", "poll[options][]": "only one", "poll[expires_in]": "300"},
])
def test_weird_status_input_never_500(alice, data):
    r = alice.post("/api/v1/statuses", data=data)
    assert r.status_code < 500, describe(r)
    if r.status_code != 200:
        assert_error(r, r.status_code)


def test_unsupported_content_type(alice):
    r = alice.post("/api/v1/statuses", data=b"status=hello", headers={"Content-Type": "text/plain"})
    assert r.status_code < 500, describe(r)


def test_no_500_on_bad_oauth_requests(server):
    for data in ({}, {"grant_type": "password"}, {"grant_type": "authorization_code", "code": "x"},
                 {"grant_type": "refresh_token"}, {"grant_type": "client_credentials", "client_id": "nope"}):
        r = server.post("/oauth/token", data=data)
        assert 400 <= r.status_code < 500, describe(r)
        assert "error" in json_of(r), describe(r)
    r = server.post("/oauth/token", data=b"{bad json", headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, describe(r)
    r = server.get("/oauth/authorize")
    assert 400 <= r.status_code < 500, describe(r)
    r = server.post("/oauth/revoke", data={})
    assert r.status_code < 500, describe(r)
