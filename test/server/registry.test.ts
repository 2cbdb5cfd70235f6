import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import { assertError, keyFor, startTestServer, homeWithProductionModel, waitJob } from "./helpers.js";

describe("datasets, training, runs and models over HTTP", async () => {
  // A registry whose production model is the small test model, as a previous first start left it.
  const { home } = await homeWithProductionModel("bulwark-registry-http-");
  const server = await startTestServer({
    home,
    database: { sqlitePath: join(home, "bulwark.db") },
    registryModels: true,
  });
  const analyst = await keyFor(server, "analyst");
  const admin = server.adminKey;
  const served = async () =>
    (await server.call("/v1/detect", { key: admin, json: { text: "hello" } })).body.data.model.version;
  const jobCount = async () => (await server.call("/v1/jobs", { key: admin })).body.data.length as number;
  /** The newest refusal in the audit trail, as "actor target reason". */
  const lastRefusal = async () => {
    await server.ctx.audit.flush();
    const e = (await server.ctx.audit.list({ action: "auth.refused", order: "desc", limit: 1 }))[0];
    return `${e?.actor} ${e?.target} ${String(e?.details?.reason)}`;
  };

  test("the server serves the registry's production version", async () => {
    assert.equal(await served(), "1.0.0");
  });

  let datasetRef = "";
  test("upload a file, import it as a dataset with a job, read its stats and export it", async () => {
    const corpus = await loadBundledCorpus();
    const rows = corpus.filter((_, i) => i % Math.ceil(corpus.length / 600) === 0);
    const body = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
    const up = await server.call("/v1/datasets/uploads/mini.jsonl", {
      method: "PUT",
      key: analyst,
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    assert.equal(up.status, 201, up.text);
    assert.match(up.body.data.source, /^s3:\/\/bulwark\/uploads\//);
    const started = await server.call("/v1/datasets/import", {
      key: analyst,
      json: { sources: [up.body.data.source], name: "mini" },
    });
    assert.equal(started.status, 202);
    const job = await waitJob(server, started.body.data.id, analyst);
    assert.equal(job.status, "succeeded", job.error);
    assert.equal(job.result.dataset, "mini@1");
    datasetRef = job.result.dataset;
    const list = await server.call("/v1/datasets", { key: analyst });
    assert.deepEqual(
      list.body.data.map((d: { ref: string }) => d.ref),
      ["mini@1"],
    );
    const stats = await server.call(`/v1/datasets/${datasetRef}/stats`, { key: analyst });
    assert.equal(stats.body.data.rows, rows.length);
    assert.ok(stats.body.data.counts.label["1"] > 0);
    const exported = await server.call(`/v1/datasets/${datasetRef}/export`, { key: analyst });
    assert.equal(exported.status, 200);
    assert.equal(exported.text.trim().split("\n").length, rows.length);
    const envelope = await server.call(`/v1/datasets/${datasetRef}/export?format=envelope`, { key: analyst });
    assert.equal(JSON.parse(envelope.text).samples.length, rows.length);
    const logs = await server.call(`/v1/jobs/${started.body.data.id}/logs`, { key: analyst });
    assert.ok(logs.body.data.some((l: { message: string }) => /created mini@1/.test(l.message)));
  });

  test("imports never read the server's own files; training never names a path", async () => {
    const before = await jobCount();
    const local = await server.call("/v1/datasets/import", {
      key: analyst,
      json: { sources: ["/etc/passwd"] },
    });
    assertError(local, 400, "VALIDATION_ERROR", /body\.sources\.0 must match pattern/);
    const path = await server.call("/v1/training", { key: analyst, json: { datasets: ["../../etc"] } });
    assertError(path, 400, "VALIDATION_ERROR", /body\.datasets\.0 must match pattern/);
    const client = await keyFor(server, "client", "no-import");
    const denied = await server.call("/v1/datasets/import", {
      key: client,
      json: { sources: ["https://example.com/x.jsonl"] },
    });
    assertError(denied, 403, "FORBIDDEN", /the client role may not do this/);
    assert.equal(await lastRefusal(), "key:no-import POST /v1/datasets/import forbidden_role");
    assert.equal(await jobCount(), before, "no job was created");
  });

  test("training parameters that would never finish are refused before anything is queued", async () => {
    const before = await jobCount();
    for (const [params, message] of [
      [{ window: { stride: 1e-300 } }, /params\/window\/stride|integer/],
      [{ epochs: 1e9 }, /params\/epochs|<= 100/],
      [
        { window: { size: 128, stride: 512 } },
        /window\.stride must be an integer from 16 to window\.size \(128\)/,
      ],
      [{ alpha: "fast" }, /params\/alpha|number/],
      [{ learningRate: 1 }, /additional properties|params/],
    ] as const) {
      const r = await server.call("/v1/training", { key: analyst, json: { params } });
      assert.equal(r.status, 400, `${JSON.stringify(params)}: ${r.text}`);
      assert.equal(r.body.code, "VALIDATION_ERROR", r.text);
      assert.match(r.body.error, message, r.text);
    }
    assert.equal(await jobCount(), before, "no job was created");
  });

  test("an analyst trains into staging; only an admin may go straight to production", async () => {
    const before = await jobCount();
    const denied = await server.call("/v1/training", {
      key: analyst,
      json: { datasets: [datasetRef], stage: "production" },
    });
    assertError(
      denied,
      403,
      "FORBIDDEN",
      /only an admin may train straight into production: use stage staging/,
    );
    assert.equal(await jobCount(), before, "no job was created");
    const started = await server.call("/v1/training", {
      key: analyst,
      // The corpus slice holds benchmark texts with e-mail addresses: personal data present.
      json: { datasets: [datasetRef], params: { epochs: 1 }, stage: "staging", allowPersonalData: true },
    });
    assert.equal(started.status, 202, started.text);
    const job = await waitJob(server, started.body.data.id, analyst);
    assert.equal(job.status, "succeeded", job.error);
    assert.equal(job.result.model, "builtin@1.1.0");
    assert.equal(job.result.stage, "staging");
    assert.equal(job.progress, 1);
    const runs = await server.call("/v1/runs", { key: analyst });
    const run = runs.body.data.find((r: { id: string }) => r.id === job.result.run);
    assert.equal(run.status, "succeeded");
    assert.equal(run.datasets[0].name, "mini");
    assert.equal(run.createdBy, "key:analyst-key");
    const one = await server.call(`/v1/runs/${run.id}`, { key: analyst });
    assert.equal(one.body.data.modelVersion, "1.1.0");
    assert.equal(await served(), "1.0.0", "staging does not change the served model");
  });

  test("promotion (admin) takes effect at once; rollback restores the previous version", async () => {
    const denied = await server.call("/v1/models/builtin@1.1.0/promote", { key: analyst, json: {} });
    assertError(denied, 403, "FORBIDDEN", /the analyst role may not do this \(it needs admin\)/);
    assert.equal(await lastRefusal(), "key:analyst-key POST /v1/models/:ref/promote forbidden_role");
    assert.equal(await served(), "1.0.0", "production did not change");
    const staged = await server.call("/v1/models/builtin@1.1.0", { key: analyst });
    assert.equal(staged.body.data.stage, "staging");
    const promoted = await server.call("/v1/models/builtin@1.1.0/promote", {
      key: admin,
      json: { reason: "better on mini" },
    });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.data.version.stage, "production");
    assert.equal(promoted.body.data.demoted.ref, "builtin@1.0.0");
    assert.equal(await served(), "1.1.0");
    const list = await server.call("/v1/models?name=builtin", { key: analyst });
    assert.deepEqual(
      list.body.data.map((v: { ref: string; stage: string }) => `${v.ref}:${v.stage}`),
      ["builtin@1.1.0:production", "builtin@1.0.0:archived"],
    );
    const rolled = await server.call("/v1/models/builtin/rollback", {
      key: admin,
      json: { reason: "regression" },
    });
    assert.equal(rolled.status, 200, rolled.text);
    assert.equal(rolled.body.data.version.ref, "builtin@1.0.0");
    assert.equal(await served(), "1.0.0");
    const history = await server.call("/v1/models/builtin/history", { key: analyst });
    assert.ok(history.body.data.length >= 4);
    const verify = await server.call("/v1/models/builtin/verify", { key: analyst });
    assert.deepEqual([verify.body.data.ok, verify.body.data.checked], [true, 2]);
    const missing = await server.call("/v1/models/builtin@9.9.9", { key: analyst });
    assertError(missing, 404, "MODEL_NOT_FOUND", /model builtin@9\.9\.9 not found/);
    await server.ctx.audit.flush();
    const actions = (await server.ctx.audit.list({ limit: 1000 })).map((e) => `${e.actor} ${e.action}`);
    assert.ok(actions.includes("key:test-admin model.promote"));
    assert.ok(actions.includes("key:test-admin model.rollback"));
    assert.ok(actions.some((a) => a === "key:analyst-key dataset.create"));
  });
});
