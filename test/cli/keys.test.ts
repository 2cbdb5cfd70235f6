import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, startTestServer } from "../server/helpers.js";

const home = tempDir("bulwark-cli-keys-");
const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "", BULWARK_ACTOR: "cli:provisioner" };

test("keys create prints a key once that the service accepts, until revoked", async () => {
  const created = await runCli(["keys", "create", "--role", "client", "--name", "chat-frontend", "--json"], {
    env,
  });
  assert.equal(created.code, 0, created.stderr);
  const { key, info } = JSON.parse(created.stdout);
  assert.match(key, /^bwk_/);
  assert.equal(info.role, "client");

  const plain = await runCli(["keys", "create", "--role", "analyst", "--name", "notebook"], { env });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout.trim(), /^bwk_[A-Za-z0-9_-]{49}$/);
  assert.match(plain.stderr, /not shown again/);

  const list = await runCli(["keys", "list", "--json"], { env });
  assert.equal(list.code, 0);
  assert.ok(!list.stdout.includes(key));
  assert.deepEqual(
    JSON.parse(list.stdout)
      .map((k: { name: string }) => k.name)
      .sort(),
    ["chat-frontend", "notebook"],
  );

  const server = await startTestServer({
    home,
    database: { sqlitePath: join(home, "bulwark.db") },
    env: { BULWARK_AUTH_CACHE_TTL_MS: "0" },
  });
  assert.equal((await server.call("/v1/detect", { key, json: { text: "hello" } })).status, 200);
  assertError(await server.call("/v1/users", { key }), 403, "FORBIDDEN", /the client role may not do this/);

  const revoked = await runCli(["keys", "revoke", "chat-frontend"], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assertError(
    await server.call("/v1/detect", { key, json: { text: "hello" } }),
    401,
    "UNAUTHENTICATED",
    /the API key was revoked/,
  );

  await server.ctx.audit.flush();
  const entries = await server.ctx.audit.list({ actor: "cli:provisioner" });
  assert.deepEqual(
    entries.map((e) => e.action),
    ["key.create", "key.create", "key.revoke"],
  );
});

test("keys create refuses a bad role or a missing name", async () => {
  const bad = await runCli(["keys", "create", "--role", "root", "--name", "x"], { env });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /option '--role <role>' argument 'root' is invalid\. must be one of admin, analyst, client/,
  );
  const missing = await runCli(["keys", "create", "--role", "client"], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--name <name>' not specified/);
  const names = JSON.parse((await runCli(["keys", "list", "--json"], { env })).stdout).map(
    (k: { name: string }) => k.name,
  );
  assert.ok(!names.includes("x"), "no key was created");
});
