// Media through masto.js: v2 upload of a Blob (multipart built by the client), a status with
// it, updating the description, the served file, and Mastodon's error for a bad file.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { startServer, clientFor, expectHttpError } from "../lib/server.js";

/** A small RGB PNG, built by hand (no image library in the test). */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = [0];
    for (let x = 0; x < w; x++) row.push((x * 255) / w, (y * 255) / h, 128);
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("media", () => {
  let server, alice;

  before(async () => {
    server = await startServer({ accounts: [{ username: "alice" }] });
    alice = await clientFor(server, server.accounts.alice);
  });
  after(async () => {
    await server?.stop();
  });

  it("uploads a Blob through v2 and posts a status with it", async () => {
    const file = new Blob([png(48, 32)], { type: "image/png" });
    const media = await alice.v2.media.create({ file, description: "a gradient" });
    assert.equal(media.type, "image");
    assert.equal(media.description, "a gradient");
    assert.equal(media.meta.original.width, 48);
    assert.equal(media.meta.original.height, 32);
    assert.ok(media.blurhash, "blurhash");
    assert.ok(media.url.startsWith(`${server.url}/system/`), media.url);
    assert.ok(media.previewUrl, "preview");

    const served = await fetch(media.url);
    assert.equal(served.status, 200);
    assert.match(served.headers.get("content-type"), /^image\/(png|jpeg)$/);
    const part = await fetch(media.url, { headers: { Range: "bytes=0-3" } });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 4);

    const updated = await alice.v1.media.$select(media.id).update({ description: "better" });
    assert.equal(updated.description, "better");

    const st = await alice.v1.statuses.create({ status: "with media", mediaIds: [media.id] });
    assert.deepEqual(
      st.mediaAttachments.map((m) => m.id),
      [media.id],
    );
    assert.equal(st.mediaAttachments[0].description, "better");
    const media2 = await alice.v2.media.create({ file: new Blob([png(8, 8)], { type: "image/png" }) });
    const onlyMedia = await alice.v1.statuses.create({ status: "", mediaIds: [media2.id] });
    assert.equal(onlyMedia.mediaAttachments.length, 1);
  });

  it("refuses a file that is not media with Mastodon's 422", async () => {
    const file = new Blob([Buffer.from("definitely not an image")], { type: "image/png" });
    const err = await expectHttpError(alice.v2.media.create({ file }), 422);
    assert.match(String(err.message), /content type is invalid/);
  });
});
