import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { startTestServer } from "../server/helpers.js";

const home = tempDir("bulwark-cli-users-");
const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "" };

test("users create reads the password from stdin; the user logs in to the service", async () => {
  const created = await runCli(
    ["users", "create", "--role", "analyst", "--username", "bob", "--password-stdin", "--json"],
    {
      env,
      input: "a long enough passphrase\n",
    },
  );
  assert.equal(created.code, 0, created.stderr);
  assert.equal(JSON.parse(created.stdout).role, "analyst");
  assert.ok(!created.stdout.includes("passphrase"));

  const server = await startTestServer({
    home,
    database: { sqlitePath: join(home, "bulwark.db") },
    env: { BULWARK_AUTH_CACHE_TTL_MS: "0" },
  });
  const login = await server.call("/v1/auth/login", {
    json: { username: "bob", password: "a long enough passphrase" },
  });
  assert.equal(login.status, 200);
  const token = login.body.data.token as string;
  assert.equal((await server.call("/v1/jobs", { token })).status, 200);
  assert.equal((await server.call("/v1/users", { token })).status, 403);

  const disabled = await runCli(["users", "update", "bob", "--disable"], { env });
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal((await server.call("/v1/jobs", { token })).status, 401);

  const repassword = await runCli(["users", "update", "bob", "--enable", "--password-stdin"], {
    env,
    input: "another long passphrase",
  });
  assert.equal(repassword.code, 0, repassword.stderr);
  assert.equal(
    (await server.call("/v1/auth/login", { json: { username: "bob", password: "another long passphrase" } }))
      .status,
    200,
  );

  const list = await runCli(["users", "list", "--json"], { env });
  const names = JSON.parse(list.stdout).map((u: { username: string }) => u.username);
  assert.ok(names.includes("bob"));
});

test("users create refuses a password on the command line, a short one, and duplicates", async () => {
  const noStdin = await runCli(["users", "create", "--role", "client", "--username", "eve"], { env });
  assert.equal(noStdin.code, 2);
  assert.match(noStdin.stderr, /--password-stdin/);
  const short = await runCli(
    ["users", "create", "--role", "client", "--username", "eve", "--password-stdin"],
    { env, input: "short" },
  );
  assert.equal(short.code, 2);
  assert.match(short.stderr, /at least 12 characters/);
  const ok = await runCli(["users", "create", "--role", "client", "--username", "eve", "--password-stdin"], {
    env,
    input: "long enough password",
  });
  assert.equal(ok.code, 0, ok.stderr);
  const dup = await runCli(["users", "create", "--role", "client", "--username", "eve", "--password-stdin"], {
    env,
    input: "long enough password",
  });
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /already exists/);
});
