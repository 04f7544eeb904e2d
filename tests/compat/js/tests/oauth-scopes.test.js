// OAuth as clients use it (fetch() for /oauth/*), and scope enforcement as
// masto.js surfaces it: MastoHttpError with statusCode 403.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient, MastoHttpError } from "masto";
import { startServer, createApp, passwordToken, http, expectHttpError } from "../lib/server.js";

describe("oauth and scopes", () => {
  let server, alice;

  before(async () => {
    server = await startServer({ accounts: [{ username: "alice" }] });
    alice = server.accounts.alice;
  });
  after(async () => {
    await server?.stop();
  });

  const clientWith = (token) => createRestAPIClient({ url: server.url, accessToken: token, timeout: 15_000 });

  it("password grant returns a Bearer token with the requested scopes", async () => {
    const tok = await passwordToken(server, alice, { scope: "read write follow" });
    assert.equal(typeof tok.access_token, "string");
    assert.ok(tok.access_token.length >= 20);
    assert.match(tok.token_type, /^bearer$/i);
    assert.deepEqual(tok.scope.split(" ").sort(), ["follow", "read", "write"]);
    assert.equal(Number.isInteger(tok.created_at), true, "created_at is a unix time integer");
    const me = await clientWith(tok.access_token).v1.accounts.verifyCredentials();
    assert.equal(me.id, alice.id);
  });

  it("a read-only token cannot post: 403 surfaced as MastoHttpError", async () => {
    const tok = await passwordToken(server, alice, { scope: "read" });
    const client = clientWith(tok.access_token);
    const me = await client.v1.accounts.verifyCredentials();
    assert.equal(me.username, "alice", "reading works");
    let caught;
    try {
      await client.v1.statuses.create({ status: "should not be posted" });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof MastoHttpError, `MastoHttpError expected, got ${caught?.constructor?.name}: ${caught?.message}`);
    assert.equal(caught.statusCode, 403);
    assert.equal(typeof caught.message, "string");
    assert.match(caught.message, /scope/i, "Mastodon: 'This action is outside the authorized scopes'");
    const after = await client.v1.accounts.verifyCredentials();
    assert.equal(after.statusesCount, 0, "nothing was posted");
    await expectHttpError(client.v1.accounts.updateCredentials({ displayName: "nope" }), 403);
    await expectHttpError(client.v1.accounts.$select(alice.id).follow(), 403);
  });

  it("the scope defaults to read when none is requested", async () => {
    const app = await createApp(server, { scopes: "read write follow" });
    const r = await http(server, "POST", "/oauth/token", {
      form: {
        grant_type: "password",
        username: alice.email,
        password: alice.password,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.scope, "read");
    await expectHttpError(clientWith(r.json.access_token).v1.statuses.create({ status: "x" }), 403);
  });

  it("a write-only token cannot read credentials (403)", async () => {
    const tok = await passwordToken(server, alice, { scope: "write" });
    const client = clientWith(tok.access_token);
    await expectHttpError(client.v1.accounts.verifyCredentials(), 403);
    const st = await client.v1.statuses.create({ status: "posted with write only" });
    assert.equal(st.account.id, alice.id);
  });

  it("granular scopes: read:accounts + write:statuses", async () => {
    const tok = await passwordToken(server, alice, { scope: "read:accounts write:statuses" });
    const client = clientWith(tok.access_token);
    assert.equal((await client.v1.accounts.verifyCredentials()).id, alice.id);
    const st = await client.v1.statuses.create({ status: "granular" });
    assert.equal(st.content.includes("granular"), true);
    await expectHttpError(client.v1.timelines.home.list(), 403);
    await expectHttpError(client.v1.accounts.$select(alice.id).follow(), 403);
  });

  it("an app cannot grant more than its own scopes", async () => {
    const app = await createApp(server, { scopes: "read" });
    const r = await http(server, "POST", "/oauth/token", {
      form: {
        grant_type: "password",
        username: alice.email,
        password: alice.password,
        client_id: app.client_id,
        client_secret: app.client_secret,
        scope: "read write",
      },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.error, "invalid_scope");
  });

  it("wrong password is invalid_grant (400) and gives no token", async () => {
    const app = await createApp(server);
    const r = await http(server, "POST", "/oauth/token", {
      form: {
        grant_type: "password",
        username: alice.email,
        password: "definitely-wrong",
        client_id: app.client_id,
        client_secret: app.client_secret,
        scope: "read",
      },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json?.error, "invalid_grant");
    assert.equal(r.json?.access_token, undefined);
  });

  it("wrong client secret is invalid_client (401)", async () => {
    const app = await createApp(server);
    const r = await http(server, "POST", "/oauth/token", {
      form: {
        grant_type: "password",
        username: alice.email,
        password: alice.password,
        client_id: app.client_id,
        client_secret: "not-the-secret",
        scope: "read",
      },
    });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json?.error, "invalid_client");
  });

  it("an unknown or revoked token is a 401 MastoHttpError", async () => {
    const bogus = clientWith("not-a-real-token");
    const err = await expectHttpError(bogus.v1.accounts.verifyCredentials(), 401);
    assert.match(err.message, /token/i, "Mastodon: 'The access token is invalid'");

    const app = await createApp(server);
    const tok = await passwordToken(server, alice, { scope: "read", app });
    const client = clientWith(tok.access_token);
    await client.v1.accounts.verifyCredentials();
    const rv = await http(server, "POST", "/oauth/revoke", {
      form: { client_id: app.client_id, client_secret: app.client_secret, token: tok.access_token },
    });
    assert.equal(rv.status, 200, rv.text);
    await expectHttpError(client.v1.accounts.verifyCredentials(), 401);
  });

  it("OAuth server metadata advertises the grants and scopes", async () => {
    const r = await http(server, "GET", "/.well-known/oauth-authorization-server");
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.grant_types_supported.includes("password"), "Mastodon.py needs 'password' here");
    assert.ok(r.json.grant_types_supported.includes("authorization_code"));
    assert.ok(r.json.scopes_supported.includes("read"));
    assert.ok(r.json.scopes_supported.includes("write:statuses"));
    assert.equal(new URL(r.json.token_endpoint).pathname, "/oauth/token");
    assert.equal(new URL(r.json.issuer).host, server.host);
  });
});
