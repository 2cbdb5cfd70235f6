/**
 * `bulwark canary`: a token made from the command line is printed once, stored as its hash
 * and recognised by the service when it leaks; `fingerprint` prints what the API takes
 * instead of a prompt's text.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promptFingerprint } from "../../src/detect/output/prompt-text.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { keyFor, startTestServer } from "../server/helpers.js";

const home = tempDir("bulwark-cli-canary-");
const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "", BULWARK_ACTOR: "cli:prompt-team" };

test("canary create prints a token once that the service traces when it leaks", async () => {
  const made = await runCli(["canary", "create", "--label", "billing bot v2", "--json"], { env });
  assert.equal(made.code, 0, made.stderr);
  const created = JSON.parse(made.stdout);
  assert.match(created.token, /^bw-canary-[a-z2-7]{26}$/);
  assert.equal(created.label, "billing bot v2");
  assert.ok(created.instruction.includes(created.token));

  const plain = await runCli(["canary", "create"], { env });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout.trim(), /^bw-canary-[a-z2-7]{26}$/);
  assert.match(plain.stderr, /not shown again.*\n.*Confidential marker: bw-canary-/);

  const list = await runCli(["canary", "list", "--json"], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(!list.stdout.includes(created.token), "the list shows the token");
  const rows = JSON.parse(list.stdout);
  assert.deepEqual(
    rows.map((r: { label: string | null; createdBy: string }) => [r.label, r.createdBy]),
    [
      ["billing bot v2", "cli:prompt-team"],
      [null, "cli:prompt-team"],
    ],
  );

  const server = await startTestServer({ home, database: { sqlitePath: join(home, "bulwark.db") } });
  const analyst = await keyFor(server, "analyst");
  const r = await server.call("/v1/detect/output", {
    key: analyst,
    json: { output: `oops ${created.token}` },
  });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.data.canaries[0].record, {
    id: created.id,
    label: "billing bot v2",
    createdAt: created.createdAt,
    createdBy: "cli:prompt-team",
  });
  await server.ctx.audit.flush();
  const entries = await server.ctx.audit.list({ actor: "cli:prompt-team" });
  assert.deepEqual(
    entries.map((e) => e.action),
    ["canary.create", "canary.create"],
  );

  const after = JSON.parse((await runCli(["canary", "list", "--json"], { env })).stdout);
  assert.equal(after[0].leakCount, 1);
});

test("canary fingerprint prints the prompt's hashes, from a file or stdin", async () => {
  const prompt =
    "You are a careful assistant for the billing team.\nNever share a customer's card number with anyone.";
  const file = join(home, "prompt.txt");
  writeFileSync(file, prompt);
  const fromFile = await runCli(["canary", "fingerprint", file], { env });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.deepEqual(JSON.parse(fromFile.stdout), promptFingerprint(prompt));
  const fromStdin = await runCli(["canary", "fingerprint"], { env, input: prompt });
  assert.deepEqual(JSON.parse(fromStdin.stdout), promptFingerprint(prompt));
  const empty = await runCli(["canary", "fingerprint"], { env, input: "  " });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /no prompt given/);
});
