#!/usr/bin/env python3
"""Schemathesis against the real bonsai binary, judged by a reviewed baseline.

Started by run.sh (which prepares the virtualenv). Steps:
  1. temp data dir, free port, fresh PostgreSQL database when
     BONSAI_TEST_DATABASE_URL is set (SQLite otherwise);
  2. accounts with `bonsai admin account create`, then `bonsai serve`;
  3. an app and password-grant tokens (scopes `read write follow`), a few
     statuses, follows and follow requests so that ids in paths hit real rows;
  4. `schemathesis run` on the implemented operations with the checks
     not_a_server_error,response_schema_conformance, writing an NDJSON report;
  5. triage.py groups the report's failures (operation, check, schema pointer,
     message) and compares them with baseline.json: any failure not accepted
     there, or any error (crash, timeout), fails the run.

Environment:
  BONSAI_BIN                 binary (default <repo>/target/debug/bonsai)
  SHARED_DIR                 folder holding data/mastodon-openapi.json
                             (default <repo>/../shared)
  BONSAI_TEST_DATABASE_URL   postgres://postgres@127.0.0.1:5432/postgres
  ST_MAX_EXAMPLES            examples per operation (default 40)
  ST_SEED                    hypothesis seed (default 20240601; "random" for none)
  ST_PHASES                  schemathesis phases (default examples,coverage,fuzzing,stateful)
  ST_WORKERS                 schemathesis workers (default 2)
  ST_REAL_ID_PROBABILITY     share of path ids / acct / q drawn from seeded data (default 0.85)
  ST_KEEP=1                  keep the temp dir (server log, reports)
Extra command-line arguments go to `schemathesis run` as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from triage import triage

HERE = Path(__file__).resolve().parent


def repo_root() -> Path:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=HERE, capture_output=True, text=True, check=True
        )
        return Path(out.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return HERE.parents[2]


ROOT = repo_root()
SHARED = Path(os.environ.get("SHARED_DIR") or (ROOT.parent / "shared"))
SPEC = SHARED / "data" / "mastodon-openapi.json"
BIN = Path(os.environ.get("BONSAI_BIN") or (ROOT / "target" / "debug" / "bonsai"))
BASELINE = HERE / "baseline.json"

# The operations Bonsai implements (operationId in the spec). Keep in step with
# the server; anything listed here is fuzzed and must conform.
OPERATIONS = [
    "createApp",
    "getAppsVerifyCredentials",
    "getAccountsVerifyCredentials",
    "patchAccountsUpdateCredentials",
    "getAccountLookup",
    "getAccountRelationships",
    "getAccountSearch",
    "getAccount",
    "getAccountStatuses",
    "getAccountFollowers",
    "getAccountFollowing",
    "postAccountFollow",
    "postAccountUnfollow",
    "getFollowRequests",
    "postFollowRequestAuthorize",
    "postFollowRequestReject",
    "createStatus",
    "getStatus",
    "deleteStatus",
    "getStatusContext",
    "getTimelineHome",
    "getTimelinePublic",
    "getTimelinesTagByHashtag",
    "getInstance",
    "getInstanceV2",
    "getCustomEmojis",
    "getPreferences",
    "getStatuses",
    "postStatusReblog",
    "postStatusUnreblog",
    "postStatusFavourite",
    "postStatusUnfavourite",
    "postStatusPin",
    "postStatusUnpin",
    "getSearchV2",
    "getInstancePeers",
    "getInstanceRules",
    "getInstanceActivity",
    "getNotifications",
    "getNotification",
    "postNotificationDismiss",
    "createNotificationClear",
]


def log(msg: str) -> None:
    print(f"[schemathesis-compat] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, *, token: str | None = None, form=None, json_body=None, query=None):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        headers = {}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                body = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            body = e.read().decode(errors="replace")
            status = e.code
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return status, parsed, body

    def ok(self, method: str, path: str, **kw):
        status, parsed, body = self.call(method, path, **kw)
        if status != 200 or parsed is None:
            raise RuntimeError(f"seeding: {method} {path} -> {status} {body[:400]}")
        return parsed


class Server:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.data_dir = work / "data"
        self.data_dir.mkdir()
        self.env = dict(os.environ)
        self.env.pop("BONSAI_DATABASE_URL", None)
        self.env.update(
            BONSAI_DOMAIN=self.host,
            BONSAI_LISTEN=self.host,
            BONSAI_DATA_DIR=str(self.data_dir),
            BONSAI_PROTOCOL="http",
            BONSAI_REGISTRATIONS="open",
        )
        self.pg: dict | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = work / "server.log"

    # -- PostgreSQL ---------------------------------------------------------
    def _pg_args(self) -> tuple[list[str], dict]:
        u = urllib.parse.urlparse(self.pg["url"])
        env = dict(os.environ)
        if u.password:
            env["PGPASSWORD"] = urllib.parse.unquote(u.password)
        args = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", urllib.parse.unquote(u.username or "postgres")]
        return args, env

    def create_db(self) -> None:
        base = os.environ.get("BONSAI_TEST_DATABASE_URL")
        if not base:
            return
        name = f"bonsai_st_{os.getpid()}_{self.port}"
        self.pg = {"url": base, "name": name}
        args, env = self._pg_args()
        subprocess.run(["createdb", *args, name], check=True, env=env)
        u = urllib.parse.urlparse(base)
        self.env["BONSAI_DATABASE_URL"] = urllib.parse.urlunparse(u._replace(path="/" + name))
        log(f"PostgreSQL database {name}")

    def drop_db(self) -> None:
        if not self.pg:
            return
        args, env = self._pg_args()
        subprocess.run(["dropdb", *args, "--if-exists", self.pg["name"]], env=env, check=False)

    # -- bonsai -------------------------------------------------------------
    def create_account(self, username: str, role: str | None = None) -> dict:
        acct = {"username": username, "email": f"{username}@example.com", "password": f"pw-{username}-Secret123!"}
        args = [str(BIN), "admin", "account", "create", "--username", username, "--email", acct["email"], "--password", acct["password"]]
        if role:
            args += ["--role", role]
        out = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"`{' '.join(args[1:])}` failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
        digits = "".join(ch if ch.isdigit() else " " for ch in out.stdout).split()
        if not digits:
            raise RuntimeError(f"admin account create printed no id: {out.stdout!r}")
        acct["id"] = digits[0]
        return acct

    def start(self) -> None:
        logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(BIN), "serve"], env=self.env, stdout=logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        last = ""
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bonsai serve exited with {self.proc.returncode}:\n{self.log_path.read_text(errors='replace')[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/instance", timeout=2) as r:
                    if r.status == 200:
                        return
                    last = f"HTTP {r.status}"
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
            except OSError as e:
                last = str(e)
            if time.time() > deadline:
                raise RuntimeError(f"bonsai not ready after 30 s ({last}):\n{self.log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def seed(server: Server, accounts: dict) -> dict:
    """Create tokens and data; return what the schemathesis config needs."""
    http = Http(server.url)
    app = http.ok(
        "POST",
        "/api/v1/apps",
        form={"client_name": "schemathesis", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow push"},
    )
    tokens = {}
    for name, acct in accounts.items():
        tok = http.ok(
            "POST",
            "/oauth/token",
            form={
                "grant_type": "password",
                "username": acct["email"],
                "password": acct["password"],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": "read write follow",
            },
        )
        tokens[name] = tok["access_token"]
    A, B, C, D = (accounts[n]["id"] for n in ("alice", "bob", "carol", "dave"))
    ta, tb, tc, td = (tokens[n] for n in ("alice", "bob", "carol", "dave"))

    http.ok("PATCH", "/api/v1/accounts/update_credentials", token=ta, form={
        "display_name": "Alice Schemathesis",
        "note": "Tending #bonsai trees",
        "fields_attributes[0][name]": "Garden",
        "fields_attributes[0][value]": "https://example.com/garden",
    })
    http.ok("POST", f"/api/v1/accounts/{A}/follow", token=tb)
    http.ok("POST", f"/api/v1/accounts/{B}/follow", token=ta)

    statuses = []

    def post(token, **body):
        st = http.ok("POST", "/api/v1/statuses", token=token, json_body=body)
        statuses.append(st["id"])
        return st

    s1 = post(ta, status="Hello #bonsai world", visibility="public")
    s2 = post(tb, status="@alice nice #Bonsai", in_reply_to_id=s1["id"])
    post(ta, status="@bob thanks", in_reply_to_id=s2["id"])
    post(ta, status="quiet one", visibility="unlisted")
    post(ta, status="for followers", visibility="private")
    post(ta, status="@bob a secret", visibility="direct")
    post(ta, status="behind a warning", spoiler_text="cw", visibility="public")
    post(tb, status="bob says hello https://example.com/page", visibility="public")
    post(tc, status="carol's #trees", visibility="public")
    deletable = [post(ta, status=f"delete me {i}")["id"] for i in range(4)]
    for d in deletable:
        statuses.remove(d)

    # alice locks her account; carol and dave then ask to follow her
    http.ok("PATCH", "/api/v1/accounts/update_credentials", token=ta, form={"locked": "true"})
    for t in (tc, td):
        rel = http.ok("POST", f"/api/v1/accounts/{A}/follow", token=t)
        if not rel.get("requested"):
            raise RuntimeError(f"seeding: following locked alice did not make a request: {rel}")

    return {
        "token": ta,
        "account_ids": [A, B, C, D],
        "status_ids": statuses,
        "deletable_ids": deletable,
        "request_ids": [C, D, B],
        "accts": ["alice", "bob", f"carol@{server.host}", "dave"],
        "hashtags": ["bonsai", "Bonsai", "trees"],
    }


def toml_list(values) -> str:
    return "[" + ", ".join(json.dumps(str(v)) for v in values) + "]"


def write_config(path: Path, data: dict) -> None:
    p = float(os.environ.get("ST_REAL_ID_PROBABILITY", "0.85"))
    lines = [
        "# generated by tests/compat/schemathesis/run.py for one run",
        "[generation]",
        'database = "none"',
        "",
    ]
    for name in ("account_ids", "status_ids", "deletable_ids", "request_ids", "accts", "hashtags"):
        lines += [f"[dictionaries.{name}]", f"values = {toml_list(data[name])}", ""]

    def bind(op_ids: list[str], params: dict[str, str]) -> None:
        for op in op_ids:
            lines.append("[[operations]]")
            lines.append(f'include-operation-id = "{op}"')
            lines.append("[operations.parameters]")
            for key, dictionary in params.items():
                lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = {p} }}')
            lines.append("")

    bind(
        ["getAccount", "getAccountStatuses", "getAccountFollowers", "getAccountFollowing", "postAccountFollow", "postAccountUnfollow"],
        {"path.id": "account_ids"},
    )
    bind(["getAccountLookup"], {"query.acct": "accts"})
    bind(["getAccountSearch"], {"query.q": "accts"})
    bind(["getStatus", "getStatusContext"], {"path.id": "status_ids"})
    bind(["deleteStatus"], {"path.id": "deletable_ids"})
    bind(["postFollowRequestAuthorize", "postFollowRequestReject"], {"path.account_id": "request_ids"})
    bind(["getTimelinesTagByHashtag"], {"path.hashtag": "hashtags"})
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    if not BIN.exists():
        log(f"bonsai binary not found at {BIN}; build it (cargo build -p bonsai --bin bonsai) or set BONSAI_BIN")
        return 2
    if not SPEC.exists():
        log(f"spec not found at {SPEC}; set SHARED_DIR")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bonsai-st-"))
    server = Server(work)
    try:
        server.create_db()
        accounts = {n: server.create_account(n) for n in ("alice", "bob", "carol", "dave")}
        server.start()
        log(f"bonsai serving on {server.url} (data {server.data_dir})")
        data = seed(server, accounts)
        config = work / "schemathesis.toml"
        write_config(config, data)
        report_dir = work / "reports"

        seed_arg = os.environ.get("ST_SEED", "20240601")
        cmd = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file", str(config),
            "run", str(SPEC),
            "--url", server.url,
            "-H", f"Authorization: Bearer {data['token']}",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--phases", os.environ.get("ST_PHASES", "examples,coverage,fuzzing,stateful"),
            "--max-examples", os.environ.get("ST_MAX_EXAMPLES", "40"),
            "--workers", os.environ.get("ST_WORKERS", "2"),
            "--request-timeout", "10",
            "--exclude-path-regex", "streaming",
            "--continue-on-failure",
            "--report", "ndjson",
            "--report-dir", str(report_dir),
            "--no-color",
        ]
        if seed_arg != "random":
            cmd += ["--seed", seed_arg]
        for op in OPERATIONS:
            cmd += ["--include-operation-id", op]
        cmd += argv
        log("running: " + " ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in cmd))
        started = time.time()
        rc = subprocess.run(cmd, cwd=work).returncode
        log(f"schemathesis exited {rc} after {time.time() - started:.0f} s")

        reports = sorted(report_dir.glob("*.ndjson"))
        if not reports:
            log("schemathesis wrote no NDJSON report")
            return 1
        status = triage(reports[-1], BASELINE, OPERATIONS)
        if rc not in (0, 1):
            log(f"schemathesis itself failed (exit {rc})")
            status = 1
        if status:
            os.environ["ST_KEEP"] = "1"
        log(f"schemathesis compat: {'FAILED' if status else 'passed'}")
        return status
    finally:
        server.stop()
        server.drop_db()
        if os.environ.get("ST_KEEP") == "1":
            log(f"kept {work} (server.log, reports/, baseline.json)")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
