/**
 * The red team over the API of a real server: a campaign as a job against the registry's
 * production version, its summary and report, refusals with their codes, and a campaign run
 * from outside against the server's own detection API (the HTTP target), which must judge
 * exactly as the model does in process.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BuiltinDetector } from "../../src/detect/builtin.js";
import { BuiltinModel } from "../../src/detect/model.js";
import { detectorTarget } from "../../src/redteam/campaign.js";
import { httpTarget, jsonScoreAdapter } from "../../src/redteam/http-target.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { redTeamCampaign } from "../../src/redteam/run.js";
import { FROZEN_SEED } from "../../src/redteam/suites.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer, homeWithProductionModel, waitJob } from "../server/helpers.js";

describe("red-team campaigns over HTTP", async () => {
  const { home, artifact } = await homeWithProductionModel("bulwark-redteam-http-");
  const local = new BuiltinDetector(BuiltinModel.deserialize(artifact));

  const server = await startTestServer({
    home,
    database: { sqlitePath: join(home, "bulwark.db") },
    registryModels: true,
  });
  const analyst = await keyFor(server, "analyst");
  const client = await keyFor(server, "client");

  let campaign = "";
  test("an analyst starts a campaign; the job names it and its files", async () => {
    const r = await server.call("/v1/redteam/campaigns", { key: analyst, json: { cases: 300, seed: 3 } });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(server, r.body.data.id, analyst);
    assert.equal(job.status, "succeeded", JSON.stringify(job));
    campaign = job.result.campaign;
    assert.match(campaign, /^rt-\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    assert.equal(job.result.model.ref, "builtin@1.0.0");
    assert.equal(job.result.cases, 300);
    for (const key of job.result.files) assert.ok(await server.ctx.store.exists(key), key);

    // The same seed in this process, on the same model, gives the same figures.
    const store = new FsObjectStore({ root: tempDir("bulwark-redteam-local-"), bucket: "bulwark" });
    await store.init();
    const mine = await redTeamCampaign(store, detectorTarget(local, "local"), { seed: 3, cases: 300 });
    assert.equal(job.result.detectionRate, mine.report.detectionRate);
    assert.equal(job.result.overDefence, mine.report.overDefence);
  });

  test("campaigns are listed, and each has a summary and a report in JSON or markdown", async () => {
    const list = await server.call("/v1/redteam/campaigns", { key: analyst });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.data.map((c: { campaign: string }) => c.campaign),
      [campaign],
    );
    const one = await server.call(`/v1/redteam/campaigns/${campaign}`, { key: analyst });
    assert.equal(one.body.data.cases, 300);
    assert.equal(one.body.data.byGenerator, undefined, "the summary leaves the tables to the report");
    const report = await server.call(`/v1/redteam/campaigns/${campaign}/report`, { key: analyst });
    assert.equal(report.status, 200);
    const tables = report.body.data.byGenerator as Record<string, { cases: number }>;
    assert.equal(
      Object.values(tables).reduce((n, t) => n + t.cases, 0),
      300,
    );
    assert.ok(report.body.data.worst.length > 0);
    const md = await server.call(`/v1/redteam/campaigns/${campaign}/report?format=md`, { key: analyst });
    assert.equal(md.status, 200);
    assert.match(md.headers.get("content-type") ?? "", /text\/markdown/);
    assert.match(md.text, new RegExp(`^# Red-team campaign ${campaign}`));
    const catalogue = await server.call("/v1/redteam/generators", { key: analyst });
    assert.ok(catalogue.body.data.generators.some((g: { id: string }) => g.id === "fiction"));
    assert.ok(catalogue.body.data.mutators.some((m: { id: string }) => m.id === "homoglyphs"));
  });

  test("bad campaigns are refused before they are queued", async () => {
    const start = (json: unknown) => server.call("/v1/redteam/campaigns", { key: analyst, json });
    assertError(await start({ generators: ["nope"] }), 400, "UNKNOWN_GENERATOR", /known are hijack/);
    assertError(await start({ mutators: ["rot47"] }), 400, "UNKNOWN_MUTATOR");
    assertError(await start({ seed: FROZEN_SEED }), 400, "VALIDATION_ERROR", /reserved for the frozen/);
    assertError(await start({ cases: 20_001 }), 400, "VALIDATION_ERROR");
    assertError(await start({ target: "http://169.254.169.254/" }), 400, "VALIDATION_ERROR");
  });

  test("a campaign against a version the registry does not hold fails, saying which", async () => {
    const r = await server.call("/v1/redteam/campaigns", { key: analyst, json: { model: "builtin@9.9.9" } });
    assert.equal(r.status, 202);
    const job = await waitJob(server, r.body.data.id, analyst);
    assert.equal(job.status, "failed");
    assert.match(job.error, /builtin@9\.9\.9/);
  });

  test("unknown and malformed campaign ids are told apart", async () => {
    assertError(
      await server.call("/v1/redteam/campaigns/rt-20200101T000000000Z-abcdef", { key: analyst }),
      404,
      "NOT_FOUND",
    );
    assertError(
      await server.call("/v1/redteam/campaigns/rt-bogus", { key: analyst }),
      400,
      "VALIDATION_ERROR",
    );
  });

  test("a campaign against the running server's API judges exactly as the model in process", async () => {
    const target = await httpTarget({ url: server.url, key: client });
    assert.equal(target.model.ref, "builtin@1.0.0");
    assert.equal(target.model.sha256, local.model.sha256);
    const store = new FsObjectStore({ root: tempDir("bulwark-redteam-remote-"), bucket: "bulwark" });
    await store.init();
    const remote = await redTeamCampaign(store, target, { seed: 9, cases: 200 });
    const inProcess = await redTeamCampaign(store, detectorTarget(local, "local"), { seed: 9, cases: 200 });
    assert.deepEqual(
      remote.results.map((r) => r.flagged),
      inProcess.results.map((r) => r.flagged),
    );
    assert.equal(remote.report.previous?.campaign, undefined);
    assert.equal(
      inProcess.report.previous?.campaign,
      remote.report.campaign,
      "same model, same store: compared",
    );
  });

  test("another detector joins through the JSON score adapter", async (t) => {
    // A toy detector: flags texts that mention instructions, and says so with a score.
    const toy = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const { prompt } = JSON.parse(body) as { prompt: string };
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ result: { score: /instruction/i.test(prompt) ? 0.9 : 0.1 } }));
      });
    });
    await new Promise<void>((r) => toy.listen(0, "127.0.0.1", r));
    t.after(() => toy.close());
    const url = `http://127.0.0.1:${(toy.address() as AddressInfo).port}/classify`;
    const target = await httpTarget({
      url,
      adapter: jsonScoreAdapter({ textField: "prompt", scoreField: "result.score", threshold: 0.5 }),
    });
    assert.equal(target.model.sha256, "unknown");
    const store = new FsObjectStore({ root: tempDir("bulwark-redteam-toy-"), bucket: "bulwark" });
    await store.init();
    const { results } = await redTeamCampaign(store, target, { seed: 2, cases: 120 });
    for (const r of results) assert.equal(r.flagged, /instruction/i.test(r.text), r.text);
    const broken = await httpTarget({
      url,
      adapter: jsonScoreAdapter({ textField: "prompt", scoreField: "score", threshold: 0.5 }),
    }).catch((e: unknown) => e);
    assert.match(String((broken as Error).message), /no number at "score"/);
  });

  test("a refused key is reported with the server's code, not counted as bypasses", async () => {
    await assert.rejects(
      httpTarget({ url: server.url, key: "bwk_wrong_000000000000" }),
      /answered 401 \(UNAUTHENTICATED/,
    );
    await assert.rejects(httpTarget({ url: "not a url", key: client }), { code: "INVALID_TARGET" });
  });
});
