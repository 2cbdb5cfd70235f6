/**
 * A detection worker: holds the production model (loaded from the bytes the main thread
 * sent, SHA-256 checked) and screens the large texts, batches and documents the pool hands
 * it, so they never hold up the server's request thread. Large request bodies arrive as
 * bytes: the worker parses and validates them exactly as the request thread would.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isBulwarkError } from "../../core/errors.js";
import { BuiltinDetector } from "../../detect/builtin.js";
import { scanDocument, type ScanResult } from "../../detect/document-scan.js";
import { BuiltinModel } from "../../detect/model.js";
import type { Verdict } from "../../detect/types.js";
import { DecodeBudget } from "../../text/decode-budget.js";
import { parseCheckedJson } from "../body/checked-json.js";
import { detectSchemas } from "../schemas/detect.js";
import { bodyValidatorCompiler } from "../validation.js";
import type { BodySeen, FromWorker, ModelLoad, PoolTask, ToWorker, WorkerSetup } from "./pool-protocol.js";
import {
  requestOptions,
  scanOptions,
  type BatchBody,
  type BodyRoute,
  type DetectBody,
  type ScanBody,
} from "./request-options.js";

const port = parentPort;
if (!port) throw new Error("pool-worker.js runs as a worker thread of the detection pool");

const setup = workerData as WorkerSetup;
const schemas = detectSchemas(setup.bodyLimits);
const compile = bodyValidatorCompiler();
const validators: Record<BodyRoute, ReturnType<typeof compile>> = {
  detect: compile(schemas.DetectBody, "/v1/detect"),
  batch: compile(schemas.BatchBody, "/v1/detect/batch"),
  scan: compile(schemas.ScanBody, "/v1/scan"),
};

let detector: BuiltinDetector | undefined;

function load(m: ModelLoad): FromWorker {
  const model = BuiltinModel.deserialize(
    Buffer.from(m.artifact.buffer, m.artifact.byteOffset, m.artifact.byteLength),
  );
  if (model.sha256 !== m.sha256)
    return { type: "load-failed", message: `model bytes hash to ${model.sha256}, expected ${m.sha256}` };
  detector = new BuiltinDetector(model, m.options);
  return { type: "loaded", sha256: model.sha256 };
}

async function screenBody(
  d: BuiltinDetector,
  task: Extract<PoolTask, { type: "body" }>,
): Promise<FromWorker> {
  let body: unknown;
  try {
    body = parseCheckedJson(task.bytes);
  } catch (err) {
    if (!isBulwarkError(err)) throw err;
    const { code, message, status, details } = err;
    return {
      type: "refused",
      id: task.id,
      error: { code, message, status, ...(details ? { details } : {}) },
    };
  }
  const validate = validators[task.route];
  if (!validate(body)) return { type: "invalid", id: task.id, errors: validate.errors ?? [] };
  // Naming detectors may mean an ensemble or another model: the request thread decides.
  if ((body as { detectors?: unknown }).detectors !== undefined) return { type: "parsed", id: task.id, body };
  if (task.route === "detect") {
    const b = body as DetectBody;
    return done(
      task.id,
      screenTexts(d, [b.text], requestOptions(b))[0]!,
      seen([b.text], b.subject, task.shadowSample),
    );
  }
  if (task.route === "batch") {
    const b = body as BatchBody;
    return done(
      task.id,
      screenTexts(d, b.texts, requestOptions(b)),
      seen(b.texts, b.subject, task.shadowSample),
    );
  }
  const b = body as ScanBody;
  return done(
    task.id,
    await scanDocument(d, b.content, scanOptions(b)),
    seen([b.content], b.subject, task.shadowSample),
  );
}

/**
 * What the body's detection events need, no more: lengths, and heads of the texts when kept.
 * The shadow model's sample is drawn here, so only the sampled texts travel back whole.
 */
function seen(texts: readonly string[], subject: string | undefined, shadowSample = 0): BodySeen | undefined {
  const chars = setup.eventText;
  if (chars === undefined && shadowSample <= 0) return undefined;
  const sampled = (): boolean => shadowSample > 0 && (shadowSample >= 1 || Math.random() < shadowSample);
  return {
    ...(subject ? { subject } : {}),
    // Whatever the rate, the request thread must not sample these texts: it holds heads only.
    sampledByWorker: true,
    texts: texts.map((t) => ({
      length: t.length,
      ...(chars !== undefined && chars > 0 ? { text: t.slice(0, chars) } : {}),
      ...(sampled() ? { shadow: t } : {}),
    })),
  };
}

/** The texts of one request, sharing one decoding budget exactly as on the main thread. */
function screenTexts(
  d: BuiltinDetector,
  texts: readonly string[],
  options: { threshold?: number; evidence?: boolean },
): Verdict[] {
  const withBudget = { ...options, decodeBudget: DecodeBudget.forRequest() };
  return texts.map((t) => d.detect(t, withBudget));
}

const done = (id: number, result: Verdict | Verdict[] | ScanResult, seen?: BodySeen): FromWorker => ({
  type: "done",
  id,
  result,
  ...(seen ? { seen } : {}),
});

async function run(task: PoolTask): Promise<FromWorker> {
  if (!detector) return { type: "failed", id: task.id, message: "the worker has no model yet" };
  if (task.type === "body") return screenBody(detector, task);
  if (task.type === "batch") return done(task.id, screenTexts(detector, task.texts, task.options));
  return done(task.id, await scanDocument(detector, task.content, task.options));
}

port.on("message", (msg: ToWorker) => {
  if (msg.type === "load") {
    try {
      port.postMessage(load(msg));
    } catch (err) {
      port.postMessage({ type: "load-failed", message: (err as Error).message } satisfies FromWorker);
    }
    return;
  }
  run(msg).then(
    (answer) => port.postMessage(answer),
    (err: unknown) =>
      port.postMessage({ type: "failed", id: msg.id, message: (err as Error).message } satisfies FromWorker),
  );
});
