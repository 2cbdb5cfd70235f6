/** Shared helpers for benchmarks: percentiles, timing, markdown output, a model to measure. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBundledCorpus } from "../src/data/corpus.js";
import { BuiltinModel } from "../src/detect/model.js";
import { loadRulesFile } from "../src/detect/rules.js";
import { PACKAGE_ROOT } from "../src/core/paths.js";
import { trainBuiltin } from "../src/train/builtin-trainer.js";

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export const BENCH_DIR = join(PACKAGE_ROOT, "dist", "bench-work");

/** The built-in model trained on the bundled corpus, cached between benchmark runs. */
export async function benchModel(): Promise<{
  model: BuiltinModel;
  path: string;
  trainMs: number | undefined;
}> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, "model.bwm");
  if (existsSync(path) && process.env.BULWARK_BENCH_RETRAIN !== "1") {
    return { model: BuiltinModel.deserialize(readFileSync(path)), path, trainMs: undefined };
  }
  const samples = await loadBundledCorpus();
  const result = await trainBuiltin(samples, { rules: loadRulesFile() });
  writeFileSync(path, result.artifact);
  return { model: result.model, path, trainMs: result.durationMs };
}

/** Ordinary English prose of exactly `length` characters (an office e-mail, repeated and varied). */
export function prose(length: number, variant = 0): string {
  const base =
    "Please summarise the attached quarterly report for the board. The revenue grew by 12 percent compared " +
    "with the previous quarter, driven mostly by the enterprise segment, while costs stayed flat. Highlight the " +
    "risks mentioned in the appendix and suggest three questions the directors might ask the finance team during " +
    "the meeting next Tuesday. Keep the tone neutral and avoid jargon where you can, since several board members " +
    "are new. Also list any numbers that look inconsistent between the summary table and the detailed breakdown. ";
  let out = "";
  let i = variant;
  while (out.length < length) out += base.slice((i++ * 37) % 200) + base;
  return out.slice(0, length);
}

/**
 * The environment of a benchmark's `bulwark serve`: a fresh home on embedded defaults (no
 * PostgreSQL or Redis from the shell), rate limits on but above what the load reaches, so
 * every request is counted and none refused, and no audit snapshots during the run.
 */
export function benchServeEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BULWARK_HOME: mkdtempSync(join(tmpdir(), `bulwark-bench-${name}-`)),
    DATABASE_URL: "",
    REDIS_URL: "",
    BULWARK_RATE_LIMIT_PER_KEY: "100000000",
    BULWARK_RATE_LIMIT_PER_IP: "100000000",
    BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
    ...extra,
  };
}

/**
 * CPU seconds a process has used (all its threads: utime + stime from /proc, in USER_HZ
 * ticks of 10 ms); NaN once it has gone. Server CPU per request is the figure that holds on
 * a shared host, where requests per second do not.
 */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
