// Timelines through masto.js: home/public/tag, and pagination with masto's
// paginator (Link header driven: rel="next" -> max_id, rel="prev" -> min_id).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient } from "masto";
import { startServer, clientFor, expectHttpError, cmpId, http, tokenOf } from "../lib/server.js";

const MAX_PAGES = 12;

/** Walk a masto paginator with values(); returns the pages (bounded). */
async function collectPages(paginator) {
  const pages = [];
  for await (const page of paginator.values()) {
    assert.ok(Array.isArray(page), "each page is an array");
    pages.push(page);
    if (page.length === 0) break;
    if (pages.length >= MAX_PAGES) {
      assert.fail(`paginator did not stop after ${MAX_PAGES} pages: ${JSON.stringify(pages.map((p) => p.map((s) => s.id)))}`);
    }
  }
  return pages;
}

function assertDescending(ids, what) {
  for (let i = 1; i < ids.length; i++) {
    assert.ok(cmpId(ids[i - 1], ids[i]) > 0, `${what}: ids not strictly descending at ${i}: ${ids.join(",")}`);
  }
}

describe("timelines", () => {
  let server, alice, bob, anon, ids;
  const posted = []; // alice's 13 public statuses, oldest first

  before(async () => {
    server = await startServer({ accounts: [{ username: "alice" }, { username: "bob" }] });
    ids = Object.fromEntries(Object.values(server.accounts).map((a) => [a.username, a.id]));
    alice = await clientFor(server, server.accounts.alice);
    bob = await clientFor(server, server.accounts.bob);
    anon = createRestAPIClient({ url: server.url, timeout: 15_000 });
    for (let i = 0; i < 13; i++) {
      posted.push(await alice.v1.statuses.create({ status: `timeline post number ${i}` }));
    }
  });
  after(async () => {
    await server?.stop();
  });

  it("status ids are increasing in posting order (clients compare them as numbers)", () => {
    assertDescending(
      posted.map((s) => s.id).reverse(),
      "posted",
    );
  });

  it("home timeline paginates with masto's paginator: no duplicates, newest first, all found", async () => {
    const pages = await collectPages(alice.v1.timelines.home.list({ limit: 5 }));
    const nonEmpty = pages.filter((p) => p.length > 0);
    for (const p of pages) assert.ok(p.length <= 5, `page larger than limit: ${p.length}`);
    assert.deepEqual(
      nonEmpty.map((p) => p.length),
      [5, 5, 3],
      "13 statuses in pages of 5",
    );
    const all = nonEmpty.flat().map((s) => s.id);
    assert.equal(new Set(all).size, all.length, `duplicates across pages: ${all}`);
    assertDescending(all, "home");
    assert.deepEqual(
      all,
      posted.map((s) => s.id).reverse(),
    );
  });

  it("the paginator can be driven step by step with next()", async () => {
    const it = alice.v1.timelines.home.list({ limit: 4 }).values();
    const first = await it.next();
    const second = await it.next();
    assert.equal(first.done, false);
    assert.equal(second.done, false);
    assert.equal(first.value.length, 4);
    assert.equal(second.value.length, 4);
    const expected = posted.map((s) => s.id).reverse();
    assert.deepEqual(
      [...first.value, ...second.value].map((s) => s.id),
      expected.slice(0, 8),
    );
    await it.return?.();
  });

  it("max_id, since_id and min_id select the right window", async () => {
    const p = posted.map((s) => s.id);
    const older = await alice.v1.timelines.home.list({ limit: 3, maxId: p[5] });
    assert.deepEqual(
      older.map((s) => s.id),
      [p[4], p[3], p[2]],
      "max_id: the next older statuses, exclusive",
    );
    const since = await alice.v1.timelines.home.list({ limit: 3, sinceId: p[0] });
    assert.deepEqual(
      since.map((s) => s.id),
      [p[12], p[11], p[10]],
      "since_id: the newest statuses above the id",
    );
    const min = await alice.v1.timelines.home.list({ limit: 3, minId: p[0] });
    assert.deepEqual(
      min.map((s) => s.id),
      [p[3], p[2], p[1]],
      "min_id: the statuses immediately newer than the id, still newest first",
    );
  });

  it("paginating backwards (rel=prev, min_id) walks towards newer statuses", async () => {
    const p = posted.map((s) => s.id);
    const pages = await collectPages(
      alice.v1.timelines.home.list({ limit: 4, minId: p[0] }).setDirection("prev"),
    );
    const nonEmpty = pages.filter((x) => x.length > 0);
    for (const page of nonEmpty) assertDescending(page.map((s) => s.id), "prev page");
    assert.deepEqual(
      nonEmpty.map((page) => page.map((s) => s.id)),
      [
        [p[4], p[3], p[2], p[1]],
        [p[8], p[7], p[6], p[5]],
        [p[12], p[11], p[10], p[9]],
      ],
    );
  });

  it("Link header has absolute next/prev URLs with max_id/min_id", async () => {
    const r = await http(server, "GET", "/api/v1/timelines/home", {
      token: tokenOf(alice),
      query: { limit: 2 },
    });
    assert.equal(r.status, 200);
    const link = r.headers.get("link");
    assert.ok(link, "Link header present");
    const rels = Object.fromEntries(
      [...link.matchAll(/<([^>]+)>\s*;\s*rel="(\w+)"/g)].map((m) => [m[2], new URL(m[1])]),
    );
    assert.ok(rels.next, `rel=next in ${link}`);
    assert.ok(rels.prev, `rel=prev in ${link}`);
    assert.equal(rels.next.searchParams.get("max_id"), r.json[1].id);
    assert.equal(rels.prev.searchParams.get("min_id"), r.json[0].id);
    assert.equal(rels.next.pathname, "/api/v1/timelines/home");
    assert.equal(rels.next.searchParams.get("limit"), "2", "the limit is carried into the next link");
  });

  it("public timeline shows only public statuses, for anyone, with working pagination", async () => {
    const unlisted = await alice.v1.statuses.create({ status: "not on public", visibility: "unlisted" });
    const priv = await alice.v1.statuses.create({ status: "private thing", visibility: "private" });
    const direct = await alice.v1.statuses.create({ status: "@bob secret", visibility: "direct" });
    const bobPublic = await bob.v1.statuses.create({ status: "bob says hi publicly" });

    const pages = await collectPages(anon.v1.timelines.public.list({ limit: 6 }));
    const all = pages.flat().map((s) => s.id);
    assert.equal(new Set(all).size, all.length, "no duplicates");
    assertDescending(all, "public");
    for (const s of pages.flat()) assert.equal(s.visibility, "public");
    assert.ok(all.includes(bobPublic.id));
    for (const st of posted) assert.ok(all.includes(st.id), `public post ${st.id} missing`);
    for (const hidden of [unlisted, priv, direct]) {
      assert.ok(!all.includes(hidden.id), `${hidden.visibility} status on the public timeline`);
    }

    const local = await bob.v1.timelines.public.list({ local: true, limit: 40 });
    assert.ok(local.some((s) => s.id === bobPublic.id));
    const remote = await bob.v1.timelines.public.list({ remote: true, limit: 40 });
    assert.deepEqual(remote, [], "no remote statuses on a lone instance");

    // own unlisted/private statuses are on the author's home timeline
    const home = await alice.v1.timelines.home.list({ limit: 10 });
    const homeIds = home.map((s) => s.id);
    assert.ok(homeIds.includes(unlisted.id) && homeIds.includes(priv.id) && homeIds.includes(direct.id));
    assert.ok(!homeIds.includes(bobPublic.id), "not following bob: his post is not on alice's home");
  });

  it("public timeline leaves out replies to others but keeps self-replies (Mastodon's default)", async () => {
    const root = await alice.v1.statuses.create({ status: "a thread starts" });
    const selfReply = await alice.v1.statuses.create({ status: "and continues", inReplyToId: root.id });
    const otherReply = await bob.v1.statuses.create({ status: "@alice replying publicly", inReplyToId: root.id });
    const list = await anon.v1.timelines.public.list({ limit: 40 });
    const got = list.map((s) => s.id);
    assert.ok(got.includes(root.id));
    assert.ok(got.includes(selfReply.id), "self-replies (threads) stay on the public timeline");
    assert.ok(!got.includes(otherReply.id), "replies to other accounts are not on the public timeline");
  });

  it("tag timeline lists public statuses with the hashtag, case-insensitively", async () => {
    const tagged = await bob.v1.statuses.create({ status: "growing a #juniper today" });
    const tagged2 = await alice.v1.statuses.create({ status: "my #Juniper too" });
    const untagged = await alice.v1.statuses.create({ status: "juniper without hash" });
    const hiddenTagged = await alice.v1.statuses.create({ status: "private #juniper", visibility: "private" });
    for (const name of ["juniper", "JUNIPER"]) {
      const list = await anon.v1.timelines.tag.$select(name).list({ limit: 20 });
      const got = list.map((s) => s.id);
      assert.deepEqual(got, [tagged2.id, tagged.id], `tag ${name}: ${got}`);
      assert.ok(!got.includes(untagged.id) && !got.includes(hiddenTagged.id));
    }
    const none = await bob.v1.timelines.tag.$select("nosuchtag").list();
    assert.deepEqual(none, []);
  });

  it("home timeline needs a token", async () => {
    await expectHttpError(anon.v1.timelines.home.list(), 401);
  });
});
