// Accounts through masto.js: verify/update credentials, fetch, lookup, search,
// and app registration through masto itself.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient } from "masto";
import { startServer, clientFor, expectHttpError } from "../lib/server.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

describe("accounts", () => {
  let server, alice, bob, anon;

  before(async () => {
    server = await startServer({
      accounts: [{ username: "alice" }, { username: "bob" }],
    });
    alice = await clientFor(server, server.accounts.alice);
    bob = await clientFor(server, server.accounts.bob);
    anon = createRestAPIClient({ url: server.url, timeout: 15_000 });
  });
  after(async () => {
    await server?.stop();
  });

  it("verifyCredentials returns the CLI-created account as a CredentialAccount", async () => {
    const me = await alice.v1.accounts.verifyCredentials();
    assert.equal(me.id, server.accounts.alice.id, "id is the one `admin account create` printed");
    assert.match(me.id, /^\d+$/, "ids are numeric strings");
    assert.equal(me.username, "alice");
    assert.equal(me.acct, "alice", "local accounts have acct without domain");
    assert.equal(typeof me.displayName, "string");
    assert.equal(me.locked, false);
    assert.equal(me.bot, false);
    assert.match(me.createdAt, ISO);
    assert.equal(me.followersCount, 0);
    assert.equal(me.followingCount, 0);
    assert.equal(me.statusesCount, 0);
    assert.ok(Array.isArray(me.emojis));
    assert.ok(Array.isArray(me.fields));
    assert.equal(typeof me.url, "string");
    assert.ok(me.url.startsWith(server.url), `url ${me.url} is on ${server.url}`);
    assert.match(me.url, /alice/);
    assert.equal(typeof me.avatar, "string");
    assert.ok(me.avatar.length > 0, "avatar is a URL (a default one when none uploaded)");
    assert.equal(typeof me.avatarStatic, "string");
    assert.equal(typeof me.header, "string");
    // CredentialAccount extras
    assert.ok(me.source, "source present on verify_credentials");
    assert.equal(me.source.privacy, "public");
    assert.equal(me.source.sensitive, false);
    assert.equal(me.source.note, "");
    assert.ok(Array.isArray(me.source.fields));
    assert.equal(me.source.followRequestsCount, 0);
    assert.ok(me.role, "CredentialAccount has a role");
  });

  it("updateCredentials (multipart PATCH) changes display name, note, fields, privacy", async () => {
    const updated = await alice.v1.accounts.updateCredentials({
      displayName: "Alice in Bonsai",
      note: "Hello from *alice*",
      fieldsAttributes: [
        { name: "Site", value: "garden" },
        { name: "Pronouns", value: "she/her" },
      ],
      source: { privacy: "unlisted" },
    });
    assert.equal(updated.id, server.accounts.alice.id);
    assert.equal(updated.displayName, "Alice in Bonsai");
    assert.equal(updated.source.note, "Hello from *alice*", "source.note keeps the plain text");
    assert.match(updated.note, /Hello from/, "note is rendered (HTML)");
    assert.deepEqual(
      updated.fields.map((f) => f.name),
      ["Site", "Pronouns"],
    );
    assert.match(updated.fields[0].value, /garden/);
    assert.deepEqual(
      updated.source.fields.map((f) => [f.name, f.value]),
      [
        ["Site", "garden"],
        ["Pronouns", "she/her"],
      ],
    );
    assert.equal(updated.source.privacy, "unlisted");

    const again = await alice.v1.accounts.verifyCredentials();
    assert.equal(again.displayName, "Alice in Bonsai");
    assert.equal(again.source.privacy, "unlisted");
    assert.equal(again.fields.length, 2);

    // Seen by someone else, too.
    const seen = await bob.v1.accounts.$select(server.accounts.alice.id).fetch();
    assert.equal(seen.displayName, "Alice in Bonsai");
    assert.equal(seen.source, undefined, "a plain Account has no source");

    // default visibility is used when a status is posted without one
    const st = await alice.v1.statuses.create({ status: "default visibility please" });
    assert.equal(st.visibility, "unlisted");
    await alice.v1.accounts.updateCredentials({ source: { privacy: "public" } });
    const st2 = await alice.v1.statuses.create({ status: "public again" });
    assert.equal(st2.visibility, "public");
  });

  it("updateCredentials toggles locked and bot with multipart booleans", async () => {
    const a = await bob.v1.accounts.updateCredentials({ locked: true, bot: true });
    assert.equal(a.locked, true);
    assert.equal(a.bot, true);
    const b = await bob.v1.accounts.updateCredentials({ locked: false, bot: false });
    assert.equal(b.locked, false);
    assert.equal(b.bot, false);
  });

  it("accounts.$select(id).fetch works with and without a token", async () => {
    const a = await bob.v1.accounts.$select(server.accounts.alice.id).fetch();
    assert.equal(a.id, server.accounts.alice.id);
    assert.equal(a.username, "alice");
    const b = await anon.v1.accounts.$select(server.accounts.bob.id).fetch();
    assert.equal(b.username, "bob");
  });

  it("unknown account id is a 404 MastoHttpError", async () => {
    const err = await expectHttpError(alice.v1.accounts.$select("999999999999").fetch(), 404);
    assert.equal(typeof err.message, "string");
  });

  it("lookup finds a local account by acct, 404 otherwise", async () => {
    const a = await alice.v1.accounts.lookup({ acct: "bob" });
    assert.equal(a.id, server.accounts.bob.id);
    assert.equal(a.acct, "bob");
    const b = await anon.v1.accounts.lookup({ acct: "alice" });
    assert.equal(b.id, server.accounts.alice.id);
    await expectHttpError(alice.v1.accounts.lookup({ acct: "nobody-here" }), 404);
  });

  it("search finds local accounts by username prefix", async () => {
    const page = await alice.v1.accounts.search.list({ q: "bo", limit: 5 });
    assert.ok(Array.isArray(page));
    assert.ok(
      page.some((a) => a.id === server.accounts.bob.id),
      `bob in ${JSON.stringify(page.map((a) => a.acct))}`,
    );
    assert.ok(!page.some((a) => a.acct === "nobody"));
  });

  it("apps.create through masto, then apps.verifyCredentials with a client_credentials token", async () => {
    const app = await anon.v1.apps.create({
      clientName: "masto compat app",
      redirectUris: "urn:ietf:wg:oauth:2.0:oob",
      scopes: "read write",
      website: "https://example.org",
    });
    assert.equal(app.name, "masto compat app");
    assert.equal(typeof app.clientId, "string");
    assert.equal(typeof app.clientSecret, "string");
    assert.ok(app.clientId.length > 0 && app.clientSecret.length > 0);

    const r = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credentials",
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: "read",
      }),
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, "Bearer");
    const appClient = createRestAPIClient({ url: server.url, accessToken: body.access_token });
    const verified = await appClient.v1.apps.verifyCredentials();
    assert.equal(verified.name, "masto compat app");
    assert.equal(verified.clientSecret, undefined, "verify_credentials does not leak the secret");
    // An app token has no user: Mastodon answers 422 for user-only endpoints.
    await expectHttpError(appClient.v1.accounts.verifyCredentials(), 422);
  });
});
