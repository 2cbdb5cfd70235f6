/**
 * Learning cycles over HTTP: POST /v1/learn/cycles queues a learn.cycle job (admins only:
 * its challenger may reach production), the job runs the cycle with progress and logs,
 * and GET /v1/learn/cycles[/id] show what it decided and why.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import { importData } from "../../src/data/import/index.js";
import { openDatabase } from "../../src/db/open.js";
import { loadRulesFile } from "../../src/detect/rules.js";
import { DEFAULT_RULE } from "../../src/learn/rule.js";
import { trainRun } from "../../src/learn/training-run.js";
import { ModelRegistry } from "../../src/registry/registry.js";
import { createObjectStore } from "../../src/storage/index.js";
import { RunStore } from "../../src/train/runs.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer, waitJob } from "./helpers.js";

describe("learning cycles over HTTP", async () => {
  // The registry as a server would have it, with a small production model trained on a dataset.
  const home = tempDir("bulwark-learn-http-");
  const config = loadConfig({ BULWARK_HOME: home });
  const seedDb = await openDatabase(config);
  const seedStore = createObjectStore(config.storage);
  await seedStore.init({ objectLock: true });
  const slice = join(home, "slice.jsonl");
  await writeCorpusSlice(slice, 14);
  const catalog = new DatasetCatalog(seedDb, seedStore, { actor: "test:seed" });
  const imported = await importData(catalog, [slice], { name: "slice" });
  const champion = await trainRun(
    {
      catalog,
      registry: new ModelRegistry(seedDb, seedStore, { actor: "test:seed" }),
      runs: new RunStore(seedDb, { actor: "test:seed" }),
    },
    {
      data: [imported.dataset.id],
      // The corpus slice holds benchmark texts with e-mail addresses: personal data present.
      allowPersonalData: true,
      name: "builtin",
      params: { epochs: 2 },
      rules: loadRulesFile(),
      stage: "production",
    },
  );
  await seedDb.close();

  const server = await startTestServer({
    home,
    database: { sqlitePath: join(home, "bulwark.db") },
    registryModels: true,
  });
  const analyst = await keyFor(server, "analyst");
  const client = await keyFor(server, "client");
  const admin = server.adminKey;

  test("only an admin may start a cycle; a bad request is refused before anything is queued", async () => {
    for (const key of [analyst, client])
      assertError(await server.call("/v1/learn/cycles", { key, json: { cases: 100 } }), 403, "FORBIDDEN");
    assertError(
      await server.call("/v1/learn/cycles", { key: admin, json: { cases: 5 } }),
      400,
      "VALIDATION_ERROR",
      /body\.cases must be >= 10/,
    );
    assertError(
      await server.call("/v1/learn/cycles", { key: admin, json: { scheduledFor: "2026-01-01T00:00:00Z" } }),
      400,
      "VALIDATION_ERROR",
    );
    assert.deepEqual((await server.call("/v1/jobs", { key: admin })).body.data, []);
  });

  let cycleId = "";
  test("an admin's cycle runs as a job and reports its decision, figures and files", async () => {
    const started = await server.call("/v1/learn/cycles", {
      key: admin,
      json: { cases: 200, seed: 21, rule: { fprTolerance: 0.5 } },
    });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.data.type, "learn.cycle");
    const job = await waitJob(server, started.body.data.id, admin);
    assert.equal(job.status, "succeeded", job.error);
    assert.equal(job.progress, 1);
    const r = job.result;
    cycleId = r.cycle;
    assert.equal(r.champion, champion.version.ref);
    assert.match(r.challenger, /^builtin@1\.1\.0$/);
    assert.ok(["promoted", "rejected"].includes(r.decision));
    assert.equal(r.rule.fprTolerance, 0.5);
    assert.deepEqual(r.rule.recallHigherOn, ["frozen"]);
    assert.deepEqual(Object.keys(r.figures.champion).sort(), ["frozen", "hard-negatives", "validation"]);
    assert.equal(r.files.combined, `combined-data/builtin/${r.cycle}.jsonl`);
    assert.equal((await server.ctx.store.head(r.files.combined)).sha256.length, 64);
    const logs = await server.call(`/v1/jobs/${started.body.data.id}/logs`, { key: analyst });
    const lines = logs.body.data.map((l: { message: string }) => l.message).join("\n");
    for (const phase of [/red-teaming builtin@1\.0\.0/, /training the challenger/, /evaluating the champion/])
      assert.match(lines, phase);
    assert.match(lines, new RegExp(`${r.decision} builtin@1\\.1\\.0 against builtin@1\\.0\\.0`));
    const production = (await server.call("/v1/models/builtin", { key: analyst })).body.data.version;
    assert.equal(production, r.decision === "promoted" ? "1.1.0" : "1.0.0");
  });

  test("analysts read the cycles and their figures; clients may not", async () => {
    const list = await server.call("/v1/learn/cycles", { key: analyst });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.data.map((c: { id: string }) => c.id),
      [cycleId],
    );
    const one = await server.call(`/v1/learn/cycles/${cycleId}`, { key: analyst });
    assert.equal(one.status, 200, one.text);
    const c = one.body.data;
    assert.equal(c.status, "succeeded");
    assert.equal(c.createdBy, "key:test-admin");
    assert.equal(c.options.trigger, "job");
    assert.equal(c.campaign.seed, 21);
    assert.ok(c.figures.checks.length >= 3);
    const v = c.figures.validation;
    assert.equal(v.rows, v.heldOut - v.trainedByChampion - v.trainedByChallenger);
    assert.equal(c.figures.champion.validation.n, v.rows);
    assert.ok(c.data.modelSpecific.every((k: string) => k.startsWith(`model-specific/builtin/${cycleId}/`)));
    assertError(await server.call(`/v1/learn/cycles/lc_nothing`, { key: analyst }), 404, "NOT_FOUND");
    assertError(await server.call("/v1/learn/cycles", { key: client }), 403, "FORBIDDEN");
    const filtered = await server.call("/v1/learn/cycles?decision=promoted", { key: analyst });
    assert.equal(filtered.body.data.length, c.decision === "promoted" ? 1 : 0);
  });

  test("a scheduled tick runs once: a second job for the same tick ends at once, skipped", async () => {
    const tick = "2026-03-01T03:00:00.000Z";
    const ws = await server.ctx.app.workspace("test:other-server");
    // Another server's job took this tick first.
    await ws.cycles.start({
      model: "builtin",
      rule: DEFAULT_RULE,
      options: { cases: 10, seed: 1, campaignRows: "failures", trigger: "schedule" },
      scheduledFor: tick,
    });
    const job = await server.ctx.jobs.queue.enqueue(
      "learn.cycle",
      { scheduledFor: tick },
      { createdBy: "system:scheduler" },
    );
    const done = await waitJob(server, job.id, admin);
    assert.equal(done.status, "succeeded", done.error);
    assert.deepEqual(done.result, { skipped: true, scheduledFor: tick });
    const ticks = (await server.call("/v1/learn/cycles", { key: admin })).body.data.filter(
      (c: { scheduledFor: string | null }) => c.scheduledFor === tick,
    );
    assert.equal(ticks.length, 1);
  });

  test("starting a cycle is in the audit trail", async () => {
    await server.ctx.audit.flush();
    const entries = await server.ctx.audit.list({ action: "job.create", order: "desc", limit: 5 });
    assert.ok(entries.some((e) => e.details?.type === "learn.cycle" && e.actor === "key:test-admin"));
  });
});
