"""Streaming through Mastodon.py's server-sent events client: `stream_user` and `stream_public`
with listeners on background threads, as its docs show. Mastodon.py finds the streaming base
from the instance's `urls.streaming_api` (`ws://` here, which it turns into `http://`)."""

import queue
import time

from mastodon import StreamListener

from conftest import eventually


class Collector(StreamListener):
    """Puts every event on a queue for the test thread."""

    def __init__(self):
        super().__init__()
        self.events = queue.Queue()

    def on_update(self, status):
        self.events.put(("update", status))

    def on_status_update(self, status):
        self.events.put(("status.update", status))

    def on_notification(self, notification):
        self.events.put(("notification", notification))

    def on_delete(self, status_id):
        self.events.put(("delete", status_id))


def wait_for(collector, kind, match, timeout=15.0):
    """The first `kind` event for which `match` holds; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no matching {kind} event; saw {seen}")
        try:
            k, data = collector.events.get(timeout=left)
        except queue.Empty:
            continue
        seen.append(k)
        if k == kind and match(data):
            return data


def open_stream(start, listener):
    handle = start(listener, run_async=True, reconnect_async=False)

    def receiving():
        assert handle.is_receiving()

    eventually(receiving)
    return handle


def test_instance_advertises_a_ws_streaming_url(server, anon):
    assert anon.instance_v1().urls.streaming_api == f"ws://{server.host}"
    assert anon.instance_v2().configuration.urls.streaming == f"ws://{server.host}"
    r = server.get("/api/v1/streaming/health")
    assert (r.status_code, r.text) == (200, "OK")


def test_stream_user_and_public_receive_updates_and_notifications(alice, bob):
    bob.api.account_follow(alice.id)
    home, public = Collector(), Collector()
    h_home = open_stream(bob.api.stream_user, home)
    h_public = open_stream(bob.api.stream_public, public)
    try:
        # The connection is established before the handle reports receiving; give the
        # server a moment to have the stream registered before posting.
        time.sleep(0.5)
        s = alice.api.status_post("streamed to Mastodon.py")
        got = wait_for(home, "update", lambda st: str(st.id) == str(s.id))
        assert got.account.acct == alice.username
        assert "streamed to Mastodon.py" in got.content
        got = wait_for(public, "update", lambda st: str(st.id) == str(s.id))
        assert got.visibility == "public"

        # A notification: alice follows bob.
        alice.api.account_follow(bob.id)
        n = wait_for(home, "notification", lambda n: n.type == "follow")
        assert str(n.account.id) == str(alice.id)

        # Deletion reaches both.
        alice.api.status_delete(s.id)
        wait_for(home, "delete", lambda i: str(i) == str(s.id))
        wait_for(public, "delete", lambda i: str(i) == str(s.id))
    finally:
        h_home.close()
        h_public.close()
