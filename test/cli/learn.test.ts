/** `bulwark learn cycle|ls|show`: a cycle run from the shell against a small champion, and its record read back. */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const env = { BULWARK_HOME: join(dir, "home"), DATABASE_URL: "", REDIS_URL: "" };

before(async () => {
  // A champion in production, trained on a catalogue dataset, as `bulwark train --promote` leaves it.
  const data = join(dir, "slice.jsonl");
  await writeCorpusSlice(data, 15);
  const imported = await runCli(["data", "import", data, "--name", "slice", "--json"], { env });
  assert.equal(imported.code, 0, imported.stderr);
  const trained = await runCli(
    ["train", "--data", "slice", "--allow-personal-data", "--epochs", "2", "--promote", "--json"],
    { env },
  );
  assert.equal(trained.code, 0, trained.stderr);
});

test("learn ls says how to start when there is no cycle yet", async () => {
  const r = await runCli(["learn", "ls"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no learning cycles yet: `bulwark learn cycle` runs one/);
});

test("learn cycle --json prints the champion, the challenger, the decision, the rule and the figures", async () => {
  const r = await runCli(["learn", "cycle", "--cases", "150", "--seed", "3", "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.champion, "builtin@1.0.0");
  assert.equal(out.challenger, "builtin@1.1.0");
  assert.ok(["promoted", "rejected"].includes(out.decision));
  assert.match(out.reason, out.decision === "promoted" ? /met every condition/ : /^rejected: /);
  assert.deepEqual(out.rule.recallHigherOn, ["frozen"]);
  assert.match(out.rule.text, /false-positive rate on every benign suite no worse/);
  for (const who of ["champion", "challenger"])
    assert.deepEqual(Object.keys(out.figures[who]).sort(), ["frozen", "hard-negatives", "validation"]);
  assert.equal(out.campaign.seed, 3);
  assert.equal(out.files.combined, `combined-data/builtin/${out.cycle}.jsonl`);

  const ls = await runCli(["learn", "ls"], { env });
  assert.match(
    ls.stdout,
    new RegExp(`${out.cycle}\\s+succeeded\\s+builtin@1\\.0\\.0\\s+builtin@1\\.1\\.0\\s+${out.decision}`),
  );
  const show = await runCli(["learn", "show", out.cycle], { env });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^suite\s+rows\s+recall \(champion\)/m);
  assert.match(show.stdout, new RegExp(`^decision\\s+${out.decision.toUpperCase()}: `, "m"));
  const models = JSON.parse((await runCli(["models", "ls", "builtin", "--json"], { env })).stdout) as {
    version: string;
    stage: string;
  }[];
  const challenger = models.find((m) => m.version === "1.1.0");
  assert.equal(challenger?.stage, out.decision === "promoted" ? "production" : "archived");
});

test("bad input is a usage error: an unknown option value, an unknown source, an unknown cycle", async () => {
  const rows = await runCli(["learn", "cycle", "--campaign-rows", "some"], { env });
  assert.equal(rows.code, 2);
  assert.match(rows.stderr, /--campaign-rows/);
  const loso = await runCli(["learn", "cycle", "--cases", "20", "--loso", "nowhere"], { env });
  assert.equal(loso.code, 2, loso.stderr);
  assert.match(loso.stderr, /leave-one-source-out: nowhere is not a source of the champion's data/);
  const missing = await runCli(["learn", "show", "lc_nothing"], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /learning cycle lc_nothing not found/);
});
