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
export const EMBEDDINGS_DIR = join(PACKAGE_ROOT, "data", "embeddings");
export const DEFAULT_RULES_FILE = join(PACKAGE_ROOT, "rules", "signatures.json");
/** The default model, built from the bundled corpus when the package is built (`npm run build`). */
export const SHIPPED_MODEL_FILE = join(PACKAGE_ROOT, "models", "builtin.bwm");
export const SHIPPED_MODEL_MANIFEST = join(PACKAGE_ROOT, "models", "builtin.json");

export function resolveHome(home: string | undefined): string {
  return resolve(home ?? "bulwark-data");
}
