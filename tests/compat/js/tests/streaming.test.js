// Streaming through masto.js 8: `createStreamingAPIClient` with the URL the instance
// advertises (v2 `configuration.urls.streaming`), one multiplexed WebSocket carrying the
// token as its sub-protocol, subscriptions to `user` and `public`.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient, createStreamingAPIClient } from "masto";
import { startServer, clientFor, tokenOf } from "../lib/server.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Collects a subscription's events in the background. */
function collect(subscription) {
  const events = [];
  const done = (async () => {
    try {
      for await (const e of subscription) events.push(e);
    } catch (err) {
      events.push({ error: String(err) });
    }
  })();
  return { events, done };
}

async function waitFor(events, what, test, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const hit = events.find(test);
    if (hit) return hit;
    await sleep(50);
  }
  assert.fail(`no ${what}; got ${JSON.stringify(events.map((e) => [e.stream, e.event, e.error]))}`);
}

describe("streaming", () => {
  let server, alice, bob, ids;

  before(async () => {
    server = await startServer({ accounts: [{ username: "alice" }, { username: "bob" }] });
    ids = Object.fromEntries(Object.values(server.accounts).map((a) => [a.username, a.id]));
    alice = await clientFor(server, server.accounts.alice);
    bob = await clientFor(server, server.accounts.bob);
  });
  after(async () => {
    await server?.stop();
  });

  it("advertises a ws:// streaming URL that answers health checks", async () => {
    const anon = createRestAPIClient({ url: server.url, timeout: 15_000 });
    const instance = await anon.v2.instance.fetch();
    assert.equal(instance.configuration.urls.streaming, `ws://${server.host}`);
    const res = await fetch(`${server.url}/api/v1/streaming/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "OK");
  });

  it("user and public subscriptions receive an update and a notification", async () => {
    await bob.v1.accounts.$select(ids.alice).follow();
    const instance = await bob.v2.instance.fetch();
    const streaming = createStreamingAPIClient({
      streamingApiUrl: instance.configuration.urls.streaming,
      accessToken: tokenOf(bob),
      retry: 3,
    });
    const user = collect(streaming.user.subscribe());
    const pub = collect(streaming.public.subscribe());
    try {
      // masto.js opens the socket after a back-off of about a second, then subscribes.
      await sleep(2500);
      const st = await alice.v1.statuses.create({ status: "hello, streaming masto" });
      const home = await waitFor(user.events, "update on user", (e) => e.event === "update" && e.payload?.id === st.id);
      assert.deepEqual(home.stream, ["user"]);
      assert.equal(home.payload.account.id, ids.alice);
      assert.equal(home.payload.content, st.content);
      const pubEvent = await waitFor(pub.events, "update on public", (e) => e.event === "update" && e.payload?.id === st.id);
      assert.deepEqual(pubEvent.stream, ["public"]);

      const mention = await alice.v1.statuses.create({ status: `@bob look at this` });
      const note = await waitFor(
        user.events,
        "mention notification",
        (e) => e.event === "notification" && e.payload?.type === "mention",
      );
      assert.equal(note.payload.status.id, mention.id);
      assert.equal(note.payload.account.id, ids.alice);
      // Notifications are not on the public stream.
      assert.ok(!pub.events.some((e) => e.event === "notification"));
    } finally {
      streaming.close();
    }
  });
});
