// Follows through masto.js: unlocked follow/unfollow, locked account with a
// follow request authorised / rejected, relationships, followers/following
// lists and the effect on the home timeline.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, clientFor, expectHttpError } from "../lib/server.js";

describe("relationships", () => {
  let server, alice, bob, carol, dave, ids;

  before(async () => {
    server = await startServer({
      accounts: [{ username: "alice" }, { username: "bob" }, { username: "carol" }, { username: "dave" }],
    });
    ids = Object.fromEntries(Object.values(server.accounts).map((a) => [a.username, a.id]));
    alice = await clientFor(server, server.accounts.alice);
    bob = await clientFor(server, server.accounts.bob);
    carol = await clientFor(server, server.accounts.carol);
    dave = await clientFor(server, server.accounts.dave);
    // carol locks her account through masto (multipart PATCH with a boolean)
    const c = await carol.v1.accounts.updateCredentials({ locked: true });
    assert.equal(c.locked, true);
  });
  after(async () => {
    await server?.stop();
  });

  it("relationships before any follow are all false", async () => {
    const [rel] = await alice.v1.accounts.relationships.fetch({ id: [ids.bob] });
    assert.equal(rel.id, ids.bob);
    for (const k of ["following", "followedBy", "requested", "blocking", "blockedBy", "muting", "domainBlocking", "endorsed"]) {
      assert.equal(rel[k], false, `${k} is false`);
    }
    assert.equal(typeof rel.showingReblogs, "boolean");
    assert.equal(typeof rel.notifying, "boolean");
    assert.equal(typeof rel.note, "string");
  });

  it("following an unlocked account is immediate and shows everywhere", async () => {
    const rel = await alice.v1.accounts.$select(ids.bob).follow();
    assert.equal(rel.id, ids.bob);
    assert.equal(rel.following, true);
    assert.equal(rel.requested, false);
    assert.equal(rel.showingReblogs, true, "reblogs shown by default");

    const [fromBob] = await bob.v1.accounts.relationships.fetch({ id: [ids.alice] });
    assert.equal(fromBob.followedBy, true);
    assert.equal(fromBob.following, false);

    const bobAcct = await alice.v1.accounts.$select(ids.bob).fetch();
    assert.equal(bobAcct.followersCount, 1);
    const aliceAcct = await bob.v1.accounts.$select(ids.alice).fetch();
    assert.equal(aliceAcct.followingCount, 1);

    const followers = await alice.v1.accounts.$select(ids.bob).followers.list();
    assert.deepEqual(
      followers.map((a) => a.id),
      [ids.alice],
    );
    const following = await bob.v1.accounts.$select(ids.alice).following.list();
    assert.deepEqual(
      following.map((a) => a.id),
      [ids.bob],
    );

    // following again is idempotent
    const again = await alice.v1.accounts.$select(ids.bob).follow();
    assert.equal(again.following, true);
    assert.equal((await alice.v1.accounts.$select(ids.bob).fetch()).followersCount, 1);
  });

  it("relationships for several ids at once (id[] query) keep the asked order", async () => {
    const rels = await alice.v1.accounts.relationships.fetch({ id: [ids.carol, ids.bob, ids.dave] });
    assert.deepEqual(
      rels.map((r) => r.id),
      [ids.carol, ids.bob, ids.dave],
    );
    assert.deepEqual(
      rels.map((r) => r.following),
      [false, true, false],
    );
  });

  it("a followed account's statuses reach the follower's home timeline, private ones too", async () => {
    const pub = await bob.v1.statuses.create({ status: "bob public after follow" });
    const priv = await bob.v1.statuses.create({ status: "bob followers-only", visibility: "private" });
    const home = await alice.v1.timelines.home.list({ limit: 20 });
    const homeIds = home.map((s) => s.id);
    assert.ok(homeIds.includes(pub.id), "public status of a followed account on home");
    assert.ok(homeIds.includes(priv.id), "private status of a followed account on home");
    // followers can read the private status; others cannot
    assert.equal((await alice.v1.statuses.$select(priv.id).fetch()).id, priv.id);
    await expectHttpError(dave.v1.statuses.$select(priv.id).fetch(), 404);
    const daveHome = await dave.v1.timelines.home.list({ limit: 20 });
    assert.ok(!daveHome.some((s) => s.id === pub.id || s.id === priv.id));
    // and the account's statuses list shows it to the follower
    const list = await alice.v1.accounts.$select(ids.bob).statuses.list({ limit: 20 });
    assert.ok(list.some((s) => s.id === priv.id));
  });

  it("unfollow ends it; later statuses stay off the home timeline", async () => {
    const rel = await alice.v1.accounts.$select(ids.bob).unfollow();
    assert.equal(rel.following, false);
    assert.equal(rel.requested, false);
    const [fromBob] = await bob.v1.accounts.relationships.fetch({ id: [ids.alice] });
    assert.equal(fromBob.followedBy, false);
    assert.equal((await alice.v1.accounts.$select(ids.bob).fetch()).followersCount, 0);
    assert.deepEqual(await alice.v1.accounts.$select(ids.bob).followers.list(), []);

    const later = await bob.v1.statuses.create({ status: "posted after the unfollow" });
    const laterPriv = await bob.v1.statuses.create({ status: "private after unfollow", visibility: "private" });
    const home = await alice.v1.timelines.home.list({ limit: 20 });
    assert.ok(!home.some((s) => s.id === later.id || s.id === laterPriv.id));
    await expectHttpError(alice.v1.statuses.$select(laterPriv.id).fetch(), 404);
    // unfollowing again is harmless
    const again = await alice.v1.accounts.$select(ids.bob).unfollow();
    assert.equal(again.following, false);
  });

  it("following a locked account makes a follow request that the owner authorises", async () => {
    const rel = await alice.v1.accounts.$select(ids.carol).follow();
    assert.equal(rel.following, false, "not following yet");
    assert.equal(rel.requested, true, "request pending");

    const [rel2] = await alice.v1.accounts.relationships.fetch({ id: [ids.carol] });
    assert.equal(rel2.requested, true);
    assert.equal(rel2.following, false);

    const me = await carol.v1.accounts.verifyCredentials();
    assert.equal(me.source.followRequestsCount, 1);
    assert.equal(me.followersCount, 0);

    const requests = await carol.v1.followRequests.list();
    assert.deepEqual(
      requests.map((a) => a.id),
      [ids.alice],
    );
    const [fromCarol] = await carol.v1.accounts.relationships.fetch({ id: [ids.alice] });
    assert.equal(fromCarol.requestedBy, true, "requested_by seen by the target");
    assert.equal(fromCarol.followedBy, false);

    const priv = await carol.v1.statuses.create({ status: "carol's private garden", visibility: "private" });
    await expectHttpError(alice.v1.statuses.$select(priv.id).fetch(), 404);

    const authorised = await carol.v1.followRequests.$select(ids.alice).authorize();
    assert.equal(authorised.id, ids.alice, "authorize returns the relationship with the requester");
    assert.equal(authorised.followedBy, true);
    assert.equal(authorised.requestedBy, false);

    const [after] = await alice.v1.accounts.relationships.fetch({ id: [ids.carol] });
    assert.equal(after.following, true);
    assert.equal(after.requested, false);
    assert.deepEqual(await carol.v1.followRequests.list(), []);
    assert.equal((await carol.v1.accounts.verifyCredentials()).source.followRequestsCount, 0);
    assert.equal((await alice.v1.accounts.$select(ids.carol).fetch()).followersCount, 1);

    // now alice may read carol's private statuses, and new ones reach her home
    assert.equal((await alice.v1.statuses.$select(priv.id).fetch()).id, priv.id);
    const newer = await carol.v1.statuses.create({ status: "for my followers", visibility: "private" });
    const home = await alice.v1.timelines.home.list({ limit: 20 });
    assert.ok(home.some((s) => s.id === newer.id));
  });

  it("a rejected follow request leaves no follow", async () => {
    const rel = await dave.v1.accounts.$select(ids.carol).follow();
    assert.equal(rel.requested, true);
    const requests = await carol.v1.followRequests.list();
    assert.deepEqual(
      requests.map((a) => a.id),
      [ids.dave],
    );
    const rejected = await carol.v1.followRequests.$select(ids.dave).reject();
    assert.equal(rejected.id, ids.dave);
    assert.equal(rejected.followedBy, false);
    assert.equal(rejected.requestedBy, false);
    const [r] = await dave.v1.accounts.relationships.fetch({ id: [ids.carol] });
    assert.equal(r.following, false);
    assert.equal(r.requested, false);
    assert.deepEqual(await carol.v1.followRequests.list(), []);
  });

  it("authorising a request that does not exist is a 404", async () => {
    await expectHttpError(carol.v1.followRequests.$select(ids.bob).authorize(), 404);
  });

  it("follow options reblogs/notify are stored and reported", async () => {
    const rel = await dave.v1.accounts.$select(ids.bob).follow({ reblogs: false, notify: true });
    assert.equal(rel.following, true);
    assert.equal(rel.showingReblogs, false);
    assert.equal(rel.notifying, true);
    const [again] = await dave.v1.accounts.relationships.fetch({ id: [ids.bob] });
    assert.equal(again.showingReblogs, false);
    assert.equal(again.notifying, true);
    // following again with other options updates them (Mastodon: change_follow_options!)
    const changed = await dave.v1.accounts.$select(ids.bob).follow({ reblogs: true, notify: false });
    assert.equal(changed.showingReblogs, true);
    assert.equal(changed.notifying, false);
  });

  it("followers list paginates with masto's paginator (Link headers), newest follow first", async () => {
    // bob's followers now: dave (previous test); add alice and carol, in this order
    await alice.v1.accounts.$select(ids.bob).follow();
    await carol.v1.accounts.$select(ids.bob).follow();
    const pages = [];
    for await (const page of alice.v1.accounts.$select(ids.bob).followers.list({ limit: 1 }).values()) {
      pages.push(page);
      if (page.length === 0 || pages.length > 6) break;
    }
    const got = pages.flat().map((a) => a.id);
    assert.deepEqual(got, [ids.carol, ids.alice, ids.dave], "one per page, most recent follower first");
    assert.ok(pages.slice(0, 3).every((p) => p.length === 1));
  });

  it("lookup accepts the local domain in acct", async () => {
    const a = await dave.v1.accounts.lookup({ acct: `carol@${server.host}` });
    assert.equal(a.id, ids.carol);
    assert.equal(a.acct, "carol", "acct of a local account has no domain");
  });

  it("cannot follow oneself", async () => {
    await expectHttpError(alice.v1.accounts.$select(ids.alice).follow(), [403, 404]);
    const me = await alice.v1.accounts.verifyCredentials();
    const following = await alice.v1.accounts.$select(ids.alice).following.list();
    assert.ok(!following.some((a) => a.id === ids.alice));
    assert.equal(me.followersCount, 0);
  });

  it("following a missing account is a 404", async () => {
    await expectHttpError(alice.v1.accounts.$select("999999999999").follow(), 404);
  });
});
