// Instance metadata as masto.js reads it (masto 8 uses /api/v2/instance),
// v1 for older clients, registration modes, custom emojis and preferences.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRestAPIClient } from "masto";
import { startServer, clientFor, http } from "../lib/server.js";

describe("instance", () => {
  let server, anon, alice;

  before(async () => {
    server = await startServer({
      registrations: "open",
      accounts: [{ username: "alice", role: "admin" }, { username: "bob" }],
    });
    anon = createRestAPIClient({ url: server.url, timeout: 15_000 });
    alice = await clientFor(server, server.accounts.alice);
  });
  after(async () => {
    await server?.stop();
  });

  it("v2 instance has the fields masto and apps rely on", async () => {
    const inst = await anon.v2.instance.fetch();
    assert.equal(inst.domain, server.host, "domain is BONSAI_DOMAIN (host:port)");
    assert.equal(typeof inst.title, "string");
    assert.ok(inst.title.length > 0);
    assert.match(inst.version, /^\d+\.\d+\.\d+/, "apps parse a Mastodon-like semver prefix from version");
    assert.equal(typeof inst.sourceUrl, "string");
    assert.equal(typeof inst.description, "string");
    assert.equal(typeof inst.usage?.users?.activeMonth, "number");
    assert.equal(typeof inst.thumbnail?.url, "string");
    assert.ok(Array.isArray(inst.languages));
    const cfg = inst.configuration;
    assert.ok(cfg, "configuration present");
    assert.equal(typeof cfg.urls?.streaming, "string");
    assert.match(cfg.urls.streaming, /^wss?:\/\//, "streaming URL is ws(s)://");
    assert.ok(cfg.statuses.maxCharacters >= 500, "max_characters is a number >= 500");
    assert.equal(typeof cfg.statuses.maxMediaAttachments, "number");
    assert.equal(typeof cfg.statuses.charactersReservedPerUrl, "number");
    assert.ok(Array.isArray(cfg.mediaAttachments?.supportedMimeTypes));
    assert.equal(typeof cfg.polls?.maxOptions, "number");
    assert.equal(typeof cfg.accounts?.maxFeaturedTags, "number");
    assert.equal(typeof cfg.translation?.enabled, "boolean");
    assert.equal(inst.registrations.enabled, true);
    assert.equal(inst.registrations.approvalRequired, false);
    assert.equal(typeof inst.contact?.email, "string");
    assert.ok(Array.isArray(inst.rules));
  });

  it("v1 instance (older clients) agrees with v2", async () => {
    const v1 = await anon.v1.instance.fetch();
    const v2 = await anon.v2.instance.fetch();
    assert.equal(v1.uri, server.host, "uri is the bare domain in v1");
    assert.equal(v1.title, v2.title);
    assert.equal(v1.version, v2.version);
    assert.equal(v1.registrations, true);
    assert.equal(v1.approvalRequired, false);
    assert.equal(typeof v1.shortDescription, "string");
    assert.equal(typeof v1.email, "string");
    assert.match(v1.urls?.streamingApi ?? "", /^wss?:\/\//);
    assert.equal(v1.stats.userCount, 2, "two local users created");
    assert.equal(typeof v1.stats.statusCount, "number");
    assert.equal(typeof v1.stats.domainCount, "number");
    assert.equal(v1.configuration?.statuses?.maxCharacters, v2.configuration.statuses.maxCharacters);
  });

  it("answers /api/v1/instance/ with a trailing slash too (Mastodon.py does this)", async () => {
    const r = await http(server, "GET", "/api/v1/instance/");
    assert.equal(r.status, 200);
    assert.equal(r.json?.uri, server.host);
  });

  it("custom emojis is a (possibly empty) list of CustomEmoji", async () => {
    const emojis = await anon.v1.customEmojis.list();
    assert.ok(Array.isArray(emojis));
    for (const e of emojis) {
      assert.equal(typeof e.shortcode, "string");
      assert.equal(typeof e.url, "string");
      assert.equal(typeof e.visibleInPicker, "boolean");
    }
  });

  it("preferences reflect the account's defaults", async () => {
    const prefs = await alice.v1.preferences.fetch();
    assert.equal(prefs["posting:default:visibility"], "public");
    assert.equal(prefs["posting:default:sensitive"], false);
    assert.ok("posting:default:language" in prefs);
    assert.equal(prefs["reading:expand:media"], "default");
    assert.equal(prefs["reading:expand:spoilers"], false);
    await alice.v1.accounts.updateCredentials({ source: { privacy: "private", sensitive: true } });
    const after = await alice.v1.preferences.fetch();
    assert.equal(after["posting:default:visibility"], "private");
    assert.equal(after["posting:default:sensitive"], true);
  });
});

describe("registration modes show in instance metadata", () => {
  for (const [mode, enabled, approval] of [
    ["approval", true, true],
    ["closed", false, false],
  ]) {
    it(`BONSAI_REGISTRATIONS=${mode}`, async () => {
      // one CLI-made account (a server started on an empty database makes a first admin itself)
      const server = await startServer({ registrations: mode, accounts: [{ username: "solo" }] });
      try {
        const client = createRestAPIClient({ url: server.url, timeout: 15_000 });
        const v2 = await client.v2.instance.fetch();
        assert.equal(v2.registrations.enabled, enabled, "v2 registrations.enabled");
        assert.equal(v2.registrations.approvalRequired, approval, "v2 registrations.approval_required");
        const v1 = await client.v1.instance.fetch();
        assert.equal(v1.registrations, enabled, "v1 registrations");
        assert.equal(v1.approvalRequired, approval, "v1 approval_required");
        assert.equal(v1.stats.userCount, 1);
      } finally {
        await server.stop();
      }
    });
  }
});
