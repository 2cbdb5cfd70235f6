/**
 * The Dockerfile, read as Docker reads it (no Docker engine or hadolint here): a build stage
 * that installs with the project's .npmrc (onnxruntime-node's install script skipped) and
 * runs `npm run build`, and a slim runtime stage with only production dependencies, dist/,
 * models/, data/ and rules/, a fixed non-root user, a HEALTHCHECK done with node on /health,
 * port 8000 and `bulwark serve` as the default. Every path the build copies from the
 * context exists and is not excluded by .dockerignore.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exists, readText } from "./files.js";

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  steps: Instruction[];
}

/** Instructions with their continuation lines joined, comments dropped, split into stages. */
function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op, ...rest] = line.split(/\s+/);
    const step = { op: op!.toUpperCase(), args: rest.join(" ") };
    if (step.op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(step.args)!;
      stages.push({ from: m[1]!, name: m[2], steps: [] });
    } else if (stages.length === 0) args.push(step);
    else stages.at(-1)!.steps.push(step);
  }
  return { args, stages };
}

const { args, stages } = parseDockerfile(readText("Dockerfile"));
const [build, runtime] = stages;
const ops = (s: Stage, op: string) => s.steps.filter((i) => i.op === op).map((i) => i.args);

test("two stages: a full Node 20 build stage and a slim Node 20 runtime", () => {
  assert.equal(stages.length, 2);
  assert.equal(build!.name, "build");
  assert.match(build!.from, /^node:20(-bookworm)?$/);
  const image = runtime!.from.replace(/^\$\{(\w+)\}$/, (_, name: string) => {
    const arg = args.find((a) => a.op === "ARG" && a.args.startsWith(`${name}=`));
    return arg ? arg.args.slice(name.length + 1) : "";
  });
  assert.match(image, /^node:20-(bookworm-)?slim$/);
});

test("the build installs with the project's .npmrc, builds everything, then drops dev dependencies", () => {
  const copies = ops(build!, "COPY");
  const runs = ops(build!, "RUN");
  const install = runs.findIndex((r) => /npm (ci|install)\b/.test(r));
  assert.ok(install >= 0);
  // .npmrc (onnxruntime-node-install=skip) is in place before the install.
  assert.ok(copies[0]!.split(/\s+/).includes(".npmrc"));
  assert.match(readText(".npmrc"), /^onnxruntime-node-install=skip$/m);
  assert.doesNotMatch(runs[install]!, /--ignore-scripts/, "better-sqlite3's native build must run");
  const buildRun = runs.find((r) => r.includes("npm run build"));
  assert.ok(buildRun);
  assert.match(buildRun, /npm prune --omit=dev/);
  // `npm run build` is tsc, the shipped model and the dashboard: the runtime needs all three.
  const pkg = JSON.parse(readText("package.json")) as { scripts: Record<string, string> };
  assert.match(
    pkg.scripts.build!,
    /tsc -p tsconfig\.json && node scripts\/build-model\.mjs && npm run build:web/,
  );
  assert.match(buildRun, /test -f models\/builtin\.bwm/);
  assert.match(buildRun, /test -f dist\/web\/index\.html/);
});

test("every path the build copies exists and is not excluded by .dockerignore", () => {
  const ignored = readText(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const copy of ops(build!, "COPY")) {
    const parts = copy.split(/\s+/).filter((p) => !p.startsWith("--"));
    for (const source of parts.slice(0, -1)) {
      assert.ok(exists(source), `${source} exists`);
      assert.ok(!ignored.includes(source), `${source} is not in .dockerignore`);
    }
  }
  for (const entry of ["node_modules", "dist", ".env", "bulwark-data", ".git"])
    assert.ok(ignored.includes(entry), `.dockerignore leaves out ${entry}`);
});

test("the runtime gets production dependencies, dist, models, data and rules from the build", () => {
  const fromBuild = ops(runtime!, "COPY")
    .filter((c) => c.startsWith("--from=build "))
    .map((c) => c.split(/\s+/)[1]!.replace(/^\/src\//, ""));
  for (const path of ["package.json", "node_modules", "dist/src", "dist/web", "models", "data", "rules"])
    assert.ok(fromBuild.includes(path), `${path} from the build stage`);
  assert.ok(!fromBuild.includes("src") && !fromBuild.includes("test"), "no sources in the runtime");
});

test("a fixed non-root user, a node HEALTHCHECK on /health, port 8000, `bulwark serve` by default", () => {
  const users = ops(runtime!, "USER");
  assert.equal(users.length, 1);
  const uid = users[0]!.split(":")[0]!;
  assert.match(uid, /^\d+$/, "numeric, so Kubernetes' runAsNonRoot can check it");
  assert.notEqual(Number(uid), 0);
  // USER comes after the last RUN that needs root.
  const steps = runtime!.steps.map((s) => s.op);
  assert.ok(steps.lastIndexOf("RUN") < steps.indexOf("USER"));
  const [health] = ops(runtime!, "HEALTHCHECK");
  assert.ok(health);
  assert.match(health, /CMD \["node", "-e", ".*fetch\('http:\/\/127\.0\.0\.1:'.*'\/health'\)/);
  assert.doesNotMatch(health, /curl|wget/, "the slim image has neither");
  assert.deepEqual(ops(runtime!, "EXPOSE"), ["8000"]);
  assert.deepEqual(JSON.parse(ops(runtime!, "ENTRYPOINT")[0]!), ["bulwark"]);
  assert.deepEqual(JSON.parse(ops(runtime!, "CMD")[0]!), ["serve", "--host", "0.0.0.0"]);
  // `bulwark` on the PATH is the built CLI, which starts with a node shebang.
  assert.ok(
    ops(runtime!, "RUN").some((r) => r.includes("ln -s /app/dist/src/cli/main.js /usr/local/bin/bulwark")),
  );
  assert.match(readText("src/cli/main.ts"), /^#!\/usr\/bin\/env node\n/);
});
