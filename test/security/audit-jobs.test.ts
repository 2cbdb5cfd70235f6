/**
 * Audit jobs are admins' (security review, audit item 3): an analyst could cancel the
 * audit snapshot job, so an edit of the log made before it ran was never sealed under
 * Object Lock. Starting and cancelling audit.* jobs now needs the admin role; analysts keep
 * their other jobs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertError, keyFor, startTestServer } from "../server/helpers.js";

const server = await startTestServer({ env: { BULWARK_JOB_CONCURRENCY: "1" } });
const analyst = await keyFor(server, "analyst");

/** A queued audit snapshot job that nothing picks up before the test acts on it. */
async function queuedSnapshotJob(): Promise<string> {
  const job = await server.ctx.jobs.store.create({
    type: "audit.snapshot",
    payload: {},
    createdBy: "system:scheduler",
    maxAttempts: 1,
    backend: "inprocess",
  });
  return job.id;
}

test("an analyst cannot cancel the audit snapshot job: 403 FORBIDDEN, and it stays queued", async () => {
  const id = await queuedSnapshotJob();
  const r = await server.call(`/v1/jobs/${id}/cancel`, { method: "POST", key: analyst });
  assertError(r, 403, "FORBIDDEN", /only an admin may cancel a audit\.snapshot job/);
  assert.equal(r.body.details.jobType, "audit.snapshot");
  const job = await server.ctx.jobs.store.get(id);
  assert.notEqual(job.status, "cancelled");

  await server.ctx.audit.flush();
  const [entry] = await server.ctx.audit.list({ action: "job.cancel", order: "desc", limit: 1 });
  assert.equal(entry?.outcome, "denied", "the refusal is in the audit trail");
  assert.equal(entry?.target, `job:${id}`);

  const byAdmin = await server.call(`/v1/jobs/${id}/cancel`, { method: "POST", key: server.adminKey });
  assert.notEqual(byAdmin.status, 403, byAdmin.text);
});

test("an analyst cannot start an audit snapshot: 403 FORBIDDEN", async () => {
  const r = await server.call("/v1/audit/snapshots", { method: "POST", key: analyst });
  assertError(r, 403, "FORBIDDEN");
});

test("an analyst still cancels other jobs", async () => {
  const job = await server.ctx.jobs.store.create({
    type: "system.selftest",
    payload: { ms: 60_000, failTimes: 0 },
    createdBy: "test",
    maxAttempts: 1,
    backend: "inprocess",
  });
  const r = await server.call(`/v1/jobs/${job.id}/cancel`, { method: "POST", key: analyst });
  assert.equal(r.status, 200, r.text);
});
