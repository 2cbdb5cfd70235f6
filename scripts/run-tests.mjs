// Runs every compiled test file with node's own test runner. Node 20 does not glob
// on its own (and finds no .ts files), so the file list is built here explicitly.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
// A compiled test whose source was deleted or renamed stays in dist/ (tsc never removes
// outputs); running it would test code that no longer exists.
const hasSource = (f) => existsSync(f.replace(/^dist\//, "").replace(/\.test\.js$/, ".test.ts"));
const files = walk("dist/test")
  .filter(hasSource)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files found under dist/test (did the build run?)");
  process.exit(1);
}
const concurrency = process.env.BULWARK_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
