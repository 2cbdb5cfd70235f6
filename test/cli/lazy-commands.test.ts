/**
 * The CLI loads a command's modules only when that command runs: `bulwark --help` (and so
 * `--version`, and the parsing of every command line) registers every command from modules
 * that import commander and small helpers, and running a command loads its own actions and
 * nothing of the others. Proved by recording every module the process loads, not by timing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PACKAGE_ROOT } from "../../src/core/paths.js";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const RECORDER = new URL("./record-modules.js", import.meta.url).href;
const SRC = pathToFileURL(join(PACKAGE_ROOT, "dist", "src")).href + "/";

/**
 * The modules outside cli/ and core/ that command modules may load at start-up: the words
 * their options accept (stages, bump parts, roles, job statuses, lock modes, conflict rules,
 * export formats) and what those modules import. None imports a package.
 */
const VOCABULARY = [
  "registry/types.js",
  "registry/versions.js",
  "server/auth/roles.js",
  "server/auth/budgets.js",
  "server/auth/rotation.js",
  "jobs/types.js",
  "storage/rules.js",
  "storage/errors.js",
  "data/choices.js",
  "detect/types.js",
  "feedback/types.js",
  "analytics/choices.js",
  "analytics/report/formats.js",
];

function isStartupModule(path: string): boolean {
  if (path.startsWith("cli/commands/")) return true;
  if (["cli/main.js", "cli/options.js", "cli/output.js"].includes(path)) return true;
  return path.startsWith("core/") || VOCABULARY.includes(path);
}

interface Loaded {
  /** Packages from node_modules, by name. */
  packages: string[];
  /** Modules of the project, relative to dist/src/. */
  project: string[];
}

/** Runs `bulwark ARGS` and lists the modules it loaded. */
function modulesLoadedBy(args: string[], home = tempDir("bulwark-cli-lazy-")): Loaded {
  const log = join(home, "modules.log");
  const r = spawnSync(process.execPath, ["--import", RECORDER, CLI, ...args], {
    env: {
      ...process.env,
      BULWARK_MODULE_LOG: log,
      BULWARK_HOME: home,
      DATABASE_URL: "",
      REDIS_URL: "",
      NO_COLOR: "1",
    },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const urls = [...new Set(readFileSync(log, "utf8").split("\n").filter(Boolean))];
  const packages = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  const project = urls.filter((u) => u.startsWith(SRC)).map((u) => u.slice(SRC.length));
  // The recorder saw the program: a broken recorder would pass every check below.
  assert.ok(
    project.includes("cli/commands/index.js"),
    `commands/index.js was not recorded: ${urls.join(" ")}`,
  );
  assert.ok(packages.has("commander"), "commander was not recorded");
  return { packages: [...packages].sort(), project: project.sort() };
}

test("bulwark --help registers every command without loading what the commands do", () => {
  const loaded = modulesLoadedBy(["--help"]);
  assert.deepEqual(
    loaded.packages,
    ["commander"],
    "a command module imports a package at its top level: import it in its action (src/cli/actions/) instead",
  );
  assert.deepEqual(
    loaded.project.filter((p) => !isStartupModule(p)),
    [],
    "these modules load with every command: import them in an action (src/cli/actions/), " +
      "or, for a cheap one that an option needs, add it to VOCABULARY",
  );
  assert.ok(loaded.project.includes("cli/commands/storage.js"), "every command group registers");
});

test("a command loads its own actions and none of another command's", () => {
  const loaded = modulesLoadedBy(["config"]);
  assert.deepEqual(loaded.packages, ["commander"]);
  assert.deepEqual(
    loaded.project.filter((p) => p.startsWith("cli/actions/")),
    ["cli/actions/config.js"],
  );
});

test("data validate reads files without opening the workspace (no database, no object store)", () => {
  const home = tempDir("bulwark-cli-lazy-");
  const file = join(home, "rows.jsonl");
  writeFileSync(
    file,
    `${JSON.stringify({ text: "hello there", label: 0, category: "benign", lang: "en" })}\n`,
  );
  const loaded = modulesLoadedBy(["data", "validate", file], home);
  assert.deepEqual(loaded.packages, ["commander"]);
  assert.deepEqual(
    loaded.project.filter((p) => p.startsWith("cli/actions/")),
    ["cli/actions/data-files.js"],
  );
  assert.deepEqual(
    loaded.project.filter((p) => p.startsWith("app/") || p.startsWith("db/")),
    [],
  );
});
