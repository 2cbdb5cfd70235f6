// Runs the compiled benchmarks (dist/bench/*.bench.js) one after another, each in its
// own process so that one benchmark's heap does not skew the next one's figures.
// Usage: npm run bench [-- name-filter...]
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const filters = process.argv.slice(2);
// Run only when named: experiments that each train a model to answer one question, and
// benchmarks of minutes (tracing: four modes under load).
const ON_DEMAND = new Set(["fold.bench.js", "learn.bench.js", "threshold.bench.js", "tracing.bench.js"]);
const files = readdirSync("dist/bench")
  .filter((f) => f.endsWith(".bench.js"))
  .filter((f) => (filters.length === 0 ? !ON_DEMAND.has(f) : filters.some((s) => f.includes(s))))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f.replace(/\.bench\.js$/, "")}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", join("dist/bench", f)], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
