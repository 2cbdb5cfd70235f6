/** Messages between a training job and its training thread (`train-thread.ts`, `train-worker.ts`). */
import type { Sample } from "../data/sample.js";
import type { TrainOptions, TrainProgress, TrainResult } from "../train/builtin-trainer.js";

export type TrainerRequest =
  | {
      type: "train";
      /** The samples, or undefined for a stream the thread pulls with "pull". */
      samples: Sample[] | undefined;
      options: Omit<TrainOptions, "onProgress" | "featureCache">;
    }
  | { type: "chunk"; rows: Sample[]; done: boolean };

export type TrainerMessage =
  | { type: "progress"; progress: TrainProgress }
  /** The next chunk of the stream; `fresh` starts a new pass (a new epoch). */
  | { type: "pull"; fresh: boolean }
  | { type: "done"; artifact: Uint8Array; result: Omit<TrainResult, "model" | "artifact"> }
  | { type: "failed"; message: string };
