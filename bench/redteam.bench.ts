/**
 * The red team's speed and the shipped model's figures against it: generating cases, a
 * 1,000-case and a 10,000-case campaign in process (goal: 1,000 in under 10 s), and the
 * detection rate by generator and by mutator of the default model (seed 1).
 */
import { performance } from "node:perf_hooks";
import { BuiltinDetector } from "../src/detect/builtin.js";
import { detectorTarget } from "../src/redteam/campaign.js";
import { generateCases } from "../src/redteam/cases.js";
import { redTeamCampaign } from "../src/redteam/run.js";
import { FsObjectStore } from "../src/storage/fs/store.js";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadShippedModel } from "../src/detect/create.js";
import { markdownTable } from "./util.js";

// The model the build ships (models/builtin.bwm), the one a fresh install serves.
const { model } = await loadShippedModel();
const detector = new BuiltinDetector(model);
const store = new FsObjectStore({
  root: mkdtempSync(join(tmpdir(), "bulwark-bench-rt-")),
  bucket: "bulwark",
});
await store.init();

const t0 = performance.now();
const generated = generateCases({ seed: 1, cases: 10_000 });
const genMs = performance.now() - t0;

const rows: (string | number)[][] = [];
let report;
for (const cases of [1_000, 10_000]) {
  const start = performance.now();
  const r = await redTeamCampaign(store, detectorTarget(detector, "builtin"), { seed: 1, cases });
  const ms = performance.now() - start;
  rows.push([
    cases,
    (ms / 1000).toFixed(2),
    Math.round(cases / (ms / 1000)),
    (r.report.detectionRate * 100).toFixed(1),
    (r.report.overDefence * 100).toFixed(1),
  ]);
  report = r.report;
}
console.log(`\n### Campaign speed (model sha256 ${model.sha256.slice(0, 12)}…)\n`);
console.log(
  `Generating 10,000 cases alone: ${(genMs / 1000).toFixed(2)} s (${Math.round(generated.length / (genMs / 1000))} cases/s).\n`,
);
console.log(
  markdownTable(
    ["cases", "seconds (generate, screen, store)", "cases/s", "detection rate %", "over-defence %"],
    rows,
  ),
);

const pct = (x: number | null) => (x === null ? "–" : (x * 100).toFixed(1));
console.log("\n### By generator (10,000 cases, seed 1)\n");
console.log(
  markdownTable(
    ["generator", "cases", "detection rate %", "over-defence %"],
    Object.entries(report!.byGenerator).map(([g, t]) => [
      g,
      t.cases,
      pct(t.detectionRate),
      pct(t.overDefence),
    ]),
  ),
);
console.log("\n### By mutator (attacks of the same campaign)\n");
console.log(
  markdownTable(
    ["mutator", "attacks", "detection rate %"],
    Object.entries(report!.byMutator).map(([m, t]) => [m, t.cases, pct(t.detectionRate)]),
  ),
);
