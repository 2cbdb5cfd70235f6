/** `bulwark redteam ...` as a newcomer runs it on a fresh home. */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { isFrozenText } from "../../src/redteam/suites.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const env = { BULWARK_HOME: join(tempDir("bulwark-redteam-cli-"), "home") };
let summary: {
  campaign: string;
  model: { ref: string; sha256: string };
  cases: number;
  detectionRate: number;
  overDefence: number;
  byGenerator: Record<string, { cases: number }>;
  byMutator: Record<string, { cases: number }>;
  worst: unknown[];
  files: string[];
};

before(async () => {
  const r = await runCli(["redteam", "run", "--cases", "400", "--seed", "5", "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  summary = JSON.parse(r.stdout);
});

test("redteam run --json prints the campaign's figures and files", () => {
  assert.match(summary.campaign, /^rt-/);
  assert.equal(summary.model.ref, "builtin@1.0.0", "the production model of a fresh home");
  assert.equal(summary.cases, 400);
  assert.ok(summary.detectionRate > 0.2 && summary.detectionRate < 1);
  assert.ok(summary.overDefence >= 0 && summary.overDefence < 0.5);
  assert.equal(
    Object.values(summary.byGenerator).reduce((n, t) => n + t.cases, 0),
    400,
  );
  assert.ok(Object.keys(summary.byMutator).includes("none"));
  assert.equal(summary.files.length, 3);
  assert.ok(summary.files.every((f) => f.startsWith("red-team-data/")));
});

test("the same seed again gives the same figures, compared with the first run", async () => {
  const r = await runCli(["redteam", "run", "--cases", "400", "--seed", "5", "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const again = JSON.parse(r.stdout);
  assert.equal(again.detectionRate, summary.detectionRate);
  assert.equal(again.previous.campaign, summary.campaign);
});

test("ls, show and report read campaigns back from the store", async () => {
  const ls = await runCli(["redteam", "ls", "--json"], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.equal(JSON.parse(ls.stdout).at(-1).campaign, summary.campaign);
  const show = await runCli(["redteam", "show", summary.campaign], { env });
  assert.match(show.stdout, new RegExp(`campaign ${summary.campaign} against builtin@1\\.0\\.0: 400 cases`));
  assert.match(show.stdout, /generator +cases +detection rate +over-defence/);
  const md = await runCli(["redteam", "report", summary.campaign, "--format", "md"], { env });
  assert.match(md.stdout, /^# Red-team campaign rt-/);
  assert.match(md.stdout, /## Worst combinations/);
  const json = await runCli(["redteam", "report", summary.campaign, "--format", "json"], { env });
  assert.equal(JSON.parse(json.stdout).campaign, summary.campaign);
  const gens = await runCli(["redteam", "generators"], { env });
  assert.match(gens.stdout, /fiction +attacks +a harmful request wrapped in a story/);
});

test("mistakes get a message and exit code 2", async () => {
  for (const [args, message] of [
    [["redteam", "run", "--mutators", "rot47"], /unknown red-team mutator "rot47"/],
    [["redteam", "run", "--key", "bwk_x"], /--key goes with --target/],
    [["redteam", "run", "--target", "http://127.0.0.1:9"], /--target needs --key/],
    [["redteam", "run", "--cases", "0"], /--cases/],
    [["redteam", "show", "rt-nope"], /is not a campaign id/],
    [["redteam", "report", summary.campaign, "--format", "pdf"], /choose md or json/],
  ] as const) {
    const r = await runCli([...args], { env: { ...env, BULWARK_API_KEY: undefined } });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test("redteam export writes a valid dataset without frozen-suite texts or duplicates", async () => {
  const out = join(tempDir("bulwark-redteam-export-"), "rt.jsonl.gz");
  const r = await runCli(["redteam", "export", "--cases", "3000", "--seed", "12", "--output", out], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote \d+ rows \(\d+ attacks, \d+ hard negatives/);
  const rows = gunzipSync(readFileSync(out))
    .toString("utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { text: string; label: number; source: string; group: string });
  assert.ok(rows.length > 2000 && rows.length <= 3000, `${rows.length}`);
  assert.equal(new Set(rows.map((x) => x.text)).size, rows.length);
  assert.ok(rows.every((x) => x.source === "redteam" && x.group && !isFrozenText(x.text)));
  const valid = await runCli(["data", "validate", out], { env });
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, new RegExp(`${rows.length} valid, 0 invalid`));
});
