/**
 * hashBody is what both backends write bodies through (to a data file on disk, to a spool
 * for S3); the conformance suite checks the hashes it produces, these check the contract
 * the writers rely on: bytes in order, one chunk at a time, a failing sink stops the read.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { hashBody } from "../../src/storage/hashing.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

test("a stream's chunks reach the sink in order, strings as UTF-8, one at a time", async () => {
  const parts = [Buffer.from("ab"), "ünï", Buffer.alloc(0), Buffer.from([0, 255])];
  const expected = Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
  const seen: Buffer[] = [];
  let busy = false;
  const result = await hashBody(Readable.from(parts, { objectMode: true }), async (chunk) => {
    assert.equal(busy, false, "the next chunk arrived before the sink had finished the previous one");
    busy = true;
    await new Promise((r) => setTimeout(r, 5));
    seen.push(chunk);
    busy = false;
  });
  assert.deepEqual(Buffer.concat(seen), expected);
  assert.deepEqual(result, { sha256: sha(expected), size: expected.length });
});

test("a body already in memory is one chunk", async () => {
  for (const body of ["text", Buffer.from("text"), new Uint8Array([116, 101, 120, 116])]) {
    const seen: Buffer[] = [];
    const result = await hashBody(body, (chunk) => {
      seen.push(chunk);
    });
    assert.equal(seen.length, 1);
    assert.deepEqual(result, { sha256: sha(Buffer.from("text")), size: 4 });
  }
});

test("a failing sink rejects and stops reading the stream", async () => {
  let pulled = 0;
  async function* source() {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield Buffer.from([i]);
    }
  }
  await assert.rejects(
    hashBody(Readable.from(source()), () => {
      throw new Error("disk full");
    }),
    /disk full/,
  );
  assert.ok(pulled < 100, `read ${pulled} chunks after the sink failed`);
});
