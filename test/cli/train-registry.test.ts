/** `bulwark train` on datasets: a registered model version and a recorded run per training. */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const env = { BULWARK_HOME: join(dir, "home") };
const data = join(dir, "subset.jsonl");
let datasetId = "";

before(async () => {
  await writeCorpusSlice(data, 25);
  const r = await runCli(["data", "import", data, "--name", "subset", "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  datasetId = JSON.parse(r.stdout).id;
});

test("train --data DATASET --json names the run, the model, its version and SHA-256", async () => {
  const r = await runCli(["train", "--data", "subset", "--allow-personal-data", "--epochs", "1", "--json"], {
    env,
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.match(out.runId, /^run_/);
  assert.equal(out.name, "builtin");
  assert.equal(out.version, "1.0.0");
  assert.match(out.sha256, /^[0-9a-f]{64}$/);
  assert.equal(out.stage, "none");
  assert.equal(out.artifact, "models/builtin/1.0.0/model.bwm");
  assert.deepEqual(
    out.datasets.map((d: { id: string; name: string; version: number }) => [d.id, d.name, d.version]),
    [[datasetId, "subset", 1]],
  );
  assert.ok(out.validation.overall.rocAuc > 0.5);

  const run = JSON.parse((await runCli(["runs", "show", out.runId, "--json"], { env })).stdout);
  assert.equal(run.status, "succeeded");
  assert.equal(run.modelVersion, "1.0.0");
  assert.equal(run.artifactSha256, out.sha256);
  assert.equal(run.params.epochs, 1);
  assert.equal(run.datasets[0].sha256.length, 64);
  assert.ok(run.metrics.validation.rocAuc > 0.5);
  assert.ok(run.durationMs > 0);
  for (const k of ["node", "platform", "cpus", "hostname", "bulwark"]) assert.ok(k in run.environment, k);
});

test("plain files still train, --output still writes the artifact, --promote puts it in production", async () => {
  const output = join(dir, "copy.bwm");
  const r = await runCli(
    ["train", "--data", data, "--epochs", "1", "--output", output, "--promote", "--name", "guard", "--json"],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.model.ref, "guard@1.0.0");
  assert.equal(out.stage, "production");
  assert.equal(createHash("sha256").update(readFileSync(output)).digest("hex"), out.sha256);
  assert.equal(out.datasets[0].id, null);
  assert.equal(out.datasets[0].name, data);
  // The default local bucket has Object Lock from the first command (security review, audit item 4).
  assert.equal(out.snapshot.locked, true);
  const human = await runCli(
    ["train", "--data", data, "--epochs", "1", "--name", "guard", "--bump", "major"],
    { env },
  );
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /model {5}guard@2\.0\.0 \(not promoted\)/);
  assert.match(human.stdout, /promote it with: bulwark models promote guard@2\.0\.0/);
});

test("versions are never reused, unknown datasets are named, and a failed run is recorded", async () => {
  const listVersions = async () =>
    JSON.parse((await runCli(["models", "ls", "--json"], { env })).stdout).map(
      (v: { ref: string; sha256: string }) => `${v.ref} ${v.sha256}`,
    ) as string[];
  const before = await listVersions();
  const taken = await runCli(
    ["train", "--data", "subset@1", "--allow-personal-data", "--epochs", "1", "--model-version", "1.0.0"],
    {
      env,
    },
  );
  assert.equal(taken.code, 2);
  assert.match(taken.stderr, /model builtin already has version 1\.0\.0/);

  const missing = await runCli(["train", "--data", "nope@3"], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /dataset "nope@3" not found/);
  assert.deepEqual(await listVersions(), before, "no version was registered or replaced");

  const tiny = join(dir, "tiny.jsonl");
  writeFileSync(tiny, '{"text":"hello","label":0}\n');
  const failed = await runCli(["train", "--data", tiny, "--name", "tiny"], { env });
  assert.equal(failed.code, 2, "too little data is bad input, not an unexpected failure");
  assert.match(failed.stderr, /training needs more data: 1 rows give/);
  const runs = JSON.parse((await runCli(["runs", "ls", "--model", "tiny", "--json"], { env })).stdout);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, "failed");
  assert.match(runs[0].error, /training needs more data/);
  const versions = JSON.parse((await runCli(["models", "ls", "tiny", "--json"], { env })).stdout);
  assert.deepEqual(versions, []);

  const bad = join(dir, "bad.jsonl");
  writeFileSync(bad, '{"text":"fine","label":0}\n{"text":"oops","label":"yes"}\n');
  const invalid = await runCli(["train", "--data", bad], { env });
  assert.equal(invalid.code, 2);
  assert.match(invalid.stderr, /bad\.jsonl:2: field "label": expected 0 or 1, got "yes"/);
});
