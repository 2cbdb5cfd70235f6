import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryRateLimiter } from "../../src/server/rate-limit/memory.js";
import { RedisRateLimiter } from "../../src/server/rate-limit/redis.js";
import type { RateLimiter } from "../../src/server/rate-limit/types.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, call, keyFor, startTestServer, testArtifact, type CallResult } from "./helpers.js";
import { seedHome, spawnServe } from "./process.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "./redis-env.js";

const hasRedis = await redisAvailable();

/** "status CODE" of each answer, "200" for a success: refusals are told apart by their code. */
const outcome = (r: CallResult) => (r.status < 400 ? String(r.status) : `${r.status} ${r.body?.code}`);

/** The same behaviour from both limiters. */
function conformance(name: string, make: () => RateLimiter) {
  describe(`${name} rate limiter`, () => {
    test("counts within a window and refuses past the limit", async (t) => {
      const l = make();
      // Closed even when an assertion fails: an open Redis client would keep the file running.
      t.after(() => l.close());
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await l.hit("a", 3, 60_000));
      assert.deepEqual(
        results.map((r) => r.allowed),
        [true, true, true, false, false],
      );
      assert.deepEqual(
        results.map((r) => r.remaining),
        [2, 1, 0, 0, 0],
      );
      assert.ok(results[4]!.resetMs > 0 && results[4]!.resetMs <= 60_000);
      assert.equal((await l.hit("b", 3, 60_000)).allowed, true, "buckets are independent");
    });

    test("a new window refills the budget", async (t) => {
      const l = make();
      t.after(() => l.close());
      // A window long enough that two hits on a loaded machine still fall inside it.
      assert.equal((await l.hit("w", 1, 1500)).allowed, true);
      assert.equal((await l.hit("w", 1, 1500)).allowed, false);
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal((await l.hit("w", 1, 1500)).allowed, true);
    });
  });
}

conformance("memory", () => new MemoryRateLimiter());
if (hasRedis) {
  const prefix = uniquePrefix("rl-unit");
  after(() => dropPrefix(prefix));
  conformance("redis", () => new RedisRateLimiter(TEST_REDIS_URL, prefix));
}

test("an unreachable Redis refuses requests (503) rather than let them through uncounted", async () => {
  const l = new RedisRateLimiter("redis://127.0.0.1:1", "bwtest-down");
  await assert.rejects(l.hit("x", 10, 60_000), { code: "RATE_LIMITER_UNAVAILABLE", status: 503 });
  await l.close();
});

describe("rate limits on the server (in memory)", async () => {
  const server = await startTestServer({
    env: {
      BULWARK_RATE_LIMIT_PER_KEY: "5",
      BULWARK_RATE_LIMIT_PER_IP: "1000",
      BULWARK_RATE_LIMIT_LOGIN: "3",
    },
  });

  test("a key over its budget gets 429 with Retry-After; another key is unaffected", async () => {
    const a = await keyFor(server, "client", "budget-a");
    const b = await keyFor(server, "client", "budget-b");
    const outcomes = [];
    for (let i = 0; i < 7; i++)
      outcomes.push(outcome(await server.call("/v1/detect", { key: a, json: { text: "hi" } })));
    assert.deepEqual(outcomes, ["200", "200", "200", "200", "200", "429 RATE_LIMITED", "429 RATE_LIMITED"]);
    const r = await server.call("/v1/detect", { key: a, json: { text: "hi" } });
    assertError(r, 429, "RATE_LIMITED", /too many requests: retry in \d+ s/);
    assert.equal(r.body.details.scope, "key");
    const retry = Number(r.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal((await server.call("/v1/detect", { key: b, json: { text: "hi" } })).status, 200);
  });

  test("login attempts for one user from one address are limited", async () => {
    const outcomes = [];
    for (let i = 0; i < 5; i++)
      outcomes.push(
        outcome(
          await server.call("/v1/auth/login", { json: { username: "admin", password: `guess-${i}-xxxxxx` } }),
        ),
      );
    assert.deepEqual(outcomes, [
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "429 RATE_LIMITED",
      "429 RATE_LIMITED",
    ]);
    // Past the limit even the right password is refused, and no token is issued.
    const right = await server.call("/v1/auth/login", {
      json: { username: "admin", password: server.admin.password },
    });
    assertError(right, 429, "RATE_LIMITED", /retry in \d+ s/);
    assert.equal(right.body.details.scope, "login");
    assert.equal(right.body.data, undefined);
  });

  test("rejections are counted in the metrics", async () => {
    const m = await server.call("/metrics");
    assert.match(m.text, /bulwark_rate_limit_rejections_total\{scope="key"\} [1-9]/);
    assert.match(m.text, /bulwark_rate_limit_rejections_total\{scope="login"\} [1-9]/);
  });
});

describe("per-address limit", async () => {
  const server = await startTestServer({
    env: { BULWARK_RATE_LIMIT_PER_IP: "4", BULWARK_RATE_LIMIT_PER_KEY: "1000" },
  });
  test("counts every request from an address, with or without credentials; probes are exempt", async () => {
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(outcome(await server.call("/v1/detect", { json: { text: "hi" } })));
    const allowed = await server.call("/v1/detect", { key: server.adminKey, json: { text: "hi" } });
    outcomes.push(outcome(allowed));
    const over = await server.call("/v1/detect", { key: server.adminKey, json: { text: "hi" } });
    outcomes.push(outcome(over));
    assert.deepEqual(outcomes, [
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "401 UNAUTHENTICATED",
      "200",
      "429 RATE_LIMITED",
    ]);
    assert.equal(over.body.details.scope, "ip");
    assert.equal((await server.call("/health")).status, 200);
    assert.equal((await server.call("/ready")).status, 200);
  });
});

if (hasRedis) {
  describe("rate limits shared through Redis", async () => {
    const prefix = uniquePrefix("rl-shared");
    after(() => dropPrefix(prefix));
    const home = tempDir("bulwark-rl-shared-");
    const env = {
      BULWARK_HOME: home,
      DATABASE_URL: "",
      REDIS_URL: TEST_REDIS_URL,
      BULWARK_REDIS_PREFIX: prefix,
      BULWARK_RATE_LIMIT_PER_KEY: "10",
      BULWARK_RATE_LIMIT_PER_IP: "10000",
      BULWARK_AUDIT_SNAPSHOT_INTERVAL: "0",
      BULWARK_LOG_LEVEL: "warn",
    };
    const [key] = await seedHome(env, (await testArtifact()).artifact, [{ name: "shared", role: "client" }]);
    const one = await spawnServe(env);
    after(() => one.stop());
    const two = await spawnServe(env);
    after(() => two.stop());

    test("two server processes share one budget per key", async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 14; i++) {
        const target = i % 2 === 0 ? one : two;
        outcomes.push(outcome(await call(target.url, "/v1/detect", { key: key!, json: { text: "hi" } })));
      }
      assert.equal(outcomes.filter((c) => c === "200").length, 10, outcomes.join(","));
      assert.deepEqual(outcomes.slice(10), Array(4).fill("429 RATE_LIMITED"));
      const r = await call(two.url, "/v1/detect", { key: key!, json: { text: "hi" } });
      assertError(r, 429, "RATE_LIMITED", /retry in \d+ s/);
      assert.ok(Number(r.headers.get("retry-after")) >= 1);
      assert.notEqual(one.child.pid, two.child.pid);
    });
  });
}
