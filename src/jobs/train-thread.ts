/**
 * Training in a worker thread. Feature extraction and epochs are seconds to minutes of
 * pure CPU; in the server's process they would stall every request for that long. The
 * thread gets the samples (an array copied once, or a stream it pulls from this thread
 * chunk by chunk, once per epoch), reports progress back, and returns the artifact, from
 * which the model is rebuilt here. Aborting the signal (cancellation, time limit)
 * terminates the thread: the work really stops.
 */
import { Worker } from "node:worker_threads";
import type { Sample } from "../data/sample.js";
import { BuiltinModel } from "../detect/model.js";
import type { TrainOptions, TrainResult } from "../train/builtin-trainer.js";
import { isStream, type SampleSource } from "../train/sources.js";
import type { TrainerMessage, TrainerRequest } from "./train-protocol.js";

const CHUNK = 1000;

export type Trainer = (source: SampleSource, options: TrainOptions) => Promise<TrainResult>;

/** A trainer that runs `trainBuiltin` in a worker thread for as long as `signal` allows. */
export function threadTrainer(signal: AbortSignal): Trainer {
  return (source, options) =>
    new Promise<TrainResult>((resolve, reject) => {
      const { onProgress, featureCache: _cache, ...plain } = options;
      const worker = new Worker(new URL("./train-worker.js", import.meta.url));
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        void worker.terminate();
        fn();
      };
      const onAbort = () =>
        settle(() => reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled")));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort);

      // A stream is read here, one chunk per request from the thread (so memory stays bounded).
      let pass: AsyncIterator<Sample> | undefined;
      const nextChunk = async (fresh: boolean) => {
        if (!isStream(source)) return;
        if (fresh || !pass) pass = source.samples()[Symbol.asyncIterator]();
        const rows: Sample[] = [];
        for (let i = 0; i < CHUNK; i++) {
          const r = await pass.next();
          if (r.done) break;
          rows.push(r.value);
        }
        worker.postMessage({ type: "chunk", rows, done: rows.length < CHUNK } satisfies TrainerRequest);
      };

      worker.on("message", (msg: TrainerMessage) => {
        if (msg.type === "progress") {
          try {
            onProgress?.(msg.progress);
          } catch (err) {
            settle(() => reject(err as Error));
          }
        } else if (msg.type === "pull") {
          nextChunk(msg.fresh).catch((err: unknown) => settle(() => reject(err as Error)));
        } else if (msg.type === "done") {
          const artifact = Buffer.from(msg.artifact.buffer, msg.artifact.byteOffset, msg.artifact.byteLength);
          settle(() => resolve({ ...msg.result, artifact, model: BuiltinModel.deserialize(artifact) }));
        } else settle(() => reject(new Error(msg.message)));
      });
      worker.on("error", (err) => settle(() => reject(err)));
      worker.on("exit", (code) =>
        settle(() => reject(new Error(`the training thread exited with code ${code}`))),
      );
      worker.postMessage({
        type: "train",
        samples: isStream(source) ? undefined : [...source],
        options: plain,
      } satisfies TrainerRequest);
    });
}
