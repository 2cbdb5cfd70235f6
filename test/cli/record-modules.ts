/**
 * Preloaded with `node --import` by lazy-commands.test.ts: appends the URL of every module
 * the process loads to the file named by BULWARK_MODULE_LOG, one a line. ES modules are
 * seen by a resolve hook (record-modules-hooks.ts); CommonJS files, which a package may
 * require out of the hook's sight, are taken from require's cache when the process exits.
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const log = process.env.BULWARK_MODULE_LOG;
if (!log) throw new Error("record-modules: BULWARK_MODULE_LOG names no file");
register("./record-modules-hooks.js", import.meta.url, { data: { log } });

const cache = createRequire(import.meta.url).cache;
process.on("exit", () => {
  appendFileSync(
    log,
    Object.keys(cache)
      .map((file) => `${pathToFileURL(file).href}\n`)
      .join(""),
  );
});
