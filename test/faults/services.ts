/**
 * PostgreSQL and Redis servers of a test's own, on free ports in a temporary folder, that
 * the fault tests stop and start by pid: the machine's shared servers are never touched.
 * PostgreSQL comes from Debian's binaries (run as the `postgres` user when we are root);
 * when either binary is missing the tests skip, or fail with BULWARK_REQUIRE_SERVICES=1.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "../helpers/tmp.js";

export const PG_BIN = process.env.BULWARK_TEST_PG_BIN ?? "/usr/lib/postgresql/15/bin";
export const REDIS_SERVER = process.env.BULWARK_TEST_REDIS_SERVER ?? "/usr/bin/redis-server";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `bin args` as the postgres user when we are root (PostgreSQL refuses to run as root). */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export interface OwnServer {
  url: string;
  port: number;
  /** Stops it: SIGKILL for Redis (a crash), SIGINT for PostgreSQL (fast shutdown: its clients are cut off). */
  stop(): Promise<void>;
  /** Starts it again on the same port (and, for PostgreSQL, the same data). */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>;
}

async function waitUntil(what: string, ok: () => boolean, ms: number, out: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`${what} did not start in ${ms} ms:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function ownPostgres(): Promise<OwnServer> {
  const dir = tempDir("bulwark-faults-pg-");
  const data = join(dir, "data");
  const socket = join(dir, "sock");
  mkdirSync(socket);
  if (process.getuid?.() === 0) {
    const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    const [uid, g] = [Number(id.stdout.trim()), Number(gid.stdout.trim())];
    for (const p of [dir, socket]) chownSync(p, uid, g);
    chmodSync(dir, 0o755);
  }
  const [initBin, initArgs] = asPostgres(join(PG_BIN, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const init = spawnSync(initBin, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = "";
  const start = async () => {
    const [bin, args] = asPostgres(join(PG_BIN, "postgres"), [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      socket,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "max_connections=100",
    ]);
    log = "";
    let ready = false;
    const c = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    // Its pipe must not keep the test process alive once it is gone.
    c.once("exit", () => c.stderr!.destroy());
    child = c;
    c.stderr!.setEncoding("utf8").on("data", (d: string) => {
      log += d;
      if (log.includes("ready to accept connections")) ready = true;
    });
    await waitUntil(
      "PostgreSQL",
      () => ready || c.exitCode !== null,
      30_000,
      () => log,
    );
    if (!ready) throw new Error(`PostgreSQL exited:\n${log}`);
  };
  // The postmaster's own pid (runuser does not pass signals on): SIGINT is its fast
  // shutdown, which cuts every client off as a restart does.
  const stop = async () => {
    if (!child) return;
    const pidFile = join(data, "postmaster.pid");
    if (child.exitCode === null && existsSync(pidFile))
      process.kill(Number(readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
    await waitExit(child, 15_000);
    child = undefined;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function ownRedis(): Promise<OwnServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    let out = "";
    let ready = false;
    const c = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    c.once("exit", () => c.stdout!.destroy());
    child = c;
    c.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("Ready to accept connections")) ready = true;
    });
    await waitUntil(
      "Redis",
      () => ready || c.exitCode !== null,
      15_000,
      () => out,
    );
    if (!ready) throw new Error(`redis-server exited:\n${out}`);
  };
  const stop = async () => {
    if (!child) return;
    child.kill("SIGKILL");
    await waitExit(child, 5_000);
    child = undefined;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start, destroy: stop };
}
