import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { CLI, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "../server/redis-env.js";

test("bulwark worker explains that it needs REDIS_URL", async () => {
  const r = await runCli(["worker"], {
    env: { BULWARK_HOME: tempDir("bulwark-cli-worker-"), REDIS_URL: "", DATABASE_URL: "" },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs REDIS_URL/);
});

if (await redisAvailable()) {
  test("jobs selftest --wait runs on a worker; jobs list and logs show it", async () => {
    const prefix = uniquePrefix("cli-worker");
    after(() => dropPrefix(prefix));
    const env = {
      BULWARK_HOME: tempDir("bulwark-cli-worker-"),
      REDIS_URL: TEST_REDIS_URL,
      BULWARK_REDIS_PREFIX: prefix,
      DATABASE_URL: "",
      BULWARK_LOG_LEVEL: "warn",
    };
    const worker = spawn(process.execPath, [CLI, "worker"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    after(() => void worker.kill("SIGKILL"));
    await new Promise<void>((resolve, reject) => {
      let err = "";
      worker.stderr!.setEncoding("utf8").on("data", (d: string) => {
        err += d;
        if (err.includes("worker consuming jobs")) resolve();
      });
      worker.on("exit", (code) => reject(new Error(`worker exited ${code}: ${err}`)));
    });
    const r = await runCli(["jobs", "selftest", "--ms", "200", "--wait", "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout);
    assert.equal(job.status, "succeeded");
    assert.match(job.worker, new RegExp(`:${worker.pid}$`));
    const logs = await runCli(["jobs", "logs", job.id], { env });
    assert.match(logs.stdout, /attempt 1 of 2 started/);
    assert.match(logs.stdout, /finished/);
    const list = await runCli(["jobs", "list", "--json"], { env });
    assert.equal(JSON.parse(list.stdout)[0].id, job.id);
    const stop = new Promise((res) => worker.once("exit", res));
    worker.kill("SIGTERM");
    await stop;
  });
}
