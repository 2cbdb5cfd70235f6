import { test } from "node:test";
import assert from "node:assert/strict";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { StorageLayout, timestamp } from "../../src/storage/layout.js";
import { streamToBuffer } from "../../src/storage/hashing.js";
import { tempDir } from "../helpers/tmp.js";
import { rejectsWith } from "./conformance.js";

function layout() {
  let t = Date.parse("2025-03-04T05:06:07.000Z");
  const store = new FsObjectStore({ root: tempDir("bulwark-layout-"), bucket: "bulwark" });
  // A clock that moves one second per call, so every file gets its own timestamp.
  return new StorageLayout(store, () => new Date((t += 1000)));
}

const text = async (p: Promise<NodeJS.ReadableStream>) =>
  (await streamToBuffer((await p) as never)).toString("utf8");

test("timestamps are fixed-width and sort by time", () => {
  assert.equal(timestamp(new Date("2025-01-02T03:04:05.678Z")), "20250102T030405678Z");
});

test("training data by version, with manifests, and 'latest' resolving", async () => {
  const l = layout();
  const v1 = await l.saveTrainingData([{ text: "a", label: 0 }], { version: "v1" });
  assert.equal(v1.key, "training-data/main/v1.jsonl");
  await l.saveTrainingData([{ text: "b", label: 1 }], { version: "v2", metadata: { source: "redteam" } });
  await l.saveTrainingData("other\n", { dataset: "eval", version: "v9" });
  assert.equal(await text(l.loadTrainingData("latest")), '{"text":"b","label":1}\n');
  assert.equal(await text(l.loadTrainingData("v1")), '{"text":"a","label":0}\n');
  assert.deepEqual(
    (await l.listTrainingData()).map((m) => [m.version, m.metadata]),
    [
      ["v1", {}],
      ["v2", { source: "redteam" }],
    ],
  );
  assert.equal((await l.resolveTrainingData("latest", "eval")).version, "v9");
  await rejectsWith(l.loadTrainingData("v7"), "NO_SUCH_KEY");
  await rejectsWith(l.saveTrainingData("x", { version: "../v1" }), "INVALID_ARGUMENT");
});

test("red-team results by campaign, never mixing campaigns that share a prefix", async () => {
  const l = layout();
  const a1 = await l.saveRedTeamResults("spring", [{ text: "a1" }]);
  await l.saveRedTeamResults("spring_2", [{ text: "other" }]);
  await l.saveRedTeamResults("spring", [{ text: "a2" }]);
  await l.saveVulnerabilities([{ id: 1 }]);
  assert.match(a1.key, /^red-team-data\/red_team_spring_\d{8}T\d{9}Z\.jsonl$/);
  const runs = await l.listRedTeamResults("spring");
  assert.equal(runs.length, 2);
  assert.equal(await text(l.loadRedTeamResults("spring")), '{"text":"a2"}\n');
  assert.equal(await text(l.loadRedTeamResults("spring", runs[0]?.timestamp)), '{"text":"a1"}\n');
  assert.equal((await l.listFiles("red-team-data/vulnerabilities_")).length, 1);
});

test("combined data by model and version; model-specific data by failure type", async () => {
  const l = layout();
  await l.saveCombinedData("guard", "1.0.0", [{ n: 1 }]);
  await l.saveCombinedData("guard", "1.1.0", [{ n: 2 }]);
  await l.saveCombinedData("guard2", "9", [{ n: 3 }]);
  assert.equal(await text(l.loadCombinedData("guard", "1.0.0")), '{"n":1}\n');
  assert.equal(await text(l.loadCombinedData("guard")), '{"n":2}\n');
  assert.equal((await l.listCombinedData("guard")).length, 2);
  assert.match(
    (await l.listCombinedData("guard", "1.1.0"))[0]?.key ?? "",
    /^combined-data\/guard\/combined_guard_1\.1\.0_/,
  );

  await l.saveModelSpecificData("guard", "roleplay", [{ t: "r" }]);
  await l.saveModelSpecificData("guard", "encoding", [{ t: "e" }]);
  assert.equal((await l.listModelSpecificData("guard")).length, 2);
  assert.equal(await text(l.loadModelSpecificData("guard", "encoding")), '{"t":"e"}\n');
});

test("backups by kind with a description, listing and download links", async () => {
  const l = layout();
  await l.saveBackup("registry", [{ model: "a" }], "nightly — before the v2 promotion");
  await l.saveBackup("registry", [{ model: "b" }], "weekly");
  const backups = await l.listBackups("registry");
  assert.deepEqual(
    backups.map((b) => b.description),
    ["nightly — before the v2 promotion", "weekly"],
  );
  assert.equal(await text(l.loadBackup("registry")), '{"model":"b"}\n');
  const files = await l.listFiles("backups/");
  assert.equal(files.length, 2);
  const url = await l.downloadUrl(files[0]?.key as string, 600);
  assert.match(
    url,
    /^http:\/\/127\.0\.0\.1:8000\/v1\/storage\/presigned\/backups\/registry\/backup_registry_/,
  );
});
