import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, startTestServer } from "../server/helpers.js";

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
  assertError(
    await server.call("/v1/users", { token }),
    403,
    "FORBIDDEN",
    /the analyst role may not do this/,
  );

  const disabled = await runCli(["users", "update", "bob", "--disable"], { env });
  assert.equal(disabled.code, 0, disabled.stderr);
  assertError(await server.call("/v1/jobs", { token }), 401, "UNAUTHENTICATED", /the user is disabled/);

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
  assert.match(short.stderr, /a password needs at least 12 characters/);
  const users = async () =>
    JSON.parse((await runCli(["users", "list", "--json"], { env })).stdout).map(
      (u: { username: string }) => u.username,
    ) as string[];
  assert.ok(!(await users()).includes("eve"), "no user was created");
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
  assert.match(dup.stderr, /a user named "eve" already exists/);
  assert.equal((await users()).filter((u) => u === "eve").length, 1, "eve is not written twice");
});
