/**
 * /v1/privacy and `bulwark privacy` against a real server (SQLite, local store): a report
 * filed with X-Bulwark-Subject is kept redacted and found by the subject's id; the export
 * shows it with the subject's events; erasure answers its receipt (inline, or as a job),
 * the receipts are listed from the audit trail, retention runs on request, and the trail
 * still verifies. The CLI does the same on the server's home.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { keyFor, startTestServer, waitJob } from "../server/helpers.js";
import { insertEvent } from "./helpers.js";

const server = await startTestServer();
const admin = server.adminKey;
const client = await keyFor(server, "client");
const privacy = server.ctx.app.privacy;

describe("privacy rights over the API", () => {
  test("a report names its subject by header; export, erasure, receipts, audit verify", async () => {
    const filed = await server.call("/v1/feedback", {
      key: client,
      headers: { "x-bulwark-subject": "carol-9" },
      json: { requestId: "req-carol", label: 0, text: "please mail carol@example.org the invoice" },
    });
    assert.equal(filed.status, 201, filed.text);
    const id = filed.body.data.id;
    const report = await server.call(`/v1/feedback/${id}`, { key: admin });
    assert.equal(report.body.data.text, "please mail [EMAIL] the invoice");
    await server.ctx.audit.flush();
    const [entry] = await server.ctx.audit.list({ action: "feedback.create" });
    assert.ok(!("textSha256" in entry!.details!), "no plain hash of the raw text in the trail");

    const carol = privacy.subject("carol-9");
    await insertEvent(server.db, { at: new Date(), subject: carol });
    await insertEvent(server.db, { at: new Date(), subject: privacy.subject("dan") });

    const exported = await server.call("/v1/privacy/subjects/carol-9/export", { key: admin });
    assert.equal(exported.status, 200, exported.text);
    assert.equal(exported.body.data.subject, carol);
    assert.equal(exported.body.data.events.length, 1);
    assert.deepEqual(
      exported.body.data.feedback.map((f: { id: string }) => f.id),
      [id],
    );
    assert.doesNotMatch(exported.text, /carol-9|carol@example/);

    const erased = await server.call("/v1/privacy/erasures", { key: admin, json: { subject: "carol-9" } });
    assert.equal(erased.status, 200, erased.text);
    const receipt = erased.body.data;
    assert.deepEqual(
      [receipt.events, receipt.feedback],
      [
        { found: 1, removed: 1 },
        { found: 1, removed: 1 },
      ],
    );
    assert.equal(receipt.complete, true);
    assert.equal(receipt.by, `key:test-admin`);

    const queued = await server.call("/v1/privacy/erasures", {
      key: admin,
      json: { subject: "carol-9", async: true },
    });
    assert.equal(queued.status, 202, queued.text);
    assert.deepEqual(queued.body.data.payload, { subject: carol }, "the job keeps the hash, not the id");
    const job = await waitJob(server, queued.body.data.id, admin);
    assert.equal(job.status, "succeeded", JSON.stringify(job));
    assert.deepEqual(job.result.events, { found: 0, removed: 0 });

    const receipts = await server.call("/v1/privacy/erasures", { key: admin });
    assert.equal(receipts.status, 200, receipts.text);
    assert.deepEqual(
      receipts.body.data.map((r: { id: string }) => r.id),
      [job.result.id, receipt.id],
    );

    const after = await server.call("/v1/privacy/subjects/carol-9/export", { key: admin });
    assert.deepEqual([after.body.data.events, after.body.data.feedback], [[], []]);
    assert.equal((await server.db.db.selectFrom("detection_events").select("id").execute()).length, 1);

    const retention = await server.call("/v1/privacy/retention", { key: admin, json: { dryRun: true } });
    assert.equal(retention.status, 200, retention.text);
    assert.equal(retention.body.data.dryRun, true);
    assert.equal(retention.body.data.kinds.events.days, 90);

    const forbidden = await server.call("/v1/privacy/erasures", { key: client, json: { subject: "x" } });
    assert.equal(forbidden.status, 403);

    const verify = await server.call("/v1/audit/verify", { key: admin });
    assert.equal(verify.body.data.ok, true, verify.text);
  });

  test("bulwark privacy erase, export and retention on the same home", async () => {
    const env = { ...server.env, BULWARK_PORT: undefined } as Record<string, string | undefined>;
    await insertEvent(server.db, { at: new Date(), subject: privacy.subject("erin") });
    const out = join(server.home, "erin.json");
    const exported = await runCli(["privacy", "export", "--subject", "erin", "--output", out], { env });
    assert.equal(exported.code, 0, exported.stderr);
    const data = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(data.events.length, 1);
    assert.equal(data.subject, privacy.subject("erin"), "the CLI hashes with the server's key");

    const erased = await runCli(["privacy", "erase", "--subject", "erin", "--json"], { env });
    assert.equal(erased.code, 0, erased.stderr);
    assert.deepEqual(JSON.parse(erased.stdout).events, { found: 1, removed: 1 });

    const retention = await runCli(["privacy", "retention", "--dry-run"], { env });
    assert.equal(retention.code, 0, retention.stderr);
    assert.match(retention.stdout, /^events +0 due \(older than 90 days\)$/m);
    assert.match(retention.stdout, /^datasets +kept until erased$/m);

    const verify = await runCli(["audit", "verify", "--json"], { env });
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(JSON.parse(verify.stdout).ok, true);
  });
});
