/**
 * The OpenAPI document says what comes back. Every /v1 success response has a schema, none
 * is an empty open object (a short list of fields is open on purpose, each with its reason),
 * and the fields clients rely on are declared. The same schemas drive the serialiser, which
 * drops any field they do not declare, so real answers are compared with the domain's own
 * records too: nothing the domain returns is lost on the way.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bundledDataset } from "../../src/data/bundled-dataset.js";
import { MODEL_FORMAT } from "../../src/detect/model.js";
import { compareRuns } from "../../src/train/runs.js";
import { startTestServer, testArtifact } from "./helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = Record<string, any>;

const PARAMS = "training parameters as the trainer took them: the trainer's own schema, which grows with it";
const METRICS = "metric tables keyed by source, category and language names";
const DETAILS = "notes its creator chose to keep (merge reports, HTTP status, ids, reasons)";

/** Fields that hold free-form JSON on purpose, by `Title.path` (the nearest titled schema). */
const OPEN_ON_PURPOSE: Record<string, string> = {
  "Job.payload": "a job's input: the payload schema of its type (training, dataset import, selftest...)",
  "Job.result": "what the job's handler returned, which differs by job type",
  "ModelVersion.params": PARAMS,
  "ModelVersion.metrics": METRICS,
  "ModelVersionDetail.params": PARAMS,
  "ModelVersionDetail.metrics": METRICS,
  "Run.params": PARAMS,
  "Run.metrics": METRICS,
  "Run.environment": "facts about the machine that ran it, for the record",
  "ValueDiff.a": "a parameter's value: any JSON",
  "ValueDiff.b": "a parameter's value: any JSON",
  "Dataset.details": DETAILS,
  "Dataset.origin.sources[].details": DETAILS,
  "Dataset.origin.sources[].envelope": "an uploaded envelope's metadata, kept as it arrived",
  "AuditEntry.details": DETAILS,
  "SubjectExport.derived[].row": "a row of a stored JSONL object, whichever fields its writer gave it",
};

const IGNORED = new Set(["description", "title", "nullable", "example", "examples", "$id"]);

/** `{}`, or an object that declares no property and accepts any. */
function isOpen(s: Schema): boolean {
  const meaningful = (x: Schema) => Object.keys(x).filter((k) => !IGNORED.has(k));
  if (meaningful(s).length === 0) return true;
  if (s.type !== "object" || Object.keys(s.properties ?? {}).length > 0) return false;
  const extra = [s.additionalProperties, ...Object.values<Schema>(s.patternProperties ?? {})].filter(
    (x) => x !== undefined,
  );
  if (extra.length === 0) return true;
  return extra.some((x) => x === true || (typeof x === "object" && meaningful(x).length === 0));
}

/** The null branch @fastify/swagger writes for `anyOf: [X, null]`. */
const isNullBranch = (s: Schema) => Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null;

interface OpenField {
  key: string;
  at: string;
  described: boolean;
}

function openFields(doc: Schema, root: Schema, at: string): OpenField[] {
  const components: Record<string, Schema> = doc.components?.schemas ?? {};
  const out: OpenField[] = [];
  const walk = (input: Schema, where: string, path: string, seen: Set<string>) => {
    let s = input;
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace("#/components/schemas/", "");
      if (seen.has(name)) return;
      s = components[name] ?? assert.fail(`${at}: unresolved ${s.$ref}`);
      seen = new Set([...seen, name]);
    }
    if (typeof s.title === "string") [where, path] = [s.title, ""];
    if (isNullBranch(s)) return;
    if (isOpen(s)) {
      const key = `${where}${path}`;
      out.push({ key, at: key.startsWith(at) ? key : `${at}: ${key}`, described: !!s.description });
      return;
    }
    for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) walk(v, where, `${path}.${k}`, seen);
    if (s.items && typeof s.items === "object") walk(s.items, where, `${path}[]`, seen);
    if (s.additionalProperties && typeof s.additionalProperties === "object") {
      walk(s.additionalProperties, where, `${path}{}`, seen);
    }
    for (const k of ["anyOf", "oneOf", "allOf"]) for (const v of s[k] ?? []) walk(v, where, path, seen);
  };
  walk(root, `${at} data`, "", new Set());
  return out;
}

// Started at the top level: `after` hooks registered here close it when the file ends.
const server = await startTestServer();
const key = server.adminKey;
const res = await server.call("/docs/json", { key });
const doc: Schema = res.body;

