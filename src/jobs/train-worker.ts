/** The training thread: runs `trainBuiltin` on what the job sent and posts back the result. */
import { parentPort } from "node:worker_threads";
import type { Sample } from "../data/sample.js";
import { trainBuiltin } from "../train/builtin-trainer.js";
import type { SampleSource } from "../train/sources.js";
import type { TrainerMessage, TrainerRequest } from "./train-protocol.js";

const port = parentPort;
if (!port) throw new Error("train-worker.js runs as the training thread of a job");

const post = (m: TrainerMessage) => port.postMessage(m);
let waiting: ((chunk: { rows: Sample[]; done: boolean }) => void) | undefined;

/** A stream whose rows come from the job's thread, one chunk per request. */
const pulled: SampleSource = {
  async *samples() {
    let fresh = true;
    for (;;) {
      const chunk = await new Promise<{ rows: Sample[]; done: boolean }>((resolve) => {
        waiting = resolve;
        post({ type: "pull", fresh });
      });
      fresh = false;
      yield* chunk.rows;
      if (chunk.done) return;
    }
  },
};

port.on("message", (msg: TrainerRequest) => {
  if (msg.type === "chunk") {
    waiting?.(msg);
    return;
  }
  trainBuiltin(msg.samples ?? pulled, {
    ...msg.options,
    onProgress: (progress) => post({ type: "progress", progress }),
  })
    .then(({ model: _model, artifact, ...result }) => post({ type: "done", artifact, result }))
    .catch((err: unknown) =>
      post({ type: "failed", message: err instanceof Error ? err.message : String(err) }),
    );
});
