/**
 * `bulwark privacy redact`: a text from --text, a file or stdin comes back redacted; hash
 * mode uses the deployment's key from the database, so two runs (and the service, on the
 * same database) agree, and another home's key gives other hashes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const envFor = (home: string) => ({
  BULWARK_HOME: home,
  DATABASE_URL: "",
  REDIS_URL: "",
  BULWARK_PRIVACY_KEY: "",
});
const home = tempDir("bulwark-cli-privacy-");
const env = envFor(home);
const TEXT = "Mail bob@example.com or call +44 20 7946 0958.";

test("mask (the default) from --text, with a summary on stderr", async () => {
  const r = await runCli(["privacy", "redact", "--text", TEXT], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Mail [EMAIL] or call [PHONE].\n");
  assert.match(r.stderr, /2 finding\(s\): email 1, phone 1/);
});

test("remove from a file, and --json from stdin with the findings", async () => {
  const file = join(home, "ticket.txt");
  writeFileSync(file, `${TEXT}\n`);
  const removed = await runCli(["privacy", "redact", "--file", file, "--mode", "remove"], { env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, "Mail  or call .\n");

  const json = await runCli(["privacy", "redact", "--file", "-", "--json"], { env, input: TEXT });
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.mode, "mask");
  assert.deepEqual(
    out.findings.map((f: { type: string; start: number; end: number }) => [
      f.type,
      TEXT.slice(f.start, f.end),
    ]),
    [
      ["email", "bob@example.com"],
      ["phone", "+44 20 7946 0958"],
    ],
  );
});

test("hash mode: stable with one home's key, different with another's", async () => {
  const hashed = async (e: Record<string, string>) => {
    const r = await runCli(["privacy", "redact", "--text", TEXT, "--mode", "hash"], { env: e });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const first = await hashed(env);
  assert.match(first, /^Mail \[EMAIL:[0-9a-f]{12}\] or call \[PHONE:[0-9a-f]{12}\]\.\n$/);
  assert.equal(await hashed(env), first);
  assert.notEqual(await hashed(envFor(tempDir("bulwark-cli-privacy-other-"))), first);
});

test("usage errors: both sources, a bad mode, no text", async () => {
  const both = await runCli(["privacy", "redact", "--text", "x", "--file", "-"], { env });
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--text or --file, not both/);
  const mode = await runCli(["privacy", "redact", "--text", "x", "--mode", "blur"], { env });
  assert.notEqual(mode.code, 0);
  assert.match(mode.stderr, /must be one of mask, hash, remove/);
  const empty = await runCli(["privacy", "redact"], { env, input: "" });
  assert.notEqual(empty.code, 0);
  assert.match(empty.stderr, /no text given/);
});
