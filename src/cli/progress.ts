/**
 * Progress for long work: a bar on an interactive terminal (stderr, so stdout stays
 * clean for JSON and pipes), nothing otherwise.
 */
import type * as CliProgress from "cli-progress";
import { createRequire } from "node:module";

export interface Progress {
  start(total: number, label: string): void;
  update(done: number, label?: string): void;
  stop(): void;
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

export function createProgress(enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return SILENT;
  // Loaded only for a bar on a terminal: piped and scripted runs (and every test) skip it.
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: " {label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let label = "";
  return {
    start(total, l) {
      if (running) bar.stop();
      label = l;
      bar.start(Math.max(1, total), 0, { label });
      running = true;
    },
    update(done, l) {
      if (l) label = l;
      if (running) bar.update(done, { label });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** What a first start did when the registry had no production model. */
export function announceBootstrap(how: "shipped" | "trained", ref: string): void {
  process.stderr.write(
    how === "shipped"
      ? `bulwark: no model in production yet; registered the model shipped with Bulwark as ${ref} and promoted it\n`
      : `bulwark: trained ${ref} from the bundled corpus and promoted it\n`,
  );
}

/**
 * Progress for the first-start training of the default model: one notice, then a bar over
 * the training phase. `onTrainProgress` fits createDetector's and startServer's callback.
 */
export function firstStartProgress(): {
  onTrainProgress: (p: { phase: string; done: number; total: number }) => void;
  stop: () => void;
} {
  const progress = createProgress();
  let announced = false;
  let training = false;
  return {
    onTrainProgress: (p) => {
      if (!announced) {
        process.stderr.write(
          "bulwark: no model yet; training the built-in model on the bundled corpus (once)\n",
        );
        announced = true;
      }
      if (p.phase !== "train") {
        if (training) progress.stop();
        training = false;
        return;
      }
      if (!training) progress.start(p.total, "training");
      training = true;
      progress.update(p.done);
    },
    stop: () => progress.stop(),
  };
}
