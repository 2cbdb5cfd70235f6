/**
 * Shared reading of the deployment files for test/deploy/: their paths, YAML parsing as
 * compose and Kubernetes read it (merge keys, several documents), the tools the checks run
 * (promtool: required under BULWARK_REQUIRE_SERVICES=1, like a service), and the PromQL
 * metric names an expression uses.
 */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { parse, parseAllDocuments } from "yaml";

/** The repository root (this file runs from dist/test/deploy/). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEPLOY = join(ROOT, "deploy");
export const at = (...parts: string[]) => join(ROOT, ...parts);

export const readText = (...parts: string[]) => readFileSync(at(...parts), "utf8");

/** One YAML document, with `<<:` merge keys resolved as compose does. */
export function readYaml<T = unknown>(...parts: string[]): T {
  return parse(readText(...parts), { merge: true }) as T;
}

/** Every document of a multi-document YAML file (Kubernetes manifests). */
export function readYamlDocuments(...parts: string[]): unknown[] {
  return parseAllDocuments(readText(...parts)).map((d) => {
    assert.equal(d.errors.length, 0, `${parts.join("/")}: ${d.errors.map((e) => e.message).join("; ")}`);
    return d.toJS() as unknown;
  });
}

/** Files of a folder of the repository ending in one of `extensions`, sorted. */
export function filesIn(folder: string, ...extensions: string[]): string[] {
  return readdirSync(at(folder))
    .filter((f) => extensions.some((e) => f.endsWith(e)))
    .sort()
    .map((f) => join(folder, f));
}

/**
 * Runs a checking tool from Debian's packages. Missing: the test skips, or fails under
 * BULWARK_REQUIRE_SERVICES=1 (CI installs it in .ci/run), so a green CI always ran it;
 * an `optional` tool (an extra check CI does not install) only ever skips.
 */
export function runTool(
  t: TestContext,
  tool: string,
  args: string[],
  install: string,
  options: { optional?: boolean } = {},
): SpawnSyncReturns<string> | undefined {
  const r = spawnSync(tool, args, { encoding: "utf8", cwd: ROOT });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    const message = `${tool} is not installed (${install})`;
    if (process.env.BULWARK_REQUIRE_SERVICES === "1" && !options.optional)
      assert.fail(`${message}: required under BULWARK_REQUIRE_SERVICES=1`);
    t.skip(`${message}: not checked by it`);
    return undefined;
  }
  if (r.error) throw r.error;
  return r;
}

export const PROMTOOL_INSTALL = "apt-get install prometheus";

/** Whether `path` (relative to the repository) exists. */
export const exists = (path: string) => existsSync(at(path));

/**
 * The metric names a PromQL expression reads: Bulwark's own (bulwark_*) and Prometheus'
 * synthetic `up`. Label values and strings are removed first so a route like
 * "/v1/detect" or a `le` bound is never taken for a name.
 */
export function metricsIn(expr: string): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const names = new Set<string>();
  for (const m of bare.matchAll(/\b(bulwark_[a-z0-9_]+|up)\b(?!\s*\()/g)) names.add(m[1]!);
  return [...names];
}
