/**
 * Personal data in datasets over HTTP, on a real server with its job queue: an import job
 * with `redact` stores no address, and the dataset (list and get) carries its privacy
 * block; a declaration of "none" the rows contradict fails the job naming where; a
 * training job refuses a dataset with personal data present unless `allowPersonalData`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import { findPii } from "../../src/privacy/index.js";
import { assertError, keyFor, startTestServer, waitJob } from "./helpers.js";

describe("dataset privacy over HTTP", async () => {
  const server = await startTestServer();
  const analyst = await keyFor(server, "analyst");
  const corpus = (await loadBundledCorpus()).filter((s, i) => i % 60 === 0 && findPii(s.text).length === 0);
  const customer = {
    text: "Refund me at jane.doe@example.com, card 4111 1111 1111 1111",
    label: 0,
    category: "benign",
    subject: "customer-7",
  };
  const body = [...corpus, customer].map((r) => JSON.stringify(r)).join("\n") + "\n";

  async function upload(name: string): Promise<string> {
    const up = await server.call(`/v1/datasets/uploads/${name}`, {
      method: "PUT",
      key: analyst,
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    assert.equal(up.status, 201, up.text);
    return up.body.data.source as string;
  }

  async function imported(json: Record<string, unknown>) {
    const started = await server.call("/v1/datasets/import", { key: analyst, json });
    assert.equal(started.status, 202, started.text);
    return waitJob(server, started.body.data.id, analyst);
  }

  test("an import with redact stores no personal data, and list and get show its privacy block", async () => {
    const job = await imported({
      sources: [await upload("support.jsonl")],
      name: "support",
      redact: true,
      legalBasis: "contract",
      purpose: "screening support tickets",
    });
    assert.equal(job.status, "succeeded", job.error);
    const expected = {
      personalData: "redacted",
      legalBasis: "contract",
      purpose: "screening support tickets",
      redactionMode: "mask",
      pii: { rows: 1, byType: { card: 1, email: 1 } },
      subjects: 1,
    };
    assert.deepEqual(job.result.privacy, expected);
    const one = await server.call("/v1/datasets/support", { key: analyst });
    assert.deepEqual(one.body.data.privacy, expected);
    const list = await server.call("/v1/datasets", { key: analyst });
    assert.deepEqual(list.body.data[0].privacy, expected);
    const exported = await server.call("/v1/datasets/support/export", { key: analyst });
    assert.equal(exported.status, 200);
    assert.doesNotMatch(exported.text, /jane\.doe|4111|customer-7/);
    assert.match(
      exported.text,
      /Refund me at \[EMAIL\], card \[CARD\]","label":0.*"subject":"sub_[0-9a-f]{32}"/,
    );
  });

  test("a declaration of none the rows contradict fails the job, naming the row and not the value", async () => {
    const job = await imported({ sources: [await upload("liar.jsonl")], name: "liar", personalData: "none" });
    assert.equal(job.status, "failed");
    assert.match(
      job.error,
      new RegExp(`PERSONAL_DATA_FOUND: .*liar\\.jsonl:${corpus.length + 1}: personal data \\(email\\)`),
    );
    assert.doesNotMatch(job.error, /jane\.doe/);
    const bad = await server.call("/v1/datasets/import", {
      key: analyst,
      json: { sources: ["s3://bulwark/x.jsonl"], redactionMode: "shred" },
    });
    assertError(bad, 400, "VALIDATION_ERROR", /redactionMode/);
    const blank = await server.call("/v1/datasets/import", {
      key: analyst,
      json: { sources: ["s3://bulwark/x.jsonl"], purpose: "two\nlines" },
    });
    assertError(blank, 400, "VALIDATION_ERROR", /purpose must be 1-500 characters on one line/);
  });

  test("training refuses a dataset with personal data present unless the job allows it", async () => {
    const raw = await imported({ sources: [await upload("raw.jsonl")], name: "raw", legalBasis: "consent" });
    assert.equal(raw.status, "succeeded", raw.error);
    assert.equal(raw.result.privacy.personalData, "present");
    const refused = await server.call("/v1/training", {
      key: analyst,
      json: { datasets: ["raw"], params: { epochs: 1 }, stage: "staging" },
    });
    assert.equal(refused.status, 202, refused.text);
    const failed = await waitJob(server, refused.body.data.id, analyst);
    assert.equal(failed.status, "failed");
    assert.match(failed.error, /raw@1 holds personal data .*"allowPersonalData": true/);

    const allowed = await server.call("/v1/training", {
      key: analyst,
      json: { datasets: ["raw"], params: { epochs: 1 }, stage: "staging", allowPersonalData: true },
    });
    const job = await waitJob(server, allowed.body.data.id, analyst);
    assert.equal(job.status, "succeeded", job.error);
    const logs = await server.call(`/v1/jobs/${allowed.body.data.id}/logs`, { key: analyst });
    assert.match(logs.text, /training on personal data, as allowed for this run/);
  });
});
