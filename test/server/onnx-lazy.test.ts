/**
 * The built-in path pays nothing for ONNX: a real server whose production model is the
 * built-in one never loads onnxruntime-node or the tokenizer library (recorded by the
 * module recorder of the CLI's lazy-loading test); one serving an ensemble with an ONNX
 * member does, which shows the recorder would see them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadShippedModel } from "../../src/detect/create.js";
import { runCli } from "../helpers/cli.js";
import { writeTinyClassifier } from "../helpers/onnx.js";
import { tempDir } from "../helpers/tmp.js";
import { call } from "./helpers.js";
import { seedHome, spawnServe } from "./process.js";

const RECORDER = new URL("../cli/record-modules.js", import.meta.url).href;
const ONNX_PACKAGES = /\/node_modules\/(onnxruntime-node|onnxruntime-common|@huggingface\/tokenizers)\//;

test("a server on the built-in model never loads onnxruntime; one serving an ONNX ensemble does", async () => {
  const home = tempDir("bulwark-onnx-lazy-");
  const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "", BULWARK_MODEL_POLL_INTERVAL: "0" };
  const [key] = await seedHome(env, (await loadShippedModel()).bytes, [{ name: "admin", role: "admin" }]);
  const cli = async (...args: string[]) => {
    const r = await runCli(args, { env });
    assert.equal(r.code, 0, r.stderr);
  };
  await cli("models", "import", writeTinyClassifier(tempDir()), "--format", "onnx", "--name", "tiny");
  await cli("models", "ensemble", "create", "guard", "--members", "builtin@1.0.0,tiny@1.0.0");

  /** Serves `model`, asks for one verdict, and returns it with the ONNX packages the process loaded. */
  const serve = async (model: string) => {
    const log = join(home, `modules-${model}.log`);
    const server = await spawnServe(
      { ...env, BULWARK_MODULE_LOG: log, BULWARK_MODEL: model },
      { nodeArgs: ["--import", RECORDER] },
    );
    try {
      const r = await call(server.url, "/v1/detect", { key: key!, json: { text: "hello" } });
      assert.equal(r.status, 200, r.text);
    } finally {
      await server.stop();
    }
    const urls = readFileSync(log, "utf8").split("\n");
    assert.ok(
      urls.some((u) => u.includes("/dist/src/server/")),
      "the recorder saw the server",
    );
    return urls.filter((u) => ONNX_PACKAGES.test(u));
  };

  assert.deepEqual(await serve("builtin"), [], "the built-in path loaded an ONNX package");

  // An ensemble not promoted yet is not served (nor a built-in model trained under its name).
  const waiting = await runCli(["serve", "--port", "0"], { env: { ...env, BULWARK_MODEL: "guard" } });
  assert.notEqual(waiting.code, 0);
  assert.match(
    waiting.stderr,
    /guard has no production version to serve: promote one \(bulwark models promote guard@1\.0\.0\)/,
  );

  await cli("models", "promote", "guard@1.0.0");
  const loaded = await serve("guard");
  assert.ok(
    loaded.some((u) => u.includes("/onnxruntime-node/")),
    "onnxruntime-node was loaded for the ensemble",
  );
});
