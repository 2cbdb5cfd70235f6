/** `bulwark runs ...`: what each training recorded, and two runs side by side. */
import { before, test } from "node:test";
import assert from "node:assert/strict";

import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const env = { BULWARK_HOME: join(dir, "home") };
const ids: string[] = [];

before(async () => {
  const a = join(dir, "a.jsonl");
  const b = join(dir, "b.jsonl");
  await writeCorpusSlice(a, 30);
  await writeCorpusSlice(b, 30, 1);
  for (const args of [
    ["--data", a, "--epochs", "1"],
    ["--data", a, b, "--epochs", "2", "--params", '{"alpha":0.1}'],
  ]) {
    const r = await runCli(["train", ...args, "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    ids.push(JSON.parse(r.stdout).runId);
  }
});

test("runs ls lists runs newest first with their model version and metrics", async () => {
  const r = await runCli(["runs", "ls", "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const runs = JSON.parse(r.stdout);
  assert.deepEqual(
    runs.map((x: { id: string }) => x.id),
    [...ids].reverse(),
  );
  assert.deepEqual(
    runs.map((x: { modelVersion: string; status: string }) => [x.modelVersion, x.status]),
    [
      ["1.1.0", "succeeded"],
      ["1.0.0", "succeeded"],
    ],
  );
  const human = await runCli(["runs", "ls"], { env });
  assert.match(human.stdout, /succeeded {2}builtin@1\.1\.0/);
});

test("runs show prints parameters, datasets with SHA-256, metrics, duration and environment", async () => {
  const r = await runCli(["runs", "show", ids[1]!], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /model {6}builtin@1\.1\.0 \(builtin\)/);
  assert.match(r.stdout, /dataset {4}.*a\.jsonl \d+ rows, sha256 [0-9a-f]{64}/);
  assert.match(r.stdout, /params {5}.*epochs=2.*alpha=0\.1|params {5}.*alpha=0\.1.*epochs=2/);
  assert.match(r.stdout, /validation ROC-AUC \d\.\d{3}/);
  assert.match(r.stdout, /environment bulwark .*node v20/);
  const missing = await runCli(["runs", "show", "run_nope"], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /run run_nope not found/);
});

test("runs compare shows the parameters that differ, metric deltas and datasets", async () => {
  const r = await runCli(["runs", "compare", ids[0]!, ids[1]!, "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  const params = Object.fromEntries(
    c.params.map((p: { key: string; a: unknown; b: unknown }) => [p.key, [p.a, p.b]]),
  );
  assert.deepEqual(params.epochs, [1, 2]);
  assert.equal(params.alpha[1], 0.1);
  const roc = c.metrics.find((m: { key: string }) => m.key === "rocAuc");
  assert.ok(Math.abs(roc.delta - (roc.b - roc.a)) < 1e-12);
  assert.equal(c.datasets.shared.length, 1);
  assert.equal(c.datasets.onlyB.length, 1);
  const human = await runCli(["runs", "compare", ids[0]!, ids[1]!], { env });
  assert.match(human.stdout, /epochs +1 +2/);
  assert.match(human.stdout, /only in b: +.*b\.jsonl/);
});
