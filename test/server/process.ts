/**
 * Real `bulwark serve` processes for tests and benchmarks: a home seeded with a model in
 * production (so no first-start training) and an API key, and a server spawned on it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { loadConfig } from "../../src/core/config.js";
import { openDatabase } from "../../src/db/open.js";
import { MODEL_FORMAT } from "../../src/detect/model.js";
import { ApiKeyStore } from "../../src/server/auth/keys.js";
import type { Role } from "../../src/server/auth/roles.js";
import { ModelRegistry } from "../../src/registry/registry.js";
import { createObjectStore } from "../../src/storage/index.js";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

/** Puts `artifact` in production as builtin@1.0.0 under `env`'s configuration and makes API keys. */
export async function seedHome(
  env: Record<string, string>,
  artifact: Buffer,
  keys: { name: string; role: Role }[] = [],
): Promise<string[]> {
  const config = loadConfig(env);
  const db = await openDatabase(config);
  const store = createObjectStore(config.storage);
  try {
    await store.init({ objectLock: true }).catch(() => undefined);
    const registry = new ModelRegistry(db, store, { actor: "test:seed" });
    if (!(await registry.production("builtin"))) {
      await registry.promote(
        await registry.register({ name: "builtin", version: "1.0.0", format: MODEL_FORMAT, artifact }),
        "production",
      );
    }
    const store2 = new ApiKeyStore(db.db);
    const out: string[] = [];
    for (const k of keys) out.push((await store2.create({ ...k, createdBy: "test:seed" })).key);
    return out;
  } finally {
    await store.close();
    await db.close();
  }
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** Spawns `bulwark serve --port 0` (of this build, or `cli`); resolves once it says where it serves. Logs go to `logFile` (or nowhere). */
export function spawnServe(
  env: Record<string, string>,
  options: { logFile?: string; nodeArgs?: string[]; cli?: string } = {},
): Promise<ServeProcess> {
  const cli = options.cli ?? CLI;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, "serve", "--port", "0"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", options.logFile ? "pipe" : "ignore", "pipe"],
  });
  if (options.logFile && child.stdout) child.stdout.pipe(createWriteStream(options.logFile));
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      const m = /serving on (https?:\/\/\S+) /.exec(err);
      if (m)
        resolve({
          url: m[1]!,
          child,
          stderr: () => err,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once("exit", (code) => done(code));
              child.kill("SIGTERM");
            }),
        });
    });
    child.once("exit", (code) => reject(new Error(`bulwark serve exited with ${code}:\n${err}`)));
  });
}

/**
 * A served home on embedded defaults with one detection worker screening requests of
 * 65,536 characters or more, and one client key: what the tests of large requests need.
 */
export async function servePooled(
  prefix: string,
  artifact: Buffer,
  extra: Record<string, string> = {},
): Promise<{ server: ServeProcess; key: string }> {
  const env = {
    BULWARK_HOME: tempDir(prefix),
    DATABASE_URL: "",
    REDIS_URL: "",
    BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
    BULWARK_LOG_LEVEL: "warn",
    BULWARK_DETECT_WORKERS: "1",
    BULWARK_DETECT_POOL_MIN_CHARS: "65536",
    ...extra,
  };
  const [key] = await seedHome(env, artifact, [{ name: "client", role: "client" }]);
  return { server: await spawnServe(env), key: key! };
}
