/**
 * Password guessing through every door (security review, items 1 and 3). HTTP Basic on
 * /docs checked passwords with no budget at all (40 guesses in 1.25 s against 10 a
 * minute on the login route). Every password check now spends the same budget per
 * (address, username), shared through Redis by every replica when the service uses it;
 * and a disabled user's right password answers exactly like a wrong one.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../helpers/tmp.js";
import { assertError, type CallResult, startTestServer, type TestServer } from "../server/helpers.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "../server/redis-env.js";

const hasRedis = await redisAvailable();

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
});
const outcome = (r: CallResult) => (r.status < 400 ? String(r.status) : `${r.status} ${r.body?.code}`);

function viaBasic(server: TestServer, username: string, password: string) {
  return server.call("/docs/json", { headers: basic(username, password) });
}
function viaLogin(server: TestServer, username: string, password: string) {
  return server.call("/v1/auth/login", { json: { username, password } });
}

/** What a caller sees of a refusal, without what differs on every answer. */
function visible(r: CallResult) {
  const { timestamp: _t, requestId: _r, ...body } = r.body as Record<string, unknown>;
  return { status: r.status, body, authenticate: r.headers.get("www-authenticate") };
}

describe("the password budget (in memory)", async () => {
  const server = await startTestServer({
    env: { BULWARK_RATE_LIMIT_LOGIN: "3", BULWARK_RATE_LIMIT_PER_IP: "100000" },
  });
  await server.ctx.users.create({
    username: "erin",
    password: "erin's long password",
    role: "analyst",
    createdBy: "test",
  });
  await server.ctx.users.create({
    username: "frank",
    password: "frank's long password",
    role: "analyst",
    createdBy: "test",
  });

  test("Basic guesses on /docs beyond the budget get the login route's 429, even the right password", async () => {
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(outcome(await viaBasic(server, "erin", `guess-${i}-xxxxxxxx`)));
    assert.deepEqual(outcomes, [
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "429 RATE_LIMITED",
      "429 RATE_LIMITED",
      "429 RATE_LIMITED",
    ]);
    const right = await viaBasic(server, "erin", "erin's long password");
    assertError(right, 429, "RATE_LIMITED", /retry in \d+ s/);
    assert.equal(right.body.details.scope, "login");
    assert.ok(Number(right.headers.get("retry-after")) >= 1);
    assert.ok(!right.text.includes("openapi"), "no docs past the budget");
    // The login route refuses the same user from the same address: one budget.
    assertError(await viaLogin(server, "erin", "erin's long password"), 429, "RATE_LIMITED");
  });

  test("login and Basic spend one budget: two logins and one Basic exhaust it for both", async () => {
    assert.equal((await viaLogin(server, "frank", "wrong password 1")).status, 401);
    assert.equal((await viaBasic(server, "frank", "wrong password 2")).status, 401);
    assert.equal((await viaLogin(server, "frank", "wrong password 3")).status, 401);
    const basicOver = await viaBasic(server, "frank", "frank's long password");
    const loginOver = await viaLogin(server, "frank", "frank's long password");
    assertError(basicOver, 429, "RATE_LIMITED");
    assertError(loginOver, 429, "RATE_LIMITED");
    assert.equal(basicOver.body.details.scope, loginOver.body.details.scope);
    // Another username from the same address keeps its own budget.
    assert.equal((await viaBasic(server, "admin", server.admin.password)).status, 200);
  });

  test("a disabled user's right password answers exactly like a wrong one, on Basic and on login", async () => {
    const quiet = await startTestServer({
      env: { BULWARK_RATE_LIMIT_LOGIN: "100", BULWARK_RATE_LIMIT_PER_IP: "100000" },
    });
    await quiet.ctx.users.create({
      username: "gina",
      password: "gina's long password",
      role: "analyst",
      createdBy: "test",
    });
    assert.equal((await viaBasic(quiet, "gina", "gina's long password")).status, 200);
    await quiet.call("/v1/users/gina", { method: "PATCH", key: quiet.adminKey, json: { disabled: true } });
    quiet.ctx.auth.invalidate();

    const basicRight = await viaBasic(quiet, "gina", "gina's long password");
    const basicWrong = await viaBasic(quiet, "gina", "not gina's password");
    assertError(basicRight, 401, "UNAUTHENTICATED");
    assert.deepEqual(visible(basicRight), visible(basicWrong));
    assert.ok(!/disabled/i.test(basicRight.text));

    const loginRight = await viaLogin(quiet, "gina", "gina's long password");
    const loginWrong = await viaLogin(quiet, "gina", "not gina's password");
    assertError(loginRight, 401, "UNAUTHENTICATED");
    assert.deepEqual(visible(loginRight), visible(loginWrong));

    // The audit trail still tells the operator what happened.
    await quiet.ctx.audit.flush();
    const refused = await quiet.ctx.audit.list({ action: "auth.refused", limit: 100 });
    const reasons = refused.map((e) => (e.details as { reason: string }).reason);
    assert.ok(reasons.includes("disabled_user"), reasons.join(","));
    assert.ok(reasons.includes("invalid_password"), reasons.join(","));
  });
});

if (hasRedis) {
  describe("the password budget shared through Redis", async () => {
    const prefix = uniquePrefix("pw-budget");
    after(() => dropPrefix(prefix));
    const home = tempDir("bulwark-pw-budget-");
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      BULWARK_REDIS_PREFIX: prefix,
      BULWARK_RATE_LIMIT_LOGIN: "4",
      BULWARK_RATE_LIMIT_PER_IP: "100000",
    };
    const database = { url: undefined, sqlitePath: join(home, "shared.db") };
    // Two replicas over one database and one Redis.
    const one = await startTestServer({ env, database, home: join(home, "one") });
    const two = await startTestServer({ env, database, home: join(home, "two") });

    test("Basic guesses on one replica and logins on another count against one budget", async () => {
      assert.equal(one.ctx.limiter.kind, "redis");
      const outcomes = [
        outcome(await viaBasic(one, "admin", "guess one xxxxxxx")),
        outcome(await viaLogin(two, "admin", "guess two xxxxxxx")),
        outcome(await viaBasic(two, "admin", "guess three xxxxx")),
        outcome(await viaLogin(one, "admin", "guess four xxxxxx")),
        outcome(await viaBasic(one, "admin", one.admin.password)),
        outcome(await viaLogin(two, "admin", one.admin.password)),
      ];
      assert.deepEqual(outcomes, [
        "401 UNAUTHENTICATED",
        "401 UNAUTHENTICATED",
        "401 UNAUTHENTICATED",
        "401 UNAUTHENTICATED",
        "429 RATE_LIMITED",
        "429 RATE_LIMITED",
      ]);
    });
  });
}