// A model version and two runs, written through the domain, to read back over HTTP.
const ws = await server.ctx.app.workspace("test:openapi");
const { artifact } = await testArtifact();
const version = await ws.registry.register({
  name: "probe",
  version: "1.0.0",
  format: MODEL_FORMAT,
  artifact,
  datasets: [{ id: "ds_x", name: "x", version: 1, sha256: "a".repeat(64), rows: 3 }],
  params: { epochs: 2, features: { ngrams: [1, 2] } },
  metrics: { validation: { f1: 0.9, bySource: { x: { f1: 0.8 } } }, rows: 3 },
  description: "a model for this test",
});
async function finishedRun(params: Record<string, unknown>, f1: number) {
  const started = await ws.runs.start({ modelName: "probe", family: "builtin", params, datasets: [] });
  return ws.runs.succeed(started.id, {
    metrics: { validation: { f1 } },
    durationMs: 1234,
    artifactSha256: version.sha256,
    modelVersion: version.version,
  });
}
const runA = await finishedRun({ epochs: 2, only: "in a" }, 0.5);
const runB = await finishedRun({ epochs: 3 }, 0.75);

describe("the OpenAPI document", () => {
  const operations = Object.entries<Schema>(doc.paths ?? {})
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, ops]) => Object.entries<Schema>(ops).map(([method, op]) => ({ path, method, op })));

  /** The success payload (the envelope's `data`) of an operation. */
  const data = (method: string, path: string, status = "200"): Schema => {
    const op = doc.paths?.[path]?.[method] ?? assert.fail(`no ${method} ${path}`);
    const schema = op.responses?.[status]?.content?.["application/json"]?.schema;
    return schema?.properties?.data ?? assert.fail(`${method} ${path} ${status} has no data`);
  };
  const resolve = (s: Schema): Schema =>
    typeof s.$ref === "string" ? resolve(doc.components.schemas[s.$ref.split("/").pop()!]) : s;
  const fields = (s: Schema) => Object.keys(resolve(s).properties ?? {});
  const itemFields = (s: Schema) => fields(resolve(s).items ?? {});

  test("is served to a credential", async () => {
    assert.equal((await server.call("/docs/json")).status, 401);
    assert.equal(res.status, 200);
    assert.ok(operations.length > 30, `only ${operations.length} /v1 operations`);
  });

  test("every /v1 success response has a schema, and none is an empty open object", () => {
    const problems: string[] = [];
    const open: OpenField[] = [];
    for (const { path, method, op } of operations) {
      const at = `${method.toUpperCase()} ${path}`;
      const successes = Object.entries<Schema>(op.responses ?? {}).filter(([code]) => code.startsWith("2"));
      if (successes.length === 0) problems.push(`${at}: no success response`);
      for (const [code, response] of successes) {
        const content = Object.entries<Schema>(response.content ?? {});
        if (content.length === 0) problems.push(`${at} ${code}: no content schema`);
        for (const [media, { schema }] of content) {
          // Files (a dataset export, a presigned download) are streamed as they are: bytes.
          if (schema?.type === "string" && schema?.format === "binary") continue;
          if (media !== "application/json") {
            problems.push(`${at} ${code} ${media}: neither JSON nor documented as binary`);
            continue;
          }
          const payload = schema?.properties?.data;
          if (!payload) {
            problems.push(`${at} ${code}: not the success envelope`);
            continue;
          }
          const top = resolve(payload);
          if (isOpen(top) || (top.type === "array" && isOpen(resolve(top.items ?? {})))) {
            problems.push(`${at} ${code}: the payload itself is an open object`);
          }
          open.push(...openFields(doc, payload, `${at} ${code}`));
        }
      }
    }
    for (const f of open) {
      if (!(f.key in OPEN_ON_PURPOSE)) problems.push(`${f.at}: open, and not on the list of open fields`);
      else if (!f.described) problems.push(`${f.at}: open on purpose, but says nothing about what it holds`);
    }
    const seen = new Set(open.map((f) => f.key));
    for (const key of Object.keys(OPEN_ON_PURPOSE)) {
      if (!seen.has(key))
        problems.push(`${key} is on the list of open fields but no longer open: take it off`);
    }
    assert.deepEqual(problems, []);
  });

  test("declares the fields clients rely on", () => {
    const verdict = fields(data("post", "/v1/detect"));
    for (const f of ["score", "flagged", "category", "threshold", "evidence", "model"]) {
      assert.ok(verdict.includes(f), `verdict.${f}`);
    }
    for (const f of ["ref", "version", "sha256", "stage", "datasets", "metrics"]) {
      assert.ok(itemFields(data("get", "/v1/models")).includes(f), `model version.${f}`);
    }
    assert.ok(fields(data("get", "/v1/models/{ref}")).includes("history"));
    assert.deepEqual(fields(data("post", "/v1/models/{ref}/promote")).sort(), [
      "demoted",
      "event",
      "snapshot",
      "snapshotError",
      "version",
    ]);
    for (const f of ["id", "status", "metrics", "params", "datasets", "modelVersion", "artifactSha256"]) {
      assert.ok(fields(data("get", "/v1/runs/{id}")).includes(f), `run.${f}`);
    }
    for (const f of ["a", "b", "params", "metrics", "datasets", "durationMs"]) {
      assert.ok(fields(data("get", "/v1/runs/compare")).includes(f), `comparison.${f}`);
    }
    for (const f of ["ref", "sha256", "rows", "counts", "origin"]) {
      assert.ok(fields(data("get", "/v1/datasets/{ref}")).includes(f), `dataset.${f}`);
    }
    for (const f of ["versionId", "sha256", "retention", "legalHold", "metadata"]) {
      assert.ok(fields(data("get", "/v1/storage/object")).includes(f), `object.${f}`);
    }
    assert.ok(fields(resolve(data("get", "/v1/storage/bucket")).properties.lock).includes("enabled"));
  });

  test("shared payloads are declared once and referenced", () => {
    const ref = (method: string, path: string, status = "200") => resolve(data(method, path, status)).title;
    assert.equal(ref("get", "/v1/storage/object"), "ObjectInfo");
    assert.equal(ref("put", "/v1/storage/retention"), "ObjectInfo");
    assert.equal(ref("put", "/v1/storage/legal-hold"), "ObjectInfo");
    assert.equal(ref("get", "/v1/runs/{id}"), "Run");
    assert.equal(ref("get", "/v1/datasets/{ref}"), "Dataset");
    assert.equal(ref("post", "/v1/training", "202"), "Job");
  });
});

