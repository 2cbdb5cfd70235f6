/**
 * What every fault test does with processes and time: wait until something holds (with a
 * deadline, so a broken recovery fails instead of hanging), and start a `bulwark worker`
 * that has said it is consuming jobs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "../helpers/cli.js";

/** Polls `f` every 100 ms until it returns a value; its errors count as "not yet". */
export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `bulwark worker ARGS` on `env`, once it says it consumes jobs. */
export function startWorker(env: Record<string, string>, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, "worker", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      if (err.includes("worker consuming jobs")) resolve(child);
    });
    child.once("exit", (code) => {
      // A pipe left open would keep the test's process alive after its last test.
      child.stderr?.destroy();
      reject(new Error(`worker exited with ${code}: ${err}`));
    });
  });
}
