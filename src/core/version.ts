/** The version of this Bulwark package, read once from its package.json (runs, envelopes, /health, --version). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./paths.js";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string })
        .version;
    } catch {
      // A broken install still works; it just cannot say which Bulwark it is.
      cached = "unknown";
    }
  }
  return cached;
}
