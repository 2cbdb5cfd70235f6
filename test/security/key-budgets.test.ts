/**
 * Per-key budgets (security review, item 5). Every key had the same budget, so one noisy
 * or leaked low-value key could spend as much as the service allowed any key, all day. A
 * key can now carry its own rate limit and a daily quota (UTC day), set by
 * `bulwark keys create --rate-limit 600/min --quota 100000/day` or POST /v1/keys, shown in
 * listings and enforced in memory or, across replicas, through Redis.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseQuota, parseRateLimit } from "../../src/server/auth/budgets.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, type CallResult, startTestServer, type TestServer } from "../server/helpers.js";
import { dropPrefix, redisAvailable, TEST_REDIS_URL, uniquePrefix } from "../server/redis-env.js";

const hasRedis = await redisAvailable();
const outcome = (r: CallResult) => (r.status < 400 ? String(r.status) : `${r.status} ${r.body?.code}`);

test("budget specs: what is understood, and clear refusals", () => {
  assert.deepEqual(parseRateLimit("600/min"), { limit: 600, window: "minute" });
  assert.deepEqual(parseRateLimit("10/s"), { limit: 10, window: "second" });
  assert.deepEqual(parseRateLimit("36000/hour"), { limit: 36000, window: "hour" });
  assert.deepEqual(parseQuota("100000/day"), { limit: 100000, window: "day" });
  for (const bad of ["600", "600/fortnight", "-1/min", "0/min", "1.5/min", "min/600", "99999999999/min"])
    assert.throws(() => parseRateLimit(bad), /rate limit .*(not understood|whole number from 1)/, bad);
  for (const bad of ["100000/min", "100000", "0/day"])
    assert.throws(() => parseQuota(bad), /quota .*(not understood|per UTC day|whole number from 1)/, bad);
});

async function createKey(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await server.call("/v1/keys", { key: server.adminKey, json: { role: "client", ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body.data.key as string;
}

async function detectOutcomes(server: TestServer, key: string, n: number): Promise<string[]> {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(outcome(await server.call("/v1/detect", { key, json: { text: "hi" } })));
  return out;
}

function budgetTests(label: string, servers: () => [TestServer, TestServer]) {
  describe(`per-key budgets (${label})`, () => {
    test("a key's own rate limit replaces the default; other keys keep the default", async () => {
      const [one, two] = servers();
      const tight = await createKey(one, {
        name: `tight-${label}`,
        rateLimit: { limit: 3, window: "minute" },
      });
      const loose = await createKey(one, { name: `loose-${label}` });
      const out = [...(await detectOutcomes(one, tight, 2)), ...(await detectOutcomes(two, tight, 3))];
      assert.deepEqual(out, ["200", "200", "200", "429 RATE_LIMITED", "429 RATE_LIMITED"]);
      const r = await two.call("/v1/detect", { key: tight, json: { text: "hi" } });
      assert.equal(r.body.details.scope, "key");
      assert.equal(r.body.details.limit, 3);
      assert.deepEqual(await detectOutcomes(two, loose, 5), Array(5).fill("200"));
    });

    test("past its daily quota a key gets 429 QUOTA_EXCEEDED with Retry-After until 00:00 UTC", async () => {
      const [one, two] = servers();
      const key = await createKey(one, { name: `quota-${label}`, quota: { limit: 4, window: "day" } });
      const out = [...(await detectOutcomes(one, key, 2)), ...(await detectOutcomes(two, key, 3))];
      assert.deepEqual(out, ["200", "200", "200", "200", "429 QUOTA_EXCEEDED"]);
      const r = await one.call("/v1/detect", { key, json: { text: "hi" } });
      assertError(r, 429, "QUOTA_EXCEEDED", /daily quota of 4 requests is spent.*00:00 UTC/);
      const midnight = new Date();
      midnight.setUTCHours(24, 0, 0, 0);
      const expected = (midnight.getTime() - Date.now()) / 1000;
      const retry = Number(r.headers.get("retry-after"));
      assert.ok(Math.abs(retry - expected) <= 5, `Retry-After ${retry}, ${expected} s to midnight`);
      assert.equal(r.body.details.resetsAt, midnight.toISOString());
    });

    test("budgets are listed with the key", async () => {
      const [one] = servers();
      await createKey(one, {
        name: `listed-${label}`,
        rateLimit: { limit: 600, window: "minute" },
        quota: { limit: 100000, window: "day" },
      });
      const list = await one.call("/v1/keys", { key: one.adminKey });
      const k = list.body.data.find((x: { name: string }) => x.name === `listed-${label}`);
      assert.deepEqual(k.rateLimit, { limit: 600, window: "minute" });
      assert.deepEqual(k.quota, { limit: 100000, window: "day" });
      const plain = list.body.data.find((x: { name: string }) => x.name === "test-admin");
      assert.equal(plain.rateLimit, null);
      assert.equal(plain.quota, null);
    });
  });
}

describe("in memory (the embedded default)", async () => {
  const server = await startTestServer({
    env: { BULWARK_RATE_LIMIT_PER_KEY: "1000", BULWARK_RATE_LIMIT_PER_IP: "100000" },
  });
  budgetTests("memory", () => [server, server]);

  test("bad budgets in POST /v1/keys are refused with 400 and create nothing", async () => {
    for (const body of [
      { rateLimit: { limit: 0, window: "minute" } },
      { rateLimit: { limit: 10, window: "fortnight" } },
      { rateLimit: { limit: 10 } },
      { quota: { limit: 10, window: "hour" } },
      { quota: { limit: -1, window: "day" } },
      { rateLimit: "600/min" },
    ]) {
      const r = await server.call("/v1/keys", {
        key: server.adminKey,
        json: { name: "refused-budget", role: "client", ...body },
      });
      assertError(r, 400, "VALIDATION_ERROR", undefined, JSON.stringify(body));
    }
    const list = await server.call("/v1/keys", { key: server.adminKey });
    assert.ok(!list.body.data.some((k: { name: string }) => k.name === "refused-budget"));
  });
});

if (hasRedis) {
  describe("through Redis, across two replicas", async () => {
    const prefix = uniquePrefix("key-budgets");
    after(() => dropPrefix(prefix));
    const home = tempDir("bulwark-key-budgets-");
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      BULWARK_REDIS_PREFIX: prefix,
      BULWARK_RATE_LIMIT_PER_KEY: "1000",
      BULWARK_RATE_LIMIT_PER_IP: "100000",
    };
    const database = { url: undefined, sqlitePath: join(home, "shared.db") };
    const one = await startTestServer({ env, database, home: join(home, "one") });
    const two = await startTestServer({ env, database, home: join(home, "two") });
    assert.equal(one.ctx.limiter.kind, "redis");
    budgetTests("redis", () => [one, two]);
  });
}

test("bulwark keys create --rate-limit --quota, shown by keys list; bad specs name the option", async () => {
  const home = tempDir("bulwark-cli-budgets-");
  const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "" };
  const created = await runCli(
    [
      "keys",
      "create",
      "--role",
      "client",
      "--name",
      "metered",
      "--rate-limit",
      "600/min",
      "--quota",
      "100000/day",
    ],
    { env },
  );
  assert.equal(created.code, 0, created.stderr);
  const list = await runCli(["keys", "list"], { env });
  assert.match(list.stdout, /metered .*600\/min .*100000\/day/);
  const json = JSON.parse((await runCli(["keys", "list", "--json"], { env })).stdout);
  assert.deepEqual(json[0].rateLimit, { limit: 600, window: "minute" });
  assert.deepEqual(json[0].quota, { limit: 100000, window: "day" });

  const bad = await runCli(
    ["keys", "create", "--role", "client", "--name", "x", "--rate-limit", "600/fortnight"],
    {
      env,
    },
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rate-limit.*600\/fortnight.*e\.g\. 600\/min/s);
  const badQuota = await runCli(["keys", "create", "--role", "client", "--name", "x", "--quota", "5/hour"], {
    env,
  });
  assert.equal(badQuota.code, 2);
  assert.match(badQuota.stderr, /--quota.*per UTC day/s);
});
