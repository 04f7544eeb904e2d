"""The `toot` CLI against Bonsai: password login, whoami, post, timelines (JSON and its strict
entity parsing for human-readable output), instance. Each run has its own HOME/XDG_CONFIG_HOME."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import code_from_oob_page, eventually, submit_authorize_form

TOOT = shutil.which("toot") or str(Path(sys.executable).with_name("toot"))


@pytest.fixture
def toot(tmp_path, server):
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), TERM="dumb", COLUMNS="100",
               NO_COLOR="1")

    def run(*args, check=True):
        res = subprocess.run([TOOT, *args], env=env, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
        if check:
            assert res.returncode == 0, f"toot {' '.join(args)} -> {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
        return res

    run.home = home
    run.env = env
    return run


@pytest.mark.skipif(not Path(TOOT).exists(), reason="toot CLI not installed")
def test_toot_login_post_timeline(toot, server, make_user):
    user = make_user("tooter")
    out = toot("login_cli", "-i", server.url, "-e", user.email, "-p", user.password)
    assert "Successfully logged in" in out.stdout
    cfg = json.loads((toot.home / ".config" / "toot" / "config.json").read_text())
    assert any(u.get("username") == user.username for u in cfg["users"].values()), cfg

    who = json.loads(toot("whoami", "--json").stdout)
    assert who["id"] == user.id and who["username"] == user.username
    assert user.username in toot("whoami").stdout  # human output parses the Account entity

    posted = json.loads(toot("post", "--json", "Hello from toot #tootcli").stdout)
    assert posted["account"]["id"] == user.id
    assert "Hello from toot" in posted["content"]
    out = toot("post", "--visibility", "unlisted", "--spoiler-text", "cw", "Second toot")
    assert "Toot posted:" in out.stdout

    def in_home():
        home = json.loads(toot("timelines", "home", "--json", "--limit", "5").stdout)
        assert posted["id"] in [s["id"] for s in home]
    eventually(in_home)
    # Human-readable output goes through toot's strict Status parsing.
    text = toot("timelines", "home", "--no-pager", "--no-clear").stdout
    assert "Hello from toot" in text and ("Second toot" in text or "cw" in text), text

    pub = json.loads(toot("timelines", "public", "--local", "--json").stdout)
    assert posted["id"] in [s["id"] for s in pub]
    tag = json.loads(toot("timelines", "tag", "tootcli", "--json").stdout)
    assert posted["id"] in [s["id"] for s in tag]

    st = toot("status", posted["id"])
    assert "Hello from toot" in st.stdout
    toot("delete", posted["id"])
    r = user.get(f"/api/v1/statuses/{posted['id']}")
    assert r.status_code == 404


@pytest.mark.skipif(not Path(TOOT).exists(), reason="toot CLI not installed")
def test_toot_instance_and_follow(toot, server, make_user):
    a = make_user("tootf")
    b = make_user("tootg")
    toot("login_cli", "-i", server.url, "-e", a.email, "-p", a.password)
    out = toot("instance", server.url)
    assert server.host in out.stdout
    toot("follow", b.username)
    rels = a.api.account_relationships(b.id)
    assert rels[0].following is True
    following = toot("following", a.username).stdout
    assert b.username in following


@pytest.mark.skipif(not Path(TOOT).exists(), reason="toot CLI not installed")
def test_toot_browser_login_oob(toot, server, make_user):
    """`toot login`: prints an /oauth/authorize/ URL (trailing slash, OOB redirect), then reads the code."""
    user = make_user("tootoob")
    proc = subprocess.Popen([TOOT, "login", "-i", server.url], env=toot.env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        seen = []
        for _ in range(40):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "/oauth/authorize" in line:
                url = line.strip()
                break
        assert url, f"toot printed no authorize URL: {''.join(seen)} {proc.stderr.read() if proc.poll() is not None else ''}"
        assert url.startswith(server.url + "/oauth/authorize/?"), url
        code = code_from_oob_page(submit_authorize_form(server, url, user.email, user.password))
        out, err = proc.communicate(f"n\n{code}\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, f"stdout: {out}\nstderr: {err}"
    assert "Successfully logged in" in out
    who = json.loads(toot("whoami", "--json").stdout)
    assert who["id"] == user.id
