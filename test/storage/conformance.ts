/**
 * The ObjectStore conformance suite: written once, run against every backend (local disk
 * and a real S3 server), so both behave the same. Each call gets fresh buckets.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ObjectStore, VersionEntry } from "../../src/storage/types.js";
import { StorageError } from "../../src/storage/errors.js";

export interface StoreUnderTest {
  /** A bucket created with Object Lock (and so versioning). */
  locked: ObjectStore;
  /** A versioned bucket without Object Lock. */
  plain: ObjectStore;
  /** Called when the suite ends. */
  cleanup(): Promise<void>;
}

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** Asserts the promise fails with a StorageError of this code. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

function chunkedStream(total: number, chunk = 64 * 1024): { stream: Readable; sha256: string } {
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < total; offset += chunk) {
    const b = Buffer.alloc(Math.min(chunk, total - offset), offset % 251);
    b.writeUInt32LE(offset, 0);
    hash.update(b);
    chunks.push(b);
  }
  return { stream: Readable.from(chunks), sha256: hash.digest("hex") };
}

export function objectStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let s: StoreUnderTest;
    let store: ObjectStore;
    let locked: ObjectStore;

    before(async () => {
      s = await factory();
      store = s.plain;
      locked = s.locked;
    });
    after(async () => {
      await s?.cleanup();
    });

    test("put a buffer, read it back with its SHA-256, content type and metadata", async () => {
      const body = Buffer.from("hello, bulwark\n");
      const put = await store.put("docs/hello.txt", body, {
        contentType: "text/plain",
        metadata: { Source: "unit-test" },
      });
      assert.equal(put.size, body.length);
      assert.equal(put.sha256, sha(body));
      assert.ok(put.versionId);
      const info = await store.head("docs/hello.txt");
      assert.equal(info.size, body.length);
      assert.equal(info.sha256, sha(body));
      assert.equal(info.contentType, "text/plain");
      assert.deepEqual(info.metadata, { source: "unit-test" });
      assert.equal(info.versionId, put.versionId);
      assert.equal(info.legalHold, false);
      assert.deepEqual(await store.getBuffer("docs/hello.txt"), body);
      assert.equal(await store.exists("docs/hello.txt"), true);
      assert.equal(await store.exists("docs/absent.txt"), false);
    });

    test("put a string and an empty body", async () => {
      await store.put("docs/s.txt", "ünïcödé");
      assert.equal((await store.getBuffer("docs/s.txt")).toString("utf8"), "ünïcödé");
      const empty = await store.put("docs/empty", Buffer.alloc(0));
      assert.equal(empty.size, 0);
      assert.equal(empty.sha256, sha(""));
      assert.equal((await store.getBuffer("docs/empty")).length, 0);
      assert.equal((await store.head("docs/empty")).contentType, "application/octet-stream");
    });

    test("a stream of unknown length is hashed while written (large enough for multipart)", async () => {
      const size = 12 * 1024 * 1024 + 123;
      const { stream, sha256 } = chunkedStream(size);
      const put = await store.put("big/stream.bin", stream);
      assert.equal(put.size, size);
      assert.equal(put.sha256, sha256);
      const info = await store.head("big/stream.bin");
      assert.equal(info.size, size);
      assert.equal(info.sha256, sha256);
      const report = await store.verify("big/stream.bin");
      assert.equal(report.sha256Matches, true);
    });

    test("byte ranges", async () => {
      await store.put("range.txt", "0123456789");
      assert.equal((await store.getBuffer("range.txt", { range: { start: 2, end: 5 } })).toString(), "2345");
      assert.equal((await store.getBuffer("range.txt", { range: { start: 7 } })).toString(), "789");
      assert.equal((await store.getBuffer("range.txt", { range: { start: 8, end: 100 } })).toString(), "89");
      await rejectsWith(store.getBuffer("range.txt", { range: { start: 10 } }), "INVALID_RANGE");
      await rejectsWith(store.getBuffer("range.txt", { range: { start: 5, end: 2 } }), "INVALID_ARGUMENT");
    });

    test("missing keys are NO_SUCH_KEY", async () => {
      await rejectsWith(store.head("nope/missing"), "NO_SUCH_KEY");
      await rejectsWith(store.getBuffer("nope/missing"), "NO_SUCH_KEY");
    });

    test("invalid keys are refused before anything is written", async () => {
      const keys = async () => {
        const all: string[] = [];
        for await (const e of store.listAll("")) all.push(e.key);
        return all;
      };
      const before = await keys();
      for (const key of ["", "/abs", "a/../b", "..", "a//b", "a/", "tab\there", "nl\nx", "x".repeat(1025)]) {
        const err = await rejectsWith(store.put(key, "x"), "INVALID_KEY");
        assert.match(err.message, /^invalid object key /);
        await rejectsWith(store.head(key), "INVALID_KEY");
      }
      const forged = await rejectsWith(
        store.put("ok", "x", { metadata: { sha256: "forged" } }),
        "INVALID_ARGUMENT",
      );
      assert.match(forged.message, /reserved for the content's SHA-256/);
      assert.deepEqual(await keys(), before, "nothing was written");
      assert.equal(await store.exists("ok"), false);
    });

    test("every write makes a version; versions can be read, listed and deleted", async () => {
      const v1 = await store.put("v/doc", "one");
      const v2 = await store.put("v/doc", "two");
      assert.notEqual(v1.versionId, v2.versionId);
      assert.equal((await store.getBuffer("v/doc")).toString(), "two");
      assert.equal((await store.getBuffer("v/doc", { versionId: v1.versionId })).toString(), "one");
      assert.equal((await store.head("v/doc", { versionId: v1.versionId })).sha256, sha("one"));
      const versions = await store.listVersions("v/doc");
      assert.deepEqual(
        versions.map((v) => [v.versionId, v.isLatest, v.isDeleteMarker]),
        [
          [v2.versionId, true, false],
          [v1.versionId, false, false],
        ],
      );
      const del = await store.delete("v/doc", { versionId: v1.versionId });
      assert.equal(del.deleteMarker, false);
      await rejectsWith(store.head("v/doc", { versionId: v1.versionId }), "NO_SUCH_VERSION");
      await rejectsWith(store.delete("v/doc", { versionId: v1.versionId }), "NO_SUCH_VERSION");
      assert.equal((await store.listVersions("v/doc")).length, 1);
      assert.deepEqual(await store.listVersions("v/never-written"), []);
    });

    test("a delete without a version id leaves a delete marker, like S3", async () => {
      const v1 = await store.put("dm/doc", "kept");
      const del = await store.delete("dm/doc");
      assert.equal(del.deleteMarker, true);
      assert.ok(del.versionId);
      await rejectsWith(store.getBuffer("dm/doc"), "NO_SUCH_KEY");
      assert.equal(await store.exists("dm/doc"), false);
      assert.equal((await store.getBuffer("dm/doc", { versionId: v1.versionId })).toString(), "kept");
      const versions: VersionEntry[] = await store.listVersions("dm/doc");
      assert.equal(versions.length, 2);
      assert.equal(versions[0]?.isDeleteMarker, true);
      assert.equal(versions[0]?.isLatest, true);
      await rejectsWith(store.head("dm/doc", { versionId: del.versionId as string }), "NO_SUCH_VERSION");
      // Removing the marker brings the object back.
      const undo = await store.delete("dm/doc", { versionId: del.versionId as string });
      assert.equal(undo.deleteMarker, true);
      assert.equal((await store.getBuffer("dm/doc")).toString(), "kept");
    });

    test("listAllVersions: every version and delete marker under a prefix, keys in byte order", async () => {
      const a1 = await store.put("lv/a/x.json", "one");
      const a2 = await store.put("lv/a/x.json", "two");
      const hidden = await store.put("lv/a/y.json", "hidden");
      const marker = await store.delete("lv/a/y.json");
      const nested = await store.put("lv/a/sub/z", "z");
      await store.put("lv/b.txt", "outside the prefix");
      await store.put("lv/ab", "a partial segment matches, like S3");
      const all: VersionEntry[] = [];
      for await (const v of store.listAllVersions("lv/a")) all.push(v);
      assert.deepEqual(
        all.map((v) => [v.key, v.versionId, v.isLatest, v.isDeleteMarker]),
        [
          ["lv/a/sub/z", nested.versionId, true, false],
          ["lv/a/x.json", a2.versionId, true, false],
          ["lv/a/x.json", a1.versionId, false, false],
          ["lv/a/y.json", marker.versionId, true, true],
          ["lv/a/y.json", hidden.versionId, false, false],
          ["lv/ab", all.find((v) => v.key === "lv/ab")?.versionId, true, false],
        ],
      );
      // listAll shows live keys only: the deleted one is not there.
      const live: string[] = [];
      for await (const e of store.listAll("lv/a/")) live.push(e.key);
      assert.deepEqual(live, ["lv/a/sub/z", "lv/a/x.json"]);
      const none: VersionEntry[] = [];
      for await (const v of store.listAllVersions("lv/nothing/")) none.push(v);
      assert.deepEqual(none, []);
    });

    test("list: prefix, delimiter, pagination, deleted keys hidden", async () => {
      const keys = [
        "l/a.txt",
        "l/b/1.txt",
        "l/b/2.txt",
        "l/c.txt",
        "l/c/x.txt",
        "l/d/e/f.txt",
        "l/z.txt",
        "l/.hidden",
      ];
      for (const k of keys) await store.put(k, k);
      await store.put("l/gone.txt", "x");
      await store.delete("l/gone.txt");
      await store.put("l/deleted-dir/only.txt", "x");
      await store.delete("l/deleted-dir/only.txt");

      const flat = await store.list({ prefix: "l/" });
      assert.deepEqual(
        flat.objects.map((o) => o.key),
        [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
      );
      assert.deepEqual(flat.prefixes, []);
      assert.equal(flat.objects.find((o) => o.key === "l/a.txt")?.size, "l/a.txt".length);

      const shallow = await store.list({ prefix: "l/", delimiter: "/" });
      assert.deepEqual(
        shallow.objects.map((o) => o.key),
        ["l/.hidden", "l/a.txt", "l/c.txt", "l/z.txt"],
      );
      assert.deepEqual(shallow.prefixes, ["l/b/", "l/c/", "l/d/"]);

      const partial = await store.list({ prefix: "l/c" });
      assert.deepEqual(
        partial.objects.map((o) => o.key),
        ["l/c.txt", "l/c/x.txt"],
      );

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({
          prefix: "l/",
          delimiter: "/",
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        assert.ok(page.objects.length + page.prefixes.length <= 2);
        seen.push(...page.objects.map((o) => o.key), ...page.prefixes);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      assert.deepEqual(seen.sort(), [...shallow.objects.map((o) => o.key), ...shallow.prefixes].sort());

      const all: string[] = [];
      for await (const e of store.listAll("l/b/")) all.push(e.key);
      assert.deepEqual(all, ["l/b/1.txt", "l/b/2.txt"]);
      assert.deepEqual((await store.list({ prefix: "no-such-prefix/" })).objects, []);
    });

    test("copy keeps content, SHA-256 and metadata; content type can be replaced", async () => {
      const src = await store.put("c/src.json", '{"a":1}', {
        contentType: "application/json",
        metadata: { k: "v" },
      });
      const copy = await store.copy("c/src.json", "c/dst.json");
      assert.equal(copy.sha256, src.sha256);
      const info = await store.head("c/dst.json");
      assert.equal(info.sha256, src.sha256);
      assert.equal(info.contentType, "application/json");
      assert.deepEqual(info.metadata, { k: "v" });
      await store.put("c/src.json", "newer");
      const old = await store.copy("c/src.json", "c/old.txt", {
        sourceVersionId: src.versionId,
        contentType: "text/plain",
      });
      assert.equal(old.sha256, src.sha256);
      assert.equal((await store.getBuffer("c/old.txt")).toString(), '{"a":1}');
      assert.equal((await store.head("c/old.txt")).contentType, "text/plain");
      await rejectsWith(store.copy("c/missing", "c/x"), "NO_SUCH_KEY");
    });

    test("presigned links carry the key and refuse bad expiries", async () => {
      await store.put("p/file.txt", "x");
      const get = await store.presignGet("p/file.txt", 60);
      const put = await store.presignPut("p/upload.txt", 60);
      assert.match(get, /p\/file\.txt/);
      assert.match(put, /p\/upload\.txt/);
      await rejectsWith(store.presignGet("p/file.txt", 0), "INVALID_ARGUMENT");
      await rejectsWith(store.presignGet("p/file.txt", 8 * 86400), "INVALID_ARGUMENT");
    });

    describe("Object Lock", () => {
      test("a bucket without lock refuses WORM with a message saying how to fix it", async () => {
        await store.put("nolock.txt", "x");
        const err = await rejectsWith(
          store.put("nolock2.txt", "x", { retention: { mode: "GOVERNANCE", retainUntil: inDays(1) } }),
          "BUCKET_LOCK_NOT_ENABLED",
        );
        assert.match(err.message, /create a new bucket with Object Lock/);
        assert.equal(await store.exists("nolock2.txt"), false, "the refused put wrote nothing");
        await rejectsWith(store.putLegalHold("nolock.txt", true), "BUCKET_LOCK_NOT_ENABLED");
        await rejectsWith(
          store.putRetention("nolock.txt", { mode: "COMPLIANCE", retainUntil: inDays(1) }),
          "BUCKET_LOCK_NOT_ENABLED",
        );
        const unchanged = await store.head("nolock.txt");
        assert.deepEqual([unchanged.legalHold, unchanged.retention], [false, undefined]);
        await rejectsWith(store.init({ objectLock: true }), "BUCKET_LOCK_NOT_ENABLED");
        await rejectsWith(
          store.setDefaultRetention({ mode: "GOVERNANCE", days: 1 }),
          "BUCKET_LOCK_NOT_ENABLED",
        );
        assert.deepEqual(await store.getLockConfig(), { enabled: false });
        // Without lock, versions can be deleted freely.
        const v = await store.head("nolock.txt");
        await store.delete("nolock.txt", { versionId: v.versionId });
      });

      test("the lock bucket reports lock enabled", async () => {
        assert.equal((await locked.getLockConfig()).enabled, true);
        // init on an existing lock bucket is idempotent.
        assert.equal((await locked.init({ objectLock: true })).enabled, true);
      });

      test("COMPLIANCE: nobody deletes or shortens; extending is allowed", async () => {
        const until = inDays(1);
        const v = await locked.put("wc/audit.jsonl", "evidence", {
          retention: { mode: "COMPLIANCE", retainUntil: until },
        });
        const info = await locked.head("wc/audit.jsonl");
        assert.equal(info.retention?.mode, "COMPLIANCE");
        assert.ok(Math.abs(Date.parse(info.retention?.retainUntil ?? "") - Date.parse(until)) < 2000);

        await rejectsWith(locked.delete("wc/audit.jsonl", { versionId: v.versionId }), "OBJECT_LOCKED");
        await rejectsWith(
          locked.delete("wc/audit.jsonl", { versionId: v.versionId, bypassGovernance: true }),
          "OBJECT_LOCKED",
        );
        const opts = { versionId: v.versionId, bypassGovernance: true };
        await rejectsWith(
          locked.putRetention("wc/audit.jsonl", { mode: "COMPLIANCE", retainUntil: inDays(0.5) }, opts),
          "RETENTION_SHORTENING_REFUSED",
        );
        await rejectsWith(
          locked.putRetention("wc/audit.jsonl", { mode: "GOVERNANCE", retainUntil: inDays(2) }, opts),
          "RETENTION_SHORTENING_REFUSED",
        );
        const removed = await rejectsWith(
          locked.putRetention("wc/audit.jsonl", null, opts),
          "RETENTION_SHORTENING_REFUSED",
        );
        assert.match(removed.message, /cannot be removed by anyone; it can only be extended/);
        const kept = await locked.head("wc/audit.jsonl", { versionId: v.versionId });
        assert.equal(kept.retention?.mode, "COMPLIANCE", "the retention is unchanged");
        assert.ok(Math.abs(Date.parse(kept.retention?.retainUntil ?? "") - Date.parse(until)) < 2000);
        assert.equal(
          (await locked.getBuffer("wc/audit.jsonl")).toString(),
          "evidence",
          "the version is kept",
        );

        const later = inDays(2);
        await locked.putRetention(
          "wc/audit.jsonl",
          { mode: "COMPLIANCE", retainUntil: later },
          { versionId: v.versionId },
        );
        const extended = await locked.head("wc/audit.jsonl", { versionId: v.versionId });
        assert.ok(Math.abs(Date.parse(extended.retention?.retainUntil ?? "") - Date.parse(later)) < 2000);

        // A plain delete only adds a marker; the locked version stays readable.
        const marker = await locked.delete("wc/audit.jsonl");
        assert.equal(marker.deleteMarker, true);
        assert.equal(
          (await locked.getBuffer("wc/audit.jsonl", { versionId: v.versionId })).toString(),
          "evidence",
        );
        // Writing the key again adds a version; the locked one is untouched.
        await locked.put("wc/audit.jsonl", "newer");
        assert.equal(
          (await locked.getBuffer("wc/audit.jsonl", { versionId: v.versionId })).toString(),
          "evidence",
        );
        assert.equal(
          (await locked.head("wc/audit.jsonl", { versionId: v.versionId })).retention?.mode,
          "COMPLIANCE",
        );
      });

      test("GOVERNANCE: deleting or shortening needs the privileged bypass", async () => {
        const until = inDays(1);
        const v = await locked.put("wg/model.bin", "weights", {
          retention: { mode: "GOVERNANCE", retainUntil: until },
        });
        await rejectsWith(locked.delete("wg/model.bin", { versionId: v.versionId }), "OBJECT_LOCKED");
        const shorten = await rejectsWith(
          locked.putRetention("wg/model.bin", { mode: "GOVERNANCE", retainUntil: inDays(0.5) }),
          "RETENTION_SHORTENING_REFUSED",
        );
        assert.match(shorten.message, /without the privileged governance bypass/);
        const kept = await locked.head("wg/model.bin", { versionId: v.versionId });
        assert.ok(Math.abs(Date.parse(kept.retention?.retainUntil ?? "") - Date.parse(until)) < 2000);
        assert.equal((await locked.getBuffer("wg/model.bin")).toString(), "weights", "the version is kept");
        await locked.putRetention("wg/model.bin", { mode: "GOVERNANCE", retainUntil: inDays(3) });
        await locked.putRetention(
          "wg/model.bin",
          { mode: "GOVERNANCE", retainUntil: inDays(0.5) },
          { bypassGovernance: true },
        );
        await locked.delete("wg/model.bin", { versionId: v.versionId, bypassGovernance: true });
        await rejectsWith(locked.head("wg/model.bin", { versionId: v.versionId }), "NO_SUCH_VERSION");
      });

      test("legal hold blocks deletion whatever the bypass, until it is taken off", async () => {
        const v = await locked.put("wl/case.txt", "held", { legalHold: true });
        assert.equal((await locked.head("wl/case.txt")).legalHold, true);
        const held = await rejectsWith(
          locked.delete("wl/case.txt", { versionId: v.versionId, bypassGovernance: true }),
          "OBJECT_LOCKED",
        );
        assert.match(held.message, /legal hold/);
        assert.equal((await locked.getBuffer("wl/case.txt")).toString(), "held", "the version is kept");
        await locked.putLegalHold("wl/case.txt", false, { versionId: v.versionId });
        assert.equal((await locked.head("wl/case.txt")).legalHold, false);
        await locked.putLegalHold("wl/case.txt", true);
        assert.equal((await locked.head("wl/case.txt")).legalHold, true);
        await locked.putLegalHold("wl/case.txt", false);
        await locked.delete("wl/case.txt", { versionId: v.versionId });
      });

      test("retention cannot be set in the past", async () => {
        await locked.put("wp/x", "x");
        const err = await rejectsWith(
          locked.putRetention("wp/x", {
            mode: "GOVERNANCE",
            retainUntil: new Date(Date.now() - 1000).toISOString(),
          }),
          "INVALID_ARGUMENT",
        );
        assert.match(err.message, /retainUntil must be in the future/);
        assert.equal((await locked.head("wp/x")).retention, undefined, "no retention was set");
      });

      test("bucket default retention applies to new versions, including multipart ones", async () => {
        await locked.setDefaultRetention({ mode: "GOVERNANCE", days: 1 });
        try {
          assert.deepEqual((await locked.getLockConfig()).defaultRetention, { mode: "GOVERNANCE", days: 1 });
          const v = await locked.put("wd/report.json", "{}");
          const info = await locked.head("wd/report.json");
          assert.equal(info.retention?.mode, "GOVERNANCE");
          const until = Date.parse(info.retention?.retainUntil ?? "");
          assert.ok(Math.abs(until - (Date.now() + 86_400_000)) < 120_000, info.retention?.retainUntil);
          await rejectsWith(locked.delete("wd/report.json", { versionId: v.versionId }), "OBJECT_LOCKED");
          const { stream } = chunkedStream(7 * 1024 * 1024);
          await locked.put("wd/big.bin", stream);
          assert.equal((await locked.head("wd/big.bin")).retention?.mode, "GOVERNANCE");
          // An explicit retention wins over the default.
          await locked.put("wd/explicit.bin", chunkedStream(7 * 1024 * 1024).stream, {
            retention: { mode: "GOVERNANCE", retainUntil: inDays(3) },
          });
          const explicit = await locked.head("wd/explicit.bin");
          assert.ok(Date.parse(explicit.retention?.retainUntil ?? "") > Date.now() + 2.5 * 86_400_000);
        } finally {
          await locked.setDefaultRetention(undefined);
        }
        assert.equal((await locked.getLockConfig()).defaultRetention, undefined);
        await locked.put("wd/after.txt", "free");
        assert.equal((await locked.head("wd/after.txt")).retention, undefined);
      });

      test("a streamed multipart put gets the retention and legal hold asked for", async () => {
        const { stream, sha256 } = chunkedStream(12 * 1024 * 1024);
        const v = await locked.put("wm/snapshot.bin", stream, {
          retention: { mode: "GOVERNANCE", retainUntil: inDays(1) },
          legalHold: true,
        });
        const info = await locked.head("wm/snapshot.bin", { versionId: v.versionId });
        assert.equal(info.sha256, sha256);
        assert.equal(info.retention?.mode, "GOVERNANCE");
        assert.equal(info.legalHold, true);
        await locked.putLegalHold("wm/snapshot.bin", false, { versionId: v.versionId });
      });

      test("verify reports protection and integrity", async () => {
        const until = inDays(1);
        const v = await locked.put("wv/snap.json", '{"ok":true}', {
          retention: { mode: "COMPLIANCE", retainUntil: until },
        });
        const report = await locked.verify("wv/snap.json");
        assert.equal(report.protected, true);
        assert.equal(report.mode, "COMPLIANCE");
        assert.ok(Math.abs(Date.parse(report.retainUntil ?? "") - Date.parse(until)) < 2000);
        assert.equal(report.legalHold, false);
        assert.equal(report.sha256Matches, true);
        assert.equal(report.versionId, v.versionId);
        await locked.put("wv/free.json", "{}");
        const free = await locked.verify("wv/free.json");
        assert.equal(free.protected, false);
        assert.equal(free.mode, undefined);
        assert.equal(free.sha256Matches, true);
      });

      test("testDeletionProtection proves the refusal and never tries on an unlocked version", async () => {
        const v = await locked.put("wt/evidence.txt", "keep me", {
          retention: { mode: "COMPLIANCE", retainUntil: inDays(1) },
        });
        const report = await locked.testDeletionProtection("wt/evidence.txt");
        assert.equal(report.refused, true);
        assert.equal(report.errorCode, "OBJECT_LOCKED");
        assert.equal(report.versionId, v.versionId);
        assert.equal((await locked.getBuffer("wt/evidence.txt")).toString(), "keep me");

        const held = await locked.put("wt/held.txt", "held", { legalHold: true });
        assert.equal((await locked.testDeletionProtection("wt/held.txt")).refused, true);
        await locked.putLegalHold("wt/held.txt", false, { versionId: held.versionId });

        await locked.put("wt/free.txt", "unlocked");
        await rejectsWith(locked.testDeletionProtection("wt/free.txt"), "NOT_PROTECTED");
        assert.equal((await locked.getBuffer("wt/free.txt")).toString(), "unlocked");
        await rejectsWith(store.testDeletionProtection("docs/hello.txt"), "NOT_PROTECTED");
        assert.equal(await store.exists("docs/hello.txt"), true);
      });
    });
  });
}
