/**
 * /v1/backups: an admin takes a backup over HTTP (a backup.create job) and lists it;
 * an analyst may do neither (the auth matrix checks every role; this checks the outcome).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertError, keyFor, startTestServer, waitJob } from "../server/helpers.js";

const server = await startTestServer();

test("POST /v1/backups queues a backup that GET /v1/backups then lists as complete", async () => {
  const queued = await server.call("/v1/backups", { key: server.adminKey, json: { lockDays: 0 } });
  assert.equal(queued.status, 202, queued.text);
  assert.equal(queued.body.data.type, "backup.create");
  const job = await waitJob(server, queued.body.data.id, server.adminKey);
  assert.equal(job.status, "succeeded", JSON.stringify(job));
  const list = await server.call("/v1/backups", { key: server.adminKey });
  assert.equal(list.status, 200, list.text);
  const entry = (list.body.data as { id: string; complete: boolean; tables: number }[]).find(
    (b) => b.id === job.result.id,
  );
  assert.ok(entry?.complete && entry.tables === 18, JSON.stringify(list.body.data));
});

test("an analyst may neither list nor take backups; a bad body is refused", async () => {
  const analyst = await keyFor(server, "analyst");
  assertError(await server.call("/v1/backups", { key: analyst }), 403, "FORBIDDEN");
  assertError(await server.call("/v1/backups", { key: analyst, json: {} }), 403, "FORBIDDEN");
  const bad = await server.call("/v1/backups", { key: server.adminKey, json: { lockDays: -1 } });
  assert.equal(bad.status, 400, bad.text);
});
