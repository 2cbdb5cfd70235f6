/**
 * A model format that owns several files (weights plus tokenizer.json, as an ONNX
 * transformer would), on SQLite and on PostgreSQL: every file stored beside the artifact
 * with its SHA-256 recorded, loaded only when every file verifies, and a companion file
 * changed in the object store refused exactly like a changed artifact.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { BulwarkError, IntegrityError } from "../../src/core/errors.js";
import { registerModelFormat } from "../../src/registry/model-formats.js";
import { testDatabases } from "../db/databases.js";
import {
  pairFiles,
  tamper,
  testArtifact,
  testRegistry,
  PAIR_FORMAT,
  TEST_FORMAT,
  type PairModel,
  type TestRegistry,
} from "./helpers.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const TOKENIZER = "tokenizer.json";

async function registerPair(t: TestRegistry, name: string, label: string) {
  return t.registry.register({ name, format: PAIR_FORMAT, ...pairFiles(label) });
}

for (const d of await testDatabases()) {
  describe(`a format of several files on ${d.dialect}`, () => {
    test("every file sits in models/{name}/{version}/ with its SHA-256 recorded, and loads together", async () => {
      const t = await testRegistry(await d.open());
      const files = pairFiles("one");
      const tokenizer = files.companions[TOKENIZER]!;
      const v = await t.registry.register({ name: "pair", format: PAIR_FORMAT, ...files });

      assert.equal(v.artifactKey, "models/pair/1.0.0/weights.bin");
      assert.equal(v.sha256, sha(files.artifact), "the version's SHA-256 is the artifact's");
      assert.equal(v.size, files.artifact.length);
      const [companion] = v.companions;
      assert.deepEqual(
        { ...companion, versionId: undefined },
        {
          file: TOKENIZER,
          key: "models/pair/1.0.0/tokenizer.json",
          sha256: sha(tokenizer),
          size: tokenizer.length,
          versionId: undefined,
        },
      );
      assert.deepEqual(await t.store.getBuffer(companion!.key), tokenizer);

      const manifest = JSON.parse((await t.store.getBuffer(v.manifestKey)).toString());
      assert.equal(manifest.artifact.sha256, sha(files.artifact));
      assert.deepEqual(
        manifest.companions.map((c: { file: string; sha256: string }) => [c.file, c.sha256]),
        [[TOKENIZER, sha(tokenizer)]],
      );
      const registered = t.audit.entries.find((e) => e.action === "model.register");
      assert.deepEqual(registered?.details?.companions, { [TOKENIZER]: sha(tokenizer) });

      // Read back from the database, not from the object returned by register.
      const loaded = await t.registry.load<PairModel>("pair@1.0.0");
      assert.deepEqual(loaded.version.companions, v.companions);
      assert.deepEqual(loaded.model.weights, files.artifact);
      assert.equal(loaded.model.tokenizer.label, "one");
      assert.deepEqual(
        (await t.registry.verifyAll("pair")).map((r) => [r.ok, r.expected]),
        [[true, v.sha256]],
      );
    });

    test("a companion file changed in the store is refused like an artifact, never promoted, and production falls back", async () => {
      const t = await testRegistry(await d.open());
      const v1 = await registerPair(t, "twin", "a");
      const v2 = await registerPair(t, "twin", "b");
      const v3 = await registerPair(t, "twin", "c");
      await t.registry.promote(v1.ref);

      // Someone with write access puts another tokenizer under v3's key: a new object version.
      const key3 = v3.companions[0]!.key;
      await t.store.put(key3, pairFiles("evil").companions[TOKENIZER]!);
      await assert.rejects(t.registry.promote(v3.ref), (err: IntegrityError) => {
        assert.equal(err.code, "INTEGRITY_ERROR");
        assert.match(
          err.message,
          /^model twin@1\.2\.0 refused: companion file tokenizer\.json SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} recorded/,
        );
        assert.equal(err.details?.key, key3);
        return true;
      });
      assert.equal((await t.registry.production("twin"))?.ref, v1.ref);

      await t.registry.promote(v2.ref);
      const inService = await t.registry.loadProduction<PairModel>("twin");
      assert.equal(inService?.model.tokenizer.label, "b");
      // Now v2's tokenizer is cut short on disk behind the store's back.
      const key2 = v2.companions[0]!.key;
      await tamper(t, v2, "truncate", key2);
      await assert.rejects(
        t.registry.load(v2.ref),
        /companion file tokenizer\.json is truncated \(\d+ of \d+ bytes\)/,
      );
      await assert.rejects(
        t.registry.loadProduction("twin"),
        (err: BulwarkError) => err.code === "INTEGRITY_ERROR",
      );
      const served = await t.registry.loadProduction<PairModel>("twin", { fallback: true });
      assert.equal(served?.version.ref, v1.ref);
      assert.equal(served?.fallbackFrom?.ref, v2.ref);
      assert.equal(served?.model.tokenizer.label, "a");
      const reload = await t.registry.reloadProduction("twin", served);
      assert.deepEqual([reload.changed, reload.loaded?.version.ref], [false, v1.ref]);
      assert.equal(reload.refusal?.code, "INTEGRITY_ERROR");

      const denied = t.audit.entries.filter((e) => e.outcome === "denied");
      assert.deepEqual(
        denied.map((e) => [e.action, e.target, e.details?.key]),
        [["model.promote", v3.ref, key3], ...Array.from({ length: 4 }, () => ["model.load", v2.ref, key2])],
      );
      assert.ok(t.audit.entries.some((e) => e.action === "model.fallback" && e.target === v1.ref));
      const results = await t.registry.verifyAll("twin");
      assert.deepEqual(
        results.map((r) => [r.version, r.ok]),
        [
          ["1.2.0", false],
          ["1.1.0", false],
          ["1.0.0", true],
        ],
      );
      assert.equal(results[1]!.expected, v2.companions[0]!.sha256, "a failure names the file that failed");
    });

    test("registration takes exactly the files a format owns, and a refused one frees its number", async () => {
      const t = await testRegistry(await d.open());
      const { artifact, companions } = pairFiles("x");
      await assert.rejects(
        t.registry.register({ name: "strict", format: PAIR_FORMAT, artifact }),
        (err: BulwarkError) =>
          err.code === "VALIDATION_ERROR" &&
          /strict@1\.0\.0: .*; missing: tokenizer\.json$/.test(err.message),
      );
      await assert.rejects(
        t.registry.register({
          name: "strict",
          format: PAIR_FORMAT,
          artifact,
          companions: { ...companions, "config.json": Buffer.from("{}") },
        }),
        /not its own: config\.json/,
      );
      await assert.rejects(
        t.registry.register({ name: "single", format: TEST_FORMAT, artifact: testArtifact("s"), companions }),
        /owns no companion files beside model\.bin; not its own: tokenizer\.json/,
      );
      assert.deepEqual(await t.registry.list({ name: "strict" }), []);
      assert.equal((await registerPair(t, "strict", "ok")).version, "1.0.0");

      // A version of one file records none, and its manifest says nothing of companions.
      const single = await t.registry.register({
        name: "single",
        format: TEST_FORMAT,
        artifact: testArtifact("s"),
      });
      assert.deepEqual(single.companions, []);
      const manifest = JSON.parse((await t.store.getBuffer(single.manifestKey)).toString());
      assert.equal("companions" in manifest, false);

      for (const fileName of ["manifest.json", "../escape.json", "weights.bin"])
        assert.throws(
          () =>
            registerModelFormat({
              format: "test-bad/1",
              family: "test",
              fileName: "weights.bin",
              contentType: "application/octet-stream",
              companions: [{ fileName, contentType: "application/json" }],
              load: (bytes) => bytes,
            }),
          (err: BulwarkError) => err.code === "VALIDATION_ERROR",
        );
    });
  });
}
