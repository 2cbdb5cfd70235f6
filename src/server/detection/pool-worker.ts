/**
 * A detection worker: holds the production model (loaded from the bytes the main thread
 * sent, SHA-256 checked) and screens the large texts, batches and documents the pool hands
 * it, so they never hold up the server's request thread.
 */
import { parentPort } from "node:worker_threads";
import { BuiltinDetector } from "../../detect/builtin.js";
import { scanDocument } from "../../detect/document-scan.js";
import { BuiltinModel } from "../../detect/model.js";
import { DecodeBudget } from "../../text/decode-budget.js";
import type { FromWorker, ModelLoad, PoolTask, ToWorker } from "./pool-protocol.js";

const port = parentPort;
if (!port) throw new Error("pool-worker.js runs as a worker thread of the detection pool");

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

async function run(task: PoolTask): Promise<FromWorker> {
  if (!detector) return { type: "failed", id: task.id, message: "the worker has no model yet" };
  if (task.type === "batch") {
    // One decoding budget for the request, exactly as on the main thread.
    const options = { ...task.options, decodeBudget: DecodeBudget.forRequest() };
    return { type: "done", id: task.id, result: task.texts.map((t) => detector!.detect(t, options)) };
  }
  return { type: "done", id: task.id, result: await scanDocument(detector, task.content, task.options) };
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
