"""Fixtures for the black-box Mastodon-compatibility suite.

The suite starts the real `bonsai` binary (BONSAI_BIN, default target/debug/bonsai) on a free
loopback port with a fresh data directory, and drives it over HTTP with Mastodon.py, `requests`
and the `toot` CLI.

Database: if BONSAI_TEST_DATABASE_URL is set (postgres://user@host:port/db), every server started
here gets its own freshly created PostgreSQL database (dropped at the end); otherwise the server uses
its default SQLite database inside the temporary data directory.

Run from the repository root:  pytest tests/compat/python -q
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

import pytest
import requests
from mastodon import Mastodon

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "bonsai"

OOB = "urn:ietf:wg:oauth:2.0:oob"
ALL_SCOPES = ["read", "write", "follow", "push"]
# The app used by most tests registers the top-level scopes plus a few granular ones, so that
# tokens restricted to granular scopes can be requested from it.
APP_SCOPES = ALL_SCOPES + ["read:statuses", "write:statuses", "read:accounts", "write:follows"]
CALLBACK = "http://127.0.0.1:9/compat-callback"  # never contacted: we stop at the 302

_counter = itertools.count(1)


def unique(prefix: str = "u") -> str:
    """A short unique lowercase name (valid as a Mastodon username)."""
    return f"{prefix}{next(_counter)}{secrets.token_hex(3)}"


# --------------------------------------------------------------------------------------------
# PostgreSQL helpers
# --------------------------------------------------------------------------------------------

def _pg_admin_url() -> Optional[str]:
    return os.environ.get("BONSAI_TEST_DATABASE_URL") or None


def _pg_with_db(url: str, dbname: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def _psql(url: str, sql: str) -> None:
    res = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        capture_output=True, text=True, timeout=60,
    )
    if res.returncode != 0:
        raise RuntimeError(f"psql failed ({sql}): {res.stderr.strip()}")


# --------------------------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BonsaiServer:
    def __init__(self, workdir: Path, registrations: str = "open", name: str = "main"):
        self.name = name
        self.bin = os.environ.get("BONSAI_BIN") or str(DEFAULT_BIN)
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "bonsai.log"
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.registrations = registrations
        self.proc: Optional[subprocess.Popen] = None
        self.pg_admin = _pg_admin_url()
        self.pg_db: Optional[str] = None
        self.env = dict(os.environ)
        self.env.update({
            "BONSAI_DOMAIN": self.host,
            "BONSAI_LISTEN": self.host,
            "BONSAI_DATA_DIR": str(self.data_dir),
            "BONSAI_PROTOCOL": "http",
            "BONSAI_REGISTRATIONS": registrations,
        })
        self.env.setdefault("RUST_LOG", "info")
        self.env["NO_COLOR"] = "1"  # plain-text logs in failure reports
        self.env.pop("BONSAI_DATABASE_URL", None)
        self.db_kind = "sqlite"
        if self.pg_admin:
            self.pg_db = f"bonsai_compat_{secrets.token_hex(6)}"
            self.env["BONSAI_DATABASE_URL"] = _pg_with_db(self.pg_admin, self.pg_db)
            self.db_kind = "postgres"

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> None:
        if not Path(self.bin).exists():
            raise RuntimeError(f"bonsai binary not found at {self.bin} (build it: cargo build -p bonsai --bin bonsai)")
        if self.pg_db:
            _psql(self.pg_admin, f'CREATE DATABASE "{self.pg_db}"')
        mig = self.cli("migrate", check=False)
        if mig.returncode != 0:
            raise RuntimeError(f"`bonsai migrate` failed ({mig.returncode}):\n{mig.stdout}\n{mig.stderr}")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.bin, "serve"], env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=str(self.workdir),
        )
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bonsai serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = requests.get(self.url + "/api/v1/instance", timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}: {r.text[:300]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        raise RuntimeError(f"bonsai did not become ready in {timeout}s (last: {last}):\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()
        if self.pg_db:
            try:
                _psql(self.pg_admin, f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
            except Exception as e:  # pragma: no cover - best effort
                print(f"warning: could not drop {self.pg_db}: {e}", file=sys.stderr)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int, limit: int = 6000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return ""
        text = data.decode("utf-8", "replace")
        return text[-limit:]

    def log_tail(self, limit: int = 4000) -> str:
        return self.log_since(0, limit)

    # -- CLI ------------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([self.bin, *args], env=self.env, capture_output=True, text=True, timeout=120,
                             cwd=str(self.workdir))
        if check and res.returncode != 0:
            raise RuntimeError(f"bonsai {' '.join(args)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res

    def create_account(self, username: str, email: str, password: str, role: str = "user") -> str:
        res = self.cli("admin", "account", "create", "--username", username, "--email", email,
                       "--password", password, "--role", role)
        lines = [l.strip() for l in res.stdout.strip().splitlines() if l.strip()]
        assert lines, f"`bonsai admin account create` printed nothing (stderr: {res.stderr})"
        m = re.search(r"\d+", lines[-1])
        assert m, f"`bonsai admin account create` did not print an id: {res.stdout!r}"
        return m.group(0)

    # -- raw HTTP -------------------------------------------------------------------------------
    def request(self, method: str, path: str, token: Optional[str] = None, **kw) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else self.url + path
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return requests.request(method, url, headers=headers, **kw)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.request("POST", path, token, **kw)


# --------------------------------------------------------------------------------------------
# OAuth helpers
# --------------------------------------------------------------------------------------------

class FormParser(HTMLParser):
    """Collects the forms of a page: action, method and every named input/select/textarea."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._cur = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._cur = {"action": a.get("action"), "method": (a.get("method") or "get").lower(),
                         "inputs": [], "buttons": []}
            self.forms.append(self._cur)
        elif self._cur is None:
            return
        elif tag == "input":
            typ = a.get("type", "text").lower()
            name = a.get("name")
            if not name:
                return
            if typ in ("checkbox", "radio") and "checked" not in a:
                return
            if typ in ("submit", "image", "button", "reset"):
                self._cur["buttons"].append((name, a.get("value", "")))
                return
            self._cur["inputs"].append((name, a.get("value", "")))
        elif tag == "button":
            if a.get("name") and a.get("type", "submit").lower() == "submit":
                self._cur["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._cur is not None:
            self._cur["inputs"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._cur = None


def parse_forms(html: str):
    p = FormParser()
    p.feed(html)
    return p.forms


def submit_authorize_form(server: BonsaiServer, authorize_url: str, email: str, password: str,
                          session: Optional[requests.Session] = None) -> requests.Response:
    """GET the authorize page, fill the single form generically and POST it (no redirect following).

    Returns the response to the form submission."""
    s = session or requests.Session()
    page = s.get(authorize_url, timeout=30, allow_redirects=True)
    assert page.status_code == 200, f"GET {authorize_url} -> {page.status_code}: {page.text[:500]}"
    assert "text/html" in page.headers.get("Content-Type", ""), page.headers.get("Content-Type")
    forms = [f for f in parse_forms(page.text) if f["method"] == "post"]
    assert len(forms) == 1, f"expected exactly one POST form on the authorize page, found {len(forms)}: {page.text[:1500]}"
    form = forms[0]
    names = [n for n, _ in form["inputs"]]
    assert "email" in names and "password" in names, f"form inputs: {names}"
    data = []
    for n, v in form["inputs"]:
        if n == "email":
            v = email
        elif n == "password":
            v = password
        data.append((n, v))
    if form["buttons"]:
        data.append(form["buttons"][0])
    action = urllib.parse.urljoin(page.url, form["action"] or page.url)
    return s.post(action, data=data, timeout=30, allow_redirects=False)


def code_from_redirect(resp: requests.Response, redirect_uri: str) -> dict:
    assert resp.status_code in (302, 303), f"expected a redirect, got {resp.status_code}: {resp.text[:500]}"
    loc = resp.headers.get("Location", "")
    assert loc.startswith(redirect_uri), f"Location {loc!r} does not start with {redirect_uri!r}"
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    assert "code" in q, f"no code in {loc!r}"
    return {k: v[0] for k, v in q.items()}


def code_from_oob_page(resp: requests.Response) -> str:
    assert resp.status_code == 200, f"expected the OOB code page, got {resp.status_code}: {resp.text[:500]}"
    m = re.search(r'<code[^>]*id="authorization-code"[^>]*>\s*([^<\s]+)\s*</code>', resp.text)
    assert m, f"no <code id=\"authorization-code\"> on page: {resp.text[:1500]}"
    return m.group(1)


def pkce_pair(method: str = "S256"):
    verifier = secrets.token_urlsafe(48)
    if method == "S256":
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    else:
        challenge = verifier
    return verifier, challenge


# --------------------------------------------------------------------------------------------
# Small media file
# --------------------------------------------------------------------------------------------

def tiny_png(w: int = 8, h: int = 8, rgb=(200, 30, 30)) -> bytes:
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------

@dataclass
class User:
    server: BonsaiServer
    id: str
    username: str
    email: str
    password: str
    token: str
    api: Mastodon
    client_id: str = ""
    client_secret: str = ""
    extra: dict = field(default_factory=dict)

    def get(self, path, **kw):
        return self.server.get(path, self.token, **kw)

    def post(self, path, **kw):
        return self.server.post(path, self.token, **kw)

    def request(self, method, path, **kw):
        return self.server.request(method, path, self.token, **kw)


def mastodon_client(server: BonsaiServer, client_id=None, client_secret=None, access_token=None) -> Mastodon:
    return Mastodon(client_id=client_id, client_secret=client_secret, access_token=access_token,
                    api_base_url=server.url, ratelimit_method="throw", request_timeout=30)


def password_login(server, app, email, password, scopes=ALL_SCOPES) -> Mastodon:
    client_id, client_secret = app
    m = mastodon_client(server, client_id, client_secret)
    m.log_in(username=email, password=password, scopes=scopes, allow_http=True)
    return m


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

_SERVERS: list = []


def start_server(tmp_path_factory, registrations: str, name: str) -> BonsaiServer:
    srv = BonsaiServer(tmp_path_factory.mktemp(f"bonsai-{name}"), registrations=registrations, name=name)
    _SERVERS.append(srv)
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    return srv


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The main server, with open registrations."""
    srv = start_server(tmp_path_factory, "open", "main")
    print(f"\n[bonsai] {srv.url} db={srv.db_kind} log={srv.log_path}", file=sys.stderr)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def app(server):
    """(client_id, client_secret) of an app registered with Mastodon.py."""
    return Mastodon.create_app("bonsai-compat", scopes=APP_SCOPES, redirect_uris=[CALLBACK, OOB],
                               website="https://example.org/compat", api_base_url=server.url)


@pytest.fixture(scope="session")
def make_user(server, app):
    """Factory: creates an account through the admin CLI and logs it in with the password grant."""

    def _make(prefix: str = "u", role: str = "user", scopes=ALL_SCOPES) -> User:
        username = unique(prefix)
        email = f"{username}@example.com"
        password = "pw-" + secrets.token_hex(8)
        acct_id = server.create_account(username, email, password, role)
        m = password_login(server, app, email, password, scopes)
        return User(server, acct_id, username, email, password, m.access_token, m, app[0], app[1])

    return _make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def anon(server):
    return mastodon_client(server)


# Attach the part of the server log written during a failing test to its report.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        for srv in _SERVERS:
            start = item.stash.get(_LOG_KEY, {}).get(id(srv), 0)
            text = srv.log_since(start, 4000)
            if text:
                rep.sections.append((f"bonsai log ({srv.name})", text))


_LOG_KEY = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_LOG_KEY] = {id(s): s.log_size() for s in _SERVERS}


# --------------------------------------------------------------------------------------------
# Assertion helpers (imported by the test modules)
# --------------------------------------------------------------------------------------------

def describe(resp: requests.Response) -> str:
    req = resp.request
    body = resp.text
    return f"{req.method} {req.url} -> {resp.status_code} {resp.headers.get('Content-Type', '')} {body[:600]!r}"


def json_of(resp: requests.Response):
    try:
        return resp.json()
    except ValueError:
        raise AssertionError(f"response is not JSON: {describe(resp)}")


def assert_status(resp: requests.Response, *codes: int):
    assert resp.status_code in codes, f"expected {codes}: {describe(resp)}"
    return resp


def assert_error(resp: requests.Response, *codes: int, message: Optional[str] = None) -> dict:
    """Mastodon error shape: HTTP status in `codes` and a JSON object with a string `error`."""
    assert resp.status_code in codes, f"expected {codes}: {describe(resp)}"
    body = json_of(resp)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], \
        f"expected a JSON body {{\"error\": \"...\"}}: {describe(resp)}"
    if message is not None:
        assert body["error"] == message, f"expected error {message!r}: {describe(resp)}"
    return body


def ids(items) -> list:
    return [str(x["id"]) for x in items]


def api_status(e) -> int:
    """HTTP status code carried by a Mastodon.py MastodonAPIError."""
    return e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else -1


def upload_png(user: "User", description: Optional[str] = None) -> dict:
    """POST /api/v2/media with a tiny PNG; returns the MediaAttachment JSON (200 or 202 as Mastodon)."""
    data = {"description": description} if description else {}
    r = user.post("/api/v2/media", files={"file": ("pixel.png", tiny_png(), "image/png")}, data=data)
    assert r.status_code in (200, 202), f"media upload failed: {describe(r)}"
    body = json_of(r)
    assert body.get("type") == "image", body
    return body


def post_with_media(user: "User", text: str, **extra) -> dict:
    media = upload_png(user)
    data = [("status", text), ("media_ids[]", media["id"])] + list(extra.items())
    r = user.post("/api/v1/statuses", data=data)
    assert r.status_code == 200, f"posting with media failed: {describe(r)}"
    st = json_of(r)
    assert [m["id"] for m in st["media_attachments"]] == [media["id"]], st
    return st


def eventually(check, timeout: float = 10.0, interval: float = 0.1):
    """Retry `check` (a callable that asserts) until it passes: home feeds may be filled by background
    fan-out jobs, as in Mastodon. Negative checks should not use this."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(interval)