describe("answers keep every field the domain returns", () => {
  const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

  test("a model version, its list and its stage change", async () => {
    const one = await server.call("/v1/models/probe@1.0.0", { key });
    assert.deepEqual(one.body.data, json({ ...version, history: [] }));
    const list = await server.call("/v1/models?name=probe", { key });
    assert.deepEqual(list.body.data, json(await ws.registry.list({ name: "probe" })));
    assert.equal(list.body.data.length, 1);
    const promoted = await server.call("/v1/models/probe@1.0.0/promote", {
      key,
      json: { stage: "staging", reason: "openapi test" },
    });
    assert.equal(promoted.status, 200);
    const history = await ws.registry.history("probe");
    assert.deepEqual(promoted.body.data.event, json(history[0]));
    assert.deepEqual(promoted.body.data.version, json(await ws.registry.resolve("probe@1.0.0")));
    const verify = await server.call("/v1/models/probe/verify", { key });
    assert.deepEqual(verify.body.data.results, json(await ws.registry.verifyAll("probe")));
  });

  test("runs, one run, and two runs compared (a parameter set in one run only)", async () => {
    const one = await server.call(`/v1/runs/${runA.id}`, { key });
    assert.deepEqual(one.body.data, json(runA));
    const list = await server.call("/v1/runs?model=probe", { key });
    assert.deepEqual(list.body.data, json(await ws.runs.list({ model: "probe" })));
    assert.equal(list.body.data.length, 2);
    const compared = await server.call(`/v1/runs/compare?a=${runA.id}&b=${runB.id}`, { key });
    assert.equal(compared.status, 200);
    assert.deepEqual(compared.body.data, json(compareRuns(runA, runB)));
    assert.deepEqual(compared.body.data.params, [
      { key: "epochs", a: 2, b: 3 },
      { key: "only", a: "in a" },
    ]);
  });

  test("a dataset and an object's metadata", async () => {
    const d = await server.call("/v1/datasets/bundled", { key });
    assert.deepEqual(d.body.data, json(await bundledDataset()));
    const o = await server.call(`/v1/storage/object?key=${encodeURIComponent(version.artifactKey)}`, { key });
    assert.deepEqual(o.body.data, json(await ws.store.head(version.artifactKey)));
  });
});
