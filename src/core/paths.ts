import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (where package.json, data/ and rules/ live), from source or from dist/. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "data"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("bulwark: cannot locate the package root (package.json and data/)");
}

export const PACKAGE_ROOT = findPackageRoot();
export const BUNDLED_CORPUS_DIR = join(PACKAGE_ROOT, "data", "corpus");
export const DEFAULT_RULES_FILE = join(PACKAGE_ROOT, "rules", "signatures.json");

export function resolveHome(home: string | undefined): string {
  return resolve(home ?? "bulwark-data");
}
