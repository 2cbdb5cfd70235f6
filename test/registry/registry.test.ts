/**
 * The model registry on SQLite and on PostgreSQL, over a real object store: versions,
 * stages, history, integrity checks, fallback and snapshots under Object Lock.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { BulwarkError, IntegrityError } from "../../src/core/errors.js";
import { BuiltinModel } from "../../src/detect/model.js";
import { testDatabases } from "../db/databases.js";
import { smallModel } from "../helpers/model.js";
import { tamper, testArtifact, testRegistry, TEST_FORMAT, type TestRegistry } from "./helpers.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Asserts a typed error of this code whose message says what is wrong or what to do. */
async function refusedWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: BulwarkError) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}
const small = smallModel({ epochs: 1 }, 400);

async function registerTest(t: TestRegistry, name: string, label: string, version?: string) {
  return t.registry.register({
    name,
    format: TEST_FORMAT,
    artifact: testArtifact(label),
    ...(version ? { version } : {}),
    datasets: [{ id: "ds_x", name: "d", version: 1, sha256: "a".repeat(64), rows: 3 }],
    params: { epochs: 1 },
    metrics: { validation: { rocAuc: 0.9 } },
  });
}

for (const d of await testDatabases()) {
  describe(`registry on ${d.dialect}`, () => {
    test("versions count up from 1.0.0, an explicit version is kept, and a taken one is refused", async () => {
      const t = await testRegistry(await d.open());
      const a = await registerTest(t, "counter", "a");
      const b = await registerTest(t, "counter", "b");
      assert.equal(a.version, "1.0.0");
      assert.equal(b.version, "1.1.0");
      const c = await registerTest(t, "counter", "c", "2.0.0");
      assert.equal(c.version, "2.0.0");
      const next = await t.registry.register({
        name: "counter",
        format: TEST_FORMAT,
        artifact: testArtifact("d"),
        bump: "patch",
      });
      assert.equal(next.version, "2.0.1");
      await refusedWith(
        registerTest(t, "counter", "e", "1.1.0"),
        "MODEL_VERSION_EXISTS",
        /model counter already has version 1\.1\.0; versions are immutable/,
      );
      assert.deepEqual(
        (await t.registry.list({ name: "counter" })).map((v) => v.version),
        ["2.0.1", "2.0.0", "1.1.0", "1.0.0"],
      );
      const kept = await t.registry.resolve("counter@1.1.0");
      assert.equal(kept.sha256, b.sha256, "the taken version is unchanged");
      assert.equal(sha(await t.store.getBuffer(kept.artifactKey)), b.sha256);
    });

    test("the artifact and its manifest sit in models/{name}/{version}/ with the SHA-256 and lineage", async () => {
      const t = await testRegistry(await d.open());
      const v = await registerTest(t, "layout", "x");
      assert.equal(v.artifactKey, "models/layout/1.0.0/model.bin");
      const bytes = await t.store.getBuffer(v.artifactKey);
      assert.equal(sha(bytes), v.sha256);
      const manifest = JSON.parse((await t.store.getBuffer("models/layout/1.0.0/manifest.json")).toString());
      assert.equal(manifest.artifact.sha256, v.sha256);
      assert.equal(manifest.format, TEST_FORMAT);
      assert.equal(manifest.family, "test");
      assert.equal(manifest.lineage.datasets[0].id, "ds_x");
      assert.deepEqual(manifest.params, { epochs: 1 });
    });

    test("promoting to production demotes the previous one, records who and when, and keeps one production", async () => {
      const t = await testRegistry(await d.open());
      const a = await registerTest(t, "stages", "a");
      const b = await registerTest(t, "stages", "b");
      const first = await t.registry.promote(a.ref);
      assert.equal(first.version.stage, "production");
      assert.equal(first.version.stageChangedBy, "test:alice");
      const second = await t.registry.promote(b.ref, "production", { reason: "better recall" });
      assert.equal(second.demoted?.ref, a.ref);
      const all = await t.registry.list({ name: "stages" });
      assert.deepEqual(
        all.map((v) => [v.version, v.stage]),
        [
          ["1.1.0", "production"],
          ["1.0.0", "archived"],
        ],
      );
      const history = await t.registry.history("stages");
      assert.deepEqual(
        history.map((e) => [e.version, e.from, e.to, e.action]),
        [
          ["1.1.0", "none", "production", "promote"],
          ["1.0.0", "production", "archived", "demote"],
          ["1.0.0", "none", "production", "promote"],
        ],
      );
      assert.equal(history[0]!.reason, "better recall");
      assert.ok(
        t.audit.entries.some(
          (e) => e.action === "model.promote" && e.target === b.ref && e.outcome === "success",
        ),
      );
      // The next version's parent is the production version at the time.
      const c = await registerTest(t, "stages", "c");
      assert.equal(c.parentVersion, "1.1.0");
    });

    test("rollback restores the previous production version; archiving production is refused", async () => {
      const t = await testRegistry(await d.open());
      const a = await registerTest(t, "roll", "a");
      const b = await registerTest(t, "roll", "b");
      await t.registry.promote(a.ref);
      await t.registry.promote(b.ref);
      await refusedWith(
        t.registry.archive(b.ref),
        "STAGE_CHANGE_REFUSED",
        /roll@1\.1\.0 is the production version: promote another version/,
      );
      assert.equal((await t.registry.production("roll"))?.ref, b.ref, "production is unchanged");
      const back = await t.registry.rollback("roll");
      assert.equal(back.version.ref, a.ref);
      assert.equal(back.event?.action, "rollback");
      assert.equal((await t.registry.production("roll"))?.ref, a.ref);
      // Rolling back again goes to b, the one before a's return.
      assert.equal((await t.registry.rollback("roll")).version.ref, b.ref);
      await refusedWith(
        t.registry.rollback("nothing-here"),
        "STAGE_CHANGE_REFUSED",
        /no earlier production version of nothing-here to roll back to/,
      );
      const staged = await registerTest(t, "roll", "c");
      assert.equal((await t.registry.promote(staged.ref, "staging")).version.stage, "staging");
      const archived = await t.registry.archive(staged.ref);
      assert.deepEqual([archived.version.stage, archived.event?.action], ["archived", "archive"]);
      // setStage is the general form: archiving through it is recorded as an archive too.
      await t.registry.setStage(staged.ref, "staging");
      const again = await t.registry.setStage(staged.ref, "archived", { reason: "superseded" });
      assert.deepEqual([again.event?.action, again.event?.reason], ["archive", "superseded"]);
    });

    test("refs resolve by version, stage, latest, or to production by default", async () => {
      const t = await testRegistry(await d.open());
      await registerTest(t, "refs", "a");
      const b = await registerTest(t, "refs", "b");
      assert.equal((await t.registry.resolve("refs")).version, "1.1.0");
      await t.registry.promote("refs@1.0.0");
      assert.equal((await t.registry.resolve("refs")).version, "1.0.0");
      assert.equal((await t.registry.resolve("refs@latest")).version, b.version);
      assert.equal((await t.registry.resolve("refs@production")).version, "1.0.0");
      await assert.rejects(
        t.registry.resolve("refs@9.9.9"),
        (err: BulwarkError) => err.code === "MODEL_NOT_FOUND",
      );
      await assert.rejects(
        t.registry.resolve("Bad Name"),
        (err: BulwarkError) => err.code === "VALIDATION_ERROR",
      );
    });

    test("a tampered or truncated artifact is refused with INTEGRITY_ERROR and an audit entry", async () => {
      const t = await testRegistry(await d.open());
      const a = await registerTest(t, "tamper", "a");
      const b = await registerTest(t, "tamper", "b");
      await tamper(t, a, "flip");
      await tamper(t, b, "truncate");
      await assert.rejects(t.registry.load(a.ref), (err: IntegrityError) => {
        assert.equal(err.code, "INTEGRITY_ERROR");
        assert.match(err.message, /tamper@1\.0\.0 refused: artifact SHA-256 is [0-9a-f]{64}, not the/);
        return true;
      });
      await refusedWith(t.registry.load(b.ref), "INTEGRITY_ERROR", /truncated \(2050 of 4100 bytes\)/);
      const denied = t.audit.entries.filter((e) => e.outcome === "denied");
      assert.deepEqual(
        denied.map((e) => [e.action, e.target]),
        [
          ["model.load", a.ref],
          ["model.load", b.ref],
        ],
      );
      const results = await t.registry.verifyAll("tamper");
      assert.deepEqual(
        results.map((r) => r.ok),
        [false, false],
      );
    });

    test("a tampered version is never promoted and the production version stays in service", async () => {
      const t = await testRegistry(await d.open());
      const { artifact } = await small;
      const good = await t.registry.register({ name: "serve", format: "bulwark-builtin/1", artifact });
      await t.registry.promote(good.ref);
      const bad = await t.registry.register({ name: "serve", format: "bulwark-builtin/1", artifact });
      const serving = await t.registry.loadProduction<BuiltinModel>("serve");
      assert.ok(serving?.model instanceof BuiltinModel);
      await tamper(t, bad, "flip");
      await refusedWith(
        t.registry.promote(bad.ref),
        "INTEGRITY_ERROR",
        /serve@1\.1\.0 refused: artifact SHA-256 is [0-9a-f]{64}, not the/,
      );
      assert.equal((await t.registry.production("serve"))?.ref, good.ref);
      assert.equal(
        (await t.registry.resolve(bad.ref)).stage,
        "none",
        "the tampered version stays where it was",
      );
      assert.ok(
        t.audit.entries.some(
          (e) => e.action === "model.promote" && e.target === bad.ref && e.outcome === "denied",
        ),
      );
    });

    test("when the production artifact fails, the previous good production version serves and the server keeps its model", async () => {
      const t = await testRegistry(await d.open());
      const { artifact } = await small;
      const v1 = await t.registry.register({ name: "fallback", format: "bulwark-builtin/1", artifact });
      await t.registry.promote(v1.ref);
      const inService = await t.registry.loadProduction("fallback");
      const v2 = await t.registry.register({ name: "fallback", format: "bulwark-builtin/1", artifact });
      await t.registry.promote(v2.ref);
      await tamper(t, v2, "truncate");
      await assert.rejects(
        t.registry.loadProduction("fallback"),
        (err: BulwarkError) => err.code === "INTEGRITY_ERROR",
      );
      const served = await t.registry.loadProduction("fallback", { fallback: true });
      assert.equal(served?.version.ref, v1.ref);
      assert.equal(served?.fallbackFrom?.ref, v2.ref);
      assert.ok(t.audit.entries.some((e) => e.action === "model.fallback" && e.target === v1.ref));
      const reload = await t.registry.reloadProduction("fallback", inService);
      assert.equal(reload.changed, false);
      assert.equal(reload.loaded?.version.ref, v1.ref);
      assert.equal(reload.refusal?.code, "INTEGRITY_ERROR");
    });

    test("a production promotion writes a registry snapshot, locked when the bucket has Object Lock", async () => {
      const plain = await testRegistry(await d.open());
      const a = await registerTest(plain, "snap-plain", "a");
      const change = await plain.registry.promote(a.ref);
      assert.equal(change.snapshot?.locked, false);
      assert.match(change.snapshot!.key, /^snapshots\/registry\/registry_snap-plain_\d{8}T\d{9}Z\.json$/);
      const doc = JSON.parse((await plain.store.getBuffer(change.snapshot!.key)).toString());
      assert.equal(doc.production.version, "1.0.0");
      assert.equal(doc.production.sha256, a.sha256);
      assert.equal(doc.history[0].actor, "test:alice");

      const locked = await testRegistry(await d.open(), { objectLock: true });
      const b = await registerTest(locked, "snap-locked", "b");
      const lockedChange = await locked.registry.promote(b.ref);
      assert.equal(lockedChange.snapshot?.locked, true);
      assert.equal(lockedChange.snapshot?.mode, "GOVERNANCE");
      const info = await locked.store.head(lockedChange.snapshot!.key);
      assert.equal(info.retention?.mode, "GOVERNANCE");
      await refusedWith(
        locked.store.delete(lockedChange.snapshot!.key, { versionId: info.versionId }),
        "OBJECT_LOCKED",
        /GOVERNANCE/,
      );
      assert.equal(
        JSON.parse((await locked.store.getBuffer(lockedChange.snapshot!.key)).toString()).production.version,
        "1.0.0",
        "the snapshot is still there",
      );
      const event = (await locked.registry.history("snap-locked"))[0]!;
      assert.equal(event.snapshotKey, lockedChange.snapshot!.key);
      assert.equal(event.snapshotLocked, true);
    });

    test("a reserved version is hidden until complete and freed when abandoned", async () => {
      const t = await testRegistry(await d.open());
      const r = await t.registry.reserve({ name: "reserve", format: TEST_FORMAT });
      assert.equal(r.version, "1.0.0");
      assert.deepEqual(await t.registry.list({ name: "reserve" }), []);
      const r2 = await t.registry.reserve({ name: "reserve", format: TEST_FORMAT });
      assert.equal(r2.version, "1.1.0");
      await t.registry.abandon(r);
      const v = await t.registry.complete(r2, { artifact: testArtifact("r2") });
      assert.equal(v.version, "1.1.0");
      assert.deepEqual(
        (await t.registry.list({ name: "reserve" })).map((x) => x.version),
        ["1.1.0"],
      );
    });

    test("models of any registered format load through their own loader", async () => {
      const t = await testRegistry(await d.open());
      const v = await registerTest(t, "other-family", "payload");
      assert.equal(v.family, "test");
      const loaded = await t.registry.load<Buffer>(v.ref);
      assert.ok(loaded.model.subarray(4).toString().startsWith("payload"));
      await refusedWith(
        t.registry.register({ name: "other-family", format: "onnx/99", artifact: Buffer.from("x") }),
        "UNKNOWN_MODEL_FORMAT",
        /no loader for model format "onnx\/99" \(known: /,
      );
      assert.deepEqual(
        (await t.registry.list({ name: "other-family" })).map((x) => x.version),
        ["1.0.0"],
        "nothing was registered",
      );
    });
  });
}
