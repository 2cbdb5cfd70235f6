/**
 * Start-up costs a user feels before any detection: `bulwark --version` (the CLI loads a
 * command's modules only when it runs), `import("bulwark")` (the detection library loads no
 * database driver, AWS SDK or queue), and `createDetector()` (the shipped model, no registry).
 * Each is timed in fresh processes. Set BENCH_COMPARE_ROOT to another built checkout (for
 * example the commit before a change, built with `npx tsc`) to measure both side by side.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PACKAGE_ROOT } from "../src/core/paths.js";
import { markdownTable, percentile } from "./util.js";

const RUNS = Number(process.env.STARTUP_RUNS ?? 20);

function wallMs(args: string[], env: Record<string, string> = {}): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Milliseconds measured inside a fresh process, around `body` (an ES module snippet). */
function innerMs(body: string, env: Record<string, string> = {}): number {
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const t = performance.now(); ${body}; process.stdout.write(String(performance.now() - t));`,
    ],
    { env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  return Number(out);
}

function stats(samples: number[]): { p50: string; p90: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5).toFixed(0), p90: percentile(sorted, 0.9).toFixed(0) };
}

function measure(root: string): Record<string, { p50: string; p90: string }> {
  const cli = join(root, "dist", "src", "cli", "main.js");
  const lib = pathToFileURL(join(root, "dist", "src", "index.js")).href;
  const home = mkdtempSync(join(tmpdir(), "bulwark-bench-startup-"));
  const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "", BULWARK_S3_ENDPOINT: "" };
  const node = Array.from({ length: RUNS }, () => wallMs(["-e", "0"]));
  const version = Array.from({ length: RUNS }, () => wallMs([cli, "--version"], env));
  const help = Array.from({ length: RUNS }, () => wallMs([cli, "--help"], env));
  const imported = Array.from({ length: RUNS }, () => innerMs(`await import(${JSON.stringify(lib)})`, env));
  // The first createDetector() of a fresh home: before the shipped model this trained.
  const first = innerMs(
    `const { createDetector } = await import(${JSON.stringify(lib)}); await createDetector()`,
    env,
  );
  const later = Array.from({ length: Math.min(RUNS, 10) }, () =>
    innerMs(`const { createDetector } = await import(${JSON.stringify(lib)}); await createDetector()`, env),
  );
  return {
    "node -e 0 (the floor)": stats(node),
    "bulwark --version": stats(version),
    "bulwark --help": stats(help),
    'import("bulwark")': stats(imported),
    "createDetector(), first call in a fresh home": { p50: first.toFixed(0), p90: "-" },
    "createDetector(), later calls": stats(later),
  };
}

const roots: [string, string][] = [["this checkout", PACKAGE_ROOT]];
if (process.env.BENCH_COMPARE_ROOT) roots.unshift(["BENCH_COMPARE_ROOT", process.env.BENCH_COMPARE_ROOT]);
const results = roots.map(([label, root]) => ({ label, figures: measure(root) }));
const header = ["measure (ms, wall time of fresh processes)"];
for (const r of results) header.push(`${r.label} p50`, `${r.label} p90`);
const rows = Object.keys(results[0]!.figures).map((name) => [
  name,
  ...results.flatMap((r) => [r.figures[name]!.p50, r.figures[name]!.p90]),
]);
console.log(`${RUNS} runs each.\n`);
console.log(markdownTable(header, rows));
