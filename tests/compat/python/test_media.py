"""Media uploads through Mastodon.py: media_post (v2), status_post(media_ids=…), media_update,
video with synchronous=True (polling GET /api/v1/media/:id), and the served files."""

import os
import shutil
import subprocess

import pytest
import requests
from mastodon import MastodonAPIError

from conftest import api_status, assert_error, assert_status, json_of, tiny_png


def test_media_post_then_status_with_it(alice, server):
    media = alice.api.media_post(tiny_png(32, 16), mime_type="image/png", description="a red box",
                                 focus=(0.5, -0.5))
    assert media.type == "image"
    assert media.description == "a red box"
    assert media.meta.original.width == 32 and media.meta.original.height == 16
    assert media.meta.focus.x == 0.5 and media.meta.focus.y == -0.5
    assert media.blurhash
    assert media.url.startswith(server.url + "/system/")

    # The file is served with our content type and decodes as the PNG we sent (same size).
    r = requests.get(media.url, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] in ("image/png", "image/jpeg")
    assert "immutable" in r.headers["Cache-Control"]
    r = requests.get(media.url, headers={"Range": "bytes=0-7"}, timeout=10)
    assert r.status_code == 206 and len(r.content) == 8

    updated = alice.api.media_update(media.id, description="a red rectangle")
    assert updated.description == "a red rectangle"

    st = alice.api.status_post("with a picture", media_ids=[media.id], sensitive=True)
    assert [m.id for m in st.media_attachments] == [media.id]
    assert st.media_attachments[0].description == "a red rectangle"
    assert st.sensitive is True
    # Attached: no longer updatable through /api/v1/media (Mastodon answers 404).
    with pytest.raises(MastodonAPIError) as e:
        alice.api.media_update(media.id, description="too late")
    assert api_status(e.value) == 404


def test_media_errors_are_mastodons(alice, bob):
    r = alice.post("/api/v2/media", files={"file": ("notes.png", b"plain text", "image/png")})
    assert_error(r, 422, message="Validation failed: File content type is invalid")
    theirs = bob.api.media_post(tiny_png(), mime_type="image/png")
    r = alice.post("/api/v1/statuses", data=[("status", "x"), ("media_ids[]", theirs.id)])
    assert_error(r, 422, message=f"Media {theirs.id} not found or already attached to another post")
    with pytest.raises(MastodonAPIError) as e:
        alice.api.media_update(theirs.id, description="mine now")
    assert api_status(e.value) == 404


@pytest.mark.skipif(shutil.which("ffmpeg") is None and os.environ.get("BONSAI_REQUIRE_FFMPEG") != "1",
                    reason="ffmpeg is not installed (set BONSAI_REQUIRE_FFMPEG=1 to fail instead)")
def test_video_with_synchronous_media_post(alice, tmp_path):
    assert shutil.which("ffmpeg"), "BONSAI_REQUIRE_FFMPEG=1 but ffmpeg is missing"
    clip = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=duration=2:size=640x360:rate=25", "-pix_fmt", "yuv420p", str(clip)],
                   check=True, timeout=120)
    # Mastodon.py uploads through v2 (202) and polls until the job has processed it.
    media = alice.api.media_post(str(clip), mime_type="video/mp4", synchronous=True)
    assert media.type in ("video", "gifv")
    assert media.url and media.preview_url
    assert media.meta.original.width == 640
    assert abs(media.meta.original.duration - 2.0) < 0.2
    st = alice.api.status_post("a clip", media_ids=[media.id])
    assert st.media_attachments[0].id == media.id
    r = requests.get(media.url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert r.status_code == 206 and r.headers["Content-Type"] == "video/mp4"


def test_avatar_and_header_through_update_credentials(make_user):
    u = make_user("pictured")
    me = u.api.account_update_credentials(display_name="Pictured", avatar=tiny_png(600, 600),
                                          avatar_mime_type="image/png", header=tiny_png(1800, 600),
                                          header_mime_type="image/png")
    assert me.display_name == "Pictured"
    assert "/system/accounts/avatars/" in me.avatar
    assert "/system/accounts/headers/" in me.header
    r = requests.get(me.avatar, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] in ("image/png", "image/jpeg")
    assert u.api.account(u.id).avatar == me.avatar
