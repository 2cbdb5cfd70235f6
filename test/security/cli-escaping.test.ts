/**
 * Stored strings in the CLI's text output (security review, audit item 5): a username
 * sent to the login route ends up in the audit trail, and `bulwark audit list` printed it
 * raw, so a newline forged a whole audit line and escape codes drove the terminal. The
 * real CLI must show such characters as escapes, in lines and in tables, while --json
 * stays exact JSON.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.js";
import { startTestServer } from "../server/helpers.js";

const FORGED = "#999 2026-01-01 user:admin user.delete bob success";
// A newline forging a line, a CSI sequence clearing the screen, a one-byte C1 CSI, DEL,
// a carriage return and a right-to-left override.
// (64 characters, the most the login route takes.)
const NAME = `m\n${FORGED}\u001b[2J\u009b\u007f\r\u202e`;
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u;

const server = await startTestServer();

test("a username with a newline and escape codes cannot forge lines in `audit list`", async () => {
  const r = await server.call("/v1/auth/login", { json: { username: NAME, password: "wrong" } });
  assert.equal(r.status, 401);
  await server.ctx.audit.flush();

  const list = await runCli(["audit", "list", "--action", "auth.refused"], { env: server.env });
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one refused login must print one line:\n${list.stdout}`);
  assert.match(lines[0]!, /^#\d+ /);
  assert.doesNotMatch(list.stdout, RAW, "no control or bidi character reaches the terminal");
  assert.ok(
    lines[0]!.includes(`m\\n${FORGED}\\x1b[2J\\x9b\\x7f\\r\\u202e`),
    `the name is shown escaped: ${lines[0]}`,
  );

  // JSON output stays JSON: the exact stored string, escaped by JSON itself.
  const json = await runCli(["audit", "list", "--action", "auth.refused", "--json"], { env: server.env });
  assert.equal(json.code, 0, json.stderr);
  const entries = JSON.parse(json.stdout) as { target: string }[];
  assert.equal(entries[0]!.target, `user:${NAME}`);
});

test("table printers escape stored strings too", async () => {
  // The job queue takes any creator string from its callers; `jobs list` prints it in a table.
  await server.ctx.jobs.queue.enqueue("system.selftest", { ms: 0 }, { createdBy: NAME });
  const r = await runCli(["jobs", "list"], { env: server.env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW, "no control or bidi character reaches the terminal");
  const rows = r.stdout.trimEnd().split("\n");
  const row = rows.find((l) => l.includes("m\\n#999"));
  assert.ok(row?.includes("\\x1b[2J\\x9b\\x7f\\r\\u202e"), `the creator is shown escaped:\n${r.stdout}`);
  assert.ok(!rows.some((l) => l.startsWith("#999")), "no forged line");
});
