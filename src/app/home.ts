/**
 * BULWARK_HOME holds the metadata database (with the token signing key) and the local
 * object store: it is created private to the service's user (0700), and an existing home
 * that others can read or enter is reported at start, with the command that fixes it.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import type { BulwarkConfig } from "../core/config.js";

/** Creates the home when an embedded backend lives in it; returns a warning when it is open to others. */
export function preparePrivateHome(config: BulwarkConfig): string | undefined {
  const { home } = config;
  const used = !config.database.url || config.storage.backend === "fs";
  if (used) mkdirSync(home, { recursive: true, mode: 0o700 });
  else if (!existsSync(home)) return undefined;
  const mode = statSync(home).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `BULWARK_HOME ${home} is open to other users (mode ${mode.toString(8).padStart(4, "0")}): anyone who can read it can read the token signing key in bulwark.db; run \`chmod 700 ${home}\``;
}
