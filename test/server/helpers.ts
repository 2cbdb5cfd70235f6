/**
 * A real Bulwark server for tests: real database (SQLite file, or a fresh PostgreSQL
 * database), local object store in a temporary folder, a small model trained once per
 * test process, port 0, logs captured in memory so tests can read them.
 */
import { after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.js";
import { openDatabase, type DatabaseSettings } from "../../src/db/open.js";
import { BuiltinDetector } from "../../src/detect/builtin.js";
import { MODEL_FORMAT, type BuiltinModel } from "../../src/detect/model.js";
import { ModelRegistry } from "../../src/registry/registry.js";
import { createObjectStore } from "../../src/storage/index.js";
import type { ModelSource } from "../../src/server/detection/models.js";
import { loadServiceSettings, type ServiceSettings } from "../../src/app/settings.js";
import { createServerLogger, startServer, type RunningServer } from "../../src/server/start.js";
import { smallModel } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

let model: Promise<BuiltinModel> | undefined;

let small: ReturnType<typeof smallModel> | undefined;

/** The small test model and its artifact, trained once per test process. */
export function testArtifact(): ReturnType<typeof smallModel> {
  small ??= smallModel();
  return small;
}

/** The small test model, trained once per test process. */
export function testModel(): Promise<BuiltinModel> {
  model ??= testArtifact().then((m) => m.model);
  return model;
}

export function testModelSource(): ModelSource {
  return { load: async () => new BuiltinDetector(await testModel()) };
}

export interface TestServer extends RunningServer {
  home: string;
  /** The first admin's generated credential. */
  admin: { username: string; password: string };
  /** An admin API key made for the test. */
  adminKey: string;
  /** Every log line the server wrote. */
  logs: string[];
  env: Record<string, string | undefined>;
  /** fetch against the server with an optional credential and JSON body. */
  call(path: string, init?: CallInit): Promise<CallResult>;
}

export interface CallInit {
  method?: string;
  key?: string;
  token?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function call(base: string, path: string, init: CallInit = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Buffer | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (body !== undefined ? "POST" : "GET"),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/**
 * Asserts an error envelope: the HTTP status, the machine-readable code and, when given,
 * what the message says (what is wrong, or what to do about it).
 */
export function assertError(r: CallResult, status: number, code: string, message?: RegExp, label = ""): void {
  const where = `${label ? `${label}: ` : ""}${r.status} ${r.text.slice(0, 500)}`;
  assert.equal(r.status, status, where);
  assert.equal(r.body?.status, "error", where);
  assert.equal(r.body?.code, code, where);
  if (message) assert.match(String(r.body?.error), message, where);
}

export interface TestServerOptions {
  database?: DatabaseSettings;
  env?: Record<string, string | undefined>;
  settings?: (s: ServiceSettings) => void;
  home?: string;
  /** Serve the registry's production model (as in service) instead of the small test model. */
  registryModels?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const home = options.home ?? tempDir("bulwark-server-");
  const env: Record<string, string | undefined> = {
    BULWARK_HOME: home,
    BULWARK_PORT: "0",
    BULWARK_HOST: "127.0.0.1",
    BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
    ...(options.database?.url ? { DATABASE_URL: options.database.url } : {}),
    ...(options.database && !options.database.url
      ? { BULWARK_SQLITE_PATH: options.database.sqlitePath }
      : {}),
    ...options.env,
  };
  // No REDIS_URL from the developer's shell unless the test asks for it.
  if (!options.env || !("REDIS_URL" in options.env)) env.REDIS_URL = undefined;
  const config = loadConfig(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
  const settings = loadServiceSettings(env);
  options.settings?.(settings);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(line);
      done();
    },
  });
  let admin: { username: string; password: string } | undefined;
  const server = await startServer({
    config,
    settings,
    env,
    logger: createServerLogger(sink, { level: "info" }),
    ...(options.registryModels ? {} : { models: testModelSource() }),
    onFirstAdmin: (c) => (admin = c),
    timers: false,
  });
  after(() => server.close());
  const created = await server.ctx.keys.create({ name: "test-admin", role: "admin", createdBy: "test" });
  return {
    ...server,
    home,
    admin: admin ?? { username: "admin", password: "" },
    adminKey: created.key,
    logs,
    env,
    call: (path, init) => call(server.url, path, init),
  };
}

/** A key of the given role on a test server. */
export async function keyFor(
  server: RunningServer,
  role: "admin" | "analyst" | "client",
  name = `${role}-key`,
): Promise<string> {
  return (await server.ctx.keys.create({ name, role, createdBy: "test" })).key;
}

export const HOME_FILE = (home: string, ...parts: string[]) => join(home, ...parts);

/** Polls a job until it leaves queued and running (its final view), or fails the test after `seconds`. */
export async function waitJob(server: TestServer, id: string, key: string, seconds = 120) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const r = await server.call(`/v1/jobs/${id}`, { key });
    if (!["queued", "running"].includes(r.body.data.status)) return r.body.data;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`job ${id} did not finish in ${seconds} s`);
}

/**
 * A home whose registry serves the small test model in production, as a previous first start
 * left it; the server started on it with `registryModels: true` serves that version.
 */
export async function homeWithProductionModel(prefix: string): Promise<{ home: string; artifact: Buffer }> {
  const home = tempDir(prefix);
  const config = loadConfig({ BULWARK_HOME: home });
  const db = await openDatabase(config);
  const store = createObjectStore(config.storage);
  await store.init({ objectLock: true });
  const { artifact } = await testArtifact();
  const registry = new ModelRegistry(db, store, { actor: "test:seed" });
  await registry.promote(
    await registry.register({ name: "builtin", version: "1.0.0", format: MODEL_FORMAT, artifact }),
    "production",
  );
  await db.close();
  await store.close();
  return { home, artifact };
}
