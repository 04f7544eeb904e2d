// Statuses through masto.js: posting with visibility / content warning / reply,
// fetching, context, deletion and visibility rules for readers.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient } from "masto";
import { startServer, clientFor, expectHttpError } from "../lib/server.js";

describe("statuses", () => {
  let server, alice, bob, carol, anon, ids;

  before(async () => {
    server = await startServer({
      accounts: [{ username: "alice" }, { username: "bob" }, { username: "carol" }],
    });
    ids = Object.fromEntries(Object.values(server.accounts).map((a) => [a.username, a.id]));
    alice = await clientFor(server, server.accounts.alice);
    bob = await clientFor(server, server.accounts.bob);
    carol = await clientFor(server, server.accounts.carol);
    anon = createRestAPIClient({ url: server.url, timeout: 15_000 });
  });
  after(async () => {
    await server?.stop();
  });

  it("creates a public status and renders it as a Mastodon Status", async () => {
    const st = await alice.v1.statuses.create({ status: "Hello, bonsai!", visibility: "public" });
    assert.match(st.id, /^\d+$/);
    assert.equal(st.visibility, "public");
    assert.equal(st.account.id, ids.alice);
    assert.equal(st.account.username, "alice");
    assert.match(st.content, /<p>Hello, bonsai!<\/p>/);
    assert.equal(st.spoilerText, "");
    assert.equal(st.sensitive, false);
    assert.equal(st.inReplyToId, null);
    assert.equal(st.inReplyToAccountId, null);
    assert.equal(st.reblog, null);
    assert.deepEqual(st.mediaAttachments, []);
    assert.deepEqual(st.mentions, []);
    assert.deepEqual(st.tags, []);
    assert.deepEqual(st.emojis, []);
    assert.equal(st.repliesCount, 0);
    assert.equal(st.reblogsCount, 0);
    assert.equal(st.favouritesCount, 0);
    assert.equal(st.favourited, false);
    assert.equal(st.reblogged, false);
    assert.equal(typeof st.uri, "string");
    assert.ok(st.uri.startsWith(server.url), `uri ${st.uri}`);
    assert.equal(typeof st.url, "string");
    assert.ok(!Number.isNaN(Date.parse(st.createdAt)));
    assert.equal(st.application?.name, "masto-compat", "the posting app is shown to its owner");

    const fetched = await bob.v1.statuses.$select(st.id).fetch();
    assert.equal(fetched.id, st.id);
    assert.equal(fetched.content, st.content);
    const anonFetched = await anon.v1.statuses.$select(st.id).fetch();
    assert.equal(anonFetched.id, st.id);

    const me = await alice.v1.accounts.verifyCredentials();
    assert.equal(me.statusesCount, 1);
    assert.ok(me.lastStatusAt, "last_status_at is set after posting");
  });

  it("a content warning is kept as spoiler_text and marks the status sensitive", async () => {
    const st = await alice.v1.statuses.create({
      status: "the hidden part",
      spoilerText: "cw: plants",
      visibility: "unlisted",
    });
    assert.equal(st.spoilerText, "cw: plants");
    assert.equal(st.sensitive, true, "Mastodon sets sensitive when spoiler_text is present");
    assert.equal(st.visibility, "unlisted");
    assert.match(st.content, /the hidden part/);
  });

  it("keeps each visibility and hides private/direct statuses from non-recipients", async () => {
    const unlisted = await alice.v1.statuses.create({ status: "unlisted one", visibility: "unlisted" });
    assert.equal(unlisted.visibility, "unlisted");
    const priv = await alice.v1.statuses.create({ status: "followers only", visibility: "private" });
    assert.equal(priv.visibility, "private");
    const direct = await alice.v1.statuses.create({ status: "@bob just for you", visibility: "direct" });
    assert.equal(direct.visibility, "direct");
    assert.equal(direct.mentions.length, 1);
    assert.equal(direct.mentions[0].id, ids.bob);
    assert.equal(direct.mentions[0].acct, "bob");
    assert.equal(direct.mentions[0].username, "bob");

    // unlisted is readable by anyone with the link
    assert.equal((await anon.v1.statuses.$select(unlisted.id).fetch()).id, unlisted.id);
    // the author reads all of them
    assert.equal((await alice.v1.statuses.$select(priv.id).fetch()).id, priv.id);
    assert.equal((await alice.v1.statuses.$select(direct.id).fetch()).id, direct.id);
    // private: not followers -> 404 like Mastodon (not 403)
    await expectHttpError(bob.v1.statuses.$select(priv.id).fetch(), 404);
    await expectHttpError(anon.v1.statuses.$select(priv.id).fetch(), 404);
    // direct: the mentioned account reads it, others do not
    assert.equal((await bob.v1.statuses.$select(direct.id).fetch()).id, direct.id);
    await expectHttpError(carol.v1.statuses.$select(direct.id).fetch(), 404);
    await expectHttpError(anon.v1.statuses.$select(direct.id).fetch(), 404);
  });

  it("mentions and hashtags are parsed and linked", async () => {
    const st = await bob.v1.statuses.create({ status: "hi @alice look at #bonsaitrees" });
    assert.deepEqual(
      st.mentions.map((m) => m.id),
      [ids.alice],
    );
    assert.equal(st.tags.length, 1);
    assert.equal(st.tags[0].name.toLowerCase(), "bonsaitrees");
    assert.match(st.tags[0].url, /\/tags\/bonsaitrees$/i);
    assert.match(st.content, /<a [^>]*href="[^"]*"[^>]*>/, "mention/hashtag rendered as links");
    assert.match(st.content, /class="[^"]*mention[^"]*"/, "links carry Mastodon's mention class");
  });

  it("replies carry in_reply_to ids; context returns ancestors and descendants in order", async () => {
    const root = await alice.v1.statuses.create({ status: "root of the thread" });
    const r1 = await bob.v1.statuses.create({ status: "@alice first reply", inReplyToId: root.id });
    assert.equal(r1.inReplyToId, root.id);
    assert.equal(r1.inReplyToAccountId, ids.alice);
    const r2 = await alice.v1.statuses.create({ status: "@bob reply to the reply", inReplyToId: r1.id });
    assert.equal(r2.inReplyToId, r1.id);
    assert.equal(r2.inReplyToAccountId, ids.bob);
    const sibling = await carol.v1.statuses.create({ status: "@alice another branch", inReplyToId: root.id });

    const rootNow = await alice.v1.statuses.$select(root.id).fetch();
    assert.equal(rootNow.repliesCount, 2, "two direct replies to root");

    const ctxMiddle = await carol.v1.statuses.$select(r1.id).context.fetch();
    assert.deepEqual(
      ctxMiddle.ancestors.map((s) => s.id),
      [root.id],
    );
    assert.deepEqual(
      ctxMiddle.descendants.map((s) => s.id),
      [r2.id],
    );

    const ctxRoot = await anon.v1.statuses.$select(root.id).context.fetch();
    assert.deepEqual(ctxRoot.ancestors, []);
    assert.deepEqual(
      new Set(ctxRoot.descendants.map((s) => s.id)),
      new Set([r1.id, r2.id, sibling.id]),
    );
    // Mastodon orders descendants depth-first: r1 before its child r2.
    const order = ctxRoot.descendants.map((s) => s.id);
    assert.ok(order.indexOf(r1.id) < order.indexOf(r2.id), `r1 before r2 in ${order}`);

    const ctxLeaf = await alice.v1.statuses.$select(r2.id).context.fetch();
    assert.deepEqual(
      ctxLeaf.ancestors.map((s) => s.id),
      [root.id, r1.id],
      "ancestors are oldest first",
    );
    assert.deepEqual(ctxLeaf.descendants, []);
  });

  it("deleting returns the status with its source text, then it is gone", async () => {
    const before = (await alice.v1.accounts.verifyCredentials()).statusesCount;
    const st = await alice.v1.statuses.create({ status: "to be deleted #gone", spoilerText: "bye" });
    const child = await bob.v1.statuses.create({ status: "@alice reply to doomed", inReplyToId: st.id });
    const del = await alice.v1.statuses.$select(st.id).remove();
    assert.equal(del.id, st.id);
    assert.equal(del.text, "to be deleted #gone", "delete & redraft needs the source text");
    assert.equal(del.spoilerText, "bye");
    await expectHttpError(alice.v1.statuses.$select(st.id).fetch(), 404);
    await expectHttpError(anon.v1.statuses.$select(st.id).fetch(), 404);
    await expectHttpError(alice.v1.statuses.$select(st.id).context.fetch(), 404);
    const after = (await alice.v1.accounts.verifyCredentials()).statusesCount;
    assert.equal(after, before, "statuses_count back to where it was");
    // the orphaned reply survives
    const orphan = await bob.v1.statuses.$select(child.id).fetch();
    assert.equal(orphan.id, child.id);
    // deleting twice is a 404
    await expectHttpError(alice.v1.statuses.$select(st.id).remove(), 404);
  });

  it("cannot delete someone else's status (404 like Mastodon, status untouched)", async () => {
    const st = await alice.v1.statuses.create({ status: "mine, not yours" });
    await expectHttpError(bob.v1.statuses.$select(st.id).remove(), 404);
    assert.equal((await anon.v1.statuses.$select(st.id).fetch()).id, st.id);
  });

  it("rejects an empty status with 422 and an error message", async () => {
    const err = await expectHttpError(alice.v1.statuses.create({ status: "" }), 422);
    assert.ok(err.message && err.message.length > 0, "error has a message");
  });

  it("replying to a missing status is a 404 (or 422) and posts nothing", async () => {
    const before = (await carol.v1.accounts.verifyCredentials()).statusesCount;
    await expectHttpError(
      carol.v1.statuses.create({ status: "reply to nothing", inReplyToId: "999999999999" }),
      [404, 422],
    );
    assert.equal((await carol.v1.accounts.verifyCredentials()).statusesCount, before);
  });

  it("plain text is escaped and formatted like Mastodon (paragraphs, line breaks, links)", async () => {
    const st = await alice.v1.statuses.create({
      status: "<script>alert(1)</script> & co\nsecond line\n\nnew paragraph https://example.com/page",
    });
    assert.ok(!st.content.includes("<script>"), `raw HTML must be escaped: ${st.content}`);
    assert.match(st.content, /&lt;script&gt;/);
    assert.match(st.content, /&amp; co/);
    assert.match(st.content, /^<p>.*<br\s*\/?>second line<\/p><p>new paragraph /, `paragraphs/line breaks: ${st.content}`);
    assert.match(st.content, /<a [^>]*href="https:\/\/example\.com\/page"/, `URL linkified: ${st.content}`);
  });

  it("enforces the advertised max_characters (500 ok, 501 is a 422)", async () => {
    const inst = await anon.v2.instance.fetch();
    const max = inst.configuration.statuses.maxCharacters;
    const ok = await bob.v1.statuses.create({ status: "a".repeat(max) });
    assert.equal(ok.account.id, ids.bob);
    await expectHttpError(bob.v1.statuses.create({ status: "b".repeat(max + 1) }), 422);
  });

  it("Idempotency-Key makes a retried post return the same status", async () => {
    const key = `masto-${Date.now()}`;
    const meta = { requestInit: { headers: { "Idempotency-Key": key } } };
    const first = await carol.v1.statuses.create({ status: "posted once, sent twice" }, meta);
    const second = await carol.v1.statuses.create({ status: "posted once, sent twice" }, meta);
    assert.equal(second.id, first.id, "same Idempotency-Key -> same status");
    const third = await carol.v1.statuses.create({ status: "posted once, sent twice" });
    assert.notEqual(third.id, first.id, "without the key it is a new status");
  });

  it("keeps the language given by the client", async () => {
    const st = await alice.v1.statuses.create({ status: "Guten Tag, Bonsai", language: "de" });
    assert.equal(st.language, "de");
  });

  it("context hides a private reply from readers who may not see it", async () => {
    const root = await alice.v1.statuses.create({ status: "public root for private reply" });
    const privReply = await bob.v1.statuses.create({
      status: "@alice followers-only reply",
      inReplyToId: root.id,
      visibility: "private",
    });
    const pubReply = await alice.v1.statuses.create({ status: "a public self-reply", inReplyToId: root.id });
    const forCarol = await carol.v1.statuses.$select(root.id).context.fetch();
    const carolIds = forCarol.descendants.map((s) => s.id);
    assert.ok(carolIds.includes(pubReply.id));
    assert.ok(!carolIds.includes(privReply.id), "carol does not follow bob: his private reply is hidden");
    const forAnon = await anon.v1.statuses.$select(root.id).context.fetch();
    assert.ok(!forAnon.descendants.some((s) => s.id === privReply.id));
    const forBob = await bob.v1.statuses.$select(root.id).context.fetch();
    assert.ok(forBob.descendants.some((s) => s.id === privReply.id), "the author sees his own reply");
  });

  it("account statuses list shows the author's visible statuses newest first", async () => {
    const a = await carol.v1.statuses.create({ status: "carol one" });
    const b = await carol.v1.statuses.create({ status: "carol two", visibility: "private" });
    const c = await carol.v1.statuses.create({ status: "carol three" });
    const own = await carol.v1.accounts.$select(ids.carol).statuses.list({ limit: 40 });
    const ownIds = own.map((s) => s.id);
    assert.ok(ownIds.includes(b.id), "the author sees her private status");
    assert.ok(ownIds.indexOf(c.id) < ownIds.indexOf(a.id), "newest first");
    const seen = await anon.v1.accounts.$select(ids.carol).statuses.list({ limit: 40 });
    const seenIds = seen.map((s) => s.id);
    assert.ok(seenIds.includes(a.id) && seenIds.includes(c.id));
    assert.ok(!seenIds.includes(b.id), "a stranger does not see the private status");
    for (const s of seen) assert.equal(s.account.id, ids.carol);
  });
});
