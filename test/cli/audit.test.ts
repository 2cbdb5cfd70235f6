import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const home = tempDir("bulwark-cli-audit-");
const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "" };
const dbPath = join(home, "bulwark.db");

function sqlite(statement: string): void {
  const db = new Database(dbPath);
  try {
    db.prepare(statement).run();
  } finally {
    db.close();
  }
}

test("audit verify passes on an intact trail and fails on an edited or removed entry", async () => {
  for (const name of ["a", "b", "c", "d"]) {
    const r = await runCli(["keys", "create", "--role", "client", "--name", name], { env });
    assert.equal(r.code, 0, r.stderr);
  }
  const snap = await runCli(["audit", "snapshot", "--json"], { env });
  assert.equal(snap.code, 0, snap.stderr);
  const snapshot = JSON.parse(snap.stdout);
  assert.equal(snapshot.to, 4);

  const ok = await runCli(["audit", "verify"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /4 entries/);
  assert.match(ok.stdout, /OK: the audit trail is intact/);

  const list = await runCli(["audit", "list", "--json"], { env });
  assert.deepEqual(
    JSON.parse(list.stdout).map((e: { target: string }) => e.target),
    ["key:a", "key:b", "key:c", "key:d"],
  );

  sqlite("update audit_log set actor = 'cli:someone-else' where seq = 2");
  const edited = await runCli(["audit", "verify"], { env });
  assert.equal(edited.code, 2);
  assert.match(edited.stdout, /#2 edited/);
  assert.match(edited.stderr, /tampered/);

  sqlite("delete from audit_log where seq = 4");
  const removed = await runCli(["audit", "verify", "--json"], { env });
  assert.equal(removed.code, 2);
  assert.match(removed.stderr, /tampered/);
  const report = JSON.parse(removed.stdout.split("\n{")[0]!);
  assert.equal(report.ok, false);
  assert.ok(report.problems.some((p: { kind: string; seq: number }) => p.kind === "edited" && p.seq === 2));
  assert.ok(
    report.problems.some((p: { kind: string; seq: number }) => p.kind === "anchor_mismatch" && p.seq === 4),
    "the locked snapshot sees the cut tail",
  );
});
