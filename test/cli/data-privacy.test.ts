/**
 * Personal data in datasets from the shell, end to end: the real CLI and a real home.
 * `data import --redact` stores no address or card and says what it took out; a scan marks
 * a dataset "present"; `data ls` shows the status; `train` refuses "present" unless
 * allowed (`--allow-personal-data`) and warns about "unknown".
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findPii } from "../../src/privacy/index.js";
import { runCli } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir();
const env = { BULWARK_HOME: join(dir, "home") };
const support = join(dir, "support.jsonl");
const clean = join(dir, "clean.jsonl");
const raw = join(dir, "raw.jsonl");
const row = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ text, label: 0, category: "benign", lang: "en", ...extra });

before(async () => {
  writeFileSync(
    support,
    [
      row("How do I reset my password?", { subject: "user-42" }),
      row("Please write to jane.doe@example.com about my order", { subject: "user-42" }),
      row("My card 4111 1111 1111 1111 was charged twice"),
    ].join("\n") + "\n",
  );
  // A slice of the bundled corpus without anything the detectors call personal data...
  await writeCorpusSlice(clean, 40);
  const rows = readFileSync(clean, "utf8")
    .split("\n")
    .filter((l) => l && findPii((JSON.parse(l) as { text: string }).text).length === 0);
  writeFileSync(clean, rows.join("\n") + "\n");
  // ...and the same with a customer's message in it.
  writeFileSync(raw, [...rows, row("Refund to jane.doe@example.com please")].join("\n") + "\n");
});

test("data import --redact stores no address or card and reports what it took out", async () => {
  const r = await runCli(
    ["data", "import", support, "--redact", "--legal-basis", "consent", "--purpose", "support triage"],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /privacy {4}redacted \(mask\); took out card 1, email 1 in 2 rows; 2 rows name their subject \(hashed\); legal basis: consent; purpose: support triage/,
  );
  const out = join(dir, "support-out.jsonl");
  const exported = await runCli(["data", "export", "support", out], { env });
  assert.equal(exported.code, 0, exported.stderr);
  const text = readFileSync(out, "utf8");
  assert.doesNotMatch(text, /jane\.doe|4111|user-42/);
  assert.match(text, /"subject":"sub_[0-9a-f]{32}"/);
});

test("a scan marks personal data present; a declaration of none it contradicts is refused by file and line", async () => {
  const refused = await runCli(["data", "import", raw, "--name", "liar", "--personal-data", "none"], { env });
  assert.equal(refused.code, 2);
  const line = readFileSync(raw, "utf8").split("\n").filter(Boolean).length;
  assert.match(refused.stderr, new RegExp(`raw\\.jsonl:${line}: personal data \\(email\\) found`));
  assert.doesNotMatch(refused.stderr, /jane\.doe/);
  const wrong = await runCli(["data", "import", raw, "--personal-data", "maybe"], { env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /personal data must be declared as none or present, got "maybe"/);
  const mode = await runCli(["data", "import", raw, "--redaction-mode", "shred"], { env });
  assert.equal(mode.code, 2);
  assert.match(mode.stderr, /--redaction-mode must be one of mask, hash, remove/);

  const found = await runCli(["data", "import", raw, "--json"], { env });
  assert.equal(found.code, 0, found.stderr);
  assert.equal(JSON.parse(found.stdout).privacy.personalData, "present");
  for (const args of [
    ["--name", "clean-none", "--personal-data", "none", "--legal-basis", "public task"],
    ["--name", "clean-unknown"],
  ]) {
    const r = await runCli(["data", "import", clean, ...args], { env });
    assert.equal(r.code, 0, r.stderr);
  }
});

test("data ls shows each version's personal data, and --json its whole privacy block", async () => {
  const r = await runCli(["data", "ls"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /personal data/);
  const status = (ref: string) =>
    r.stdout
      .split("\n")
      .find((l) => l.startsWith(`${ref} `))
      ?.match(/\s(none|redacted \(mask\)|present|unknown)\s/)?.[1];
  assert.equal(status("support@1"), "redacted (mask)");
  assert.equal(status("raw@1"), "present");
  assert.equal(status("clean-none@1"), "none");
  assert.equal(status("clean-unknown@1"), "unknown");
  const json = JSON.parse((await runCli(["data", "ls", "--json"], { env })).stdout) as {
    ref: string;
    privacy: { personalData: string; legalBasis: string | null };
  }[];
  const none = json.find((d) => d.ref === "clean-none@1")!;
  assert.deepEqual(
    { personalData: none.privacy.personalData, legalBasis: none.privacy.legalBasis },
    { personalData: "none", legalBasis: "public_task" },
  );
});

test("train refuses a dataset with personal data present unless allowed, and warns about unknown ones", async () => {
  const refused = await runCli(["train", "--data", "raw", "--epochs", "1", "--json"], { env });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /raw@1 holds personal data .*--allow-personal-data/);
  const runs = await runCli(["runs", "ls", "--json"], { env });
  assert.deepEqual(JSON.parse(runs.stdout), [], "no run was started");

  const allowed = await runCli(
    ["train", "--data", "raw", "clean-unknown", "--allow-personal-data", "--epochs", "1", "--json"],
    { env },
  );
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, /warning: training on personal data, as allowed for this run: raw@1/);
  assert.match(allowed.stderr, /warning: clean-unknown@1: personal data unknown/);
  assert.ok(JSON.parse(allowed.stdout).runId);

  const quiet = await runCli(["train", "--data", "clean-none", "--epochs", "1", "--json"], { env });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning: .*personal data/);
});
