/**
 * The Redis the tests use: REDIS_URL for tests is BULWARK_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379. When it is not reachable the tests skip loudly, or fail with
 * BULWARK_REQUIRE_SERVICES=1. Every test uses its own key prefix.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.BULWARK_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let reachable: Promise<boolean> | undefined;

/** Whether a Redis server answers PING at `url` (no retries: a quick yes or no). */
export async function redisReachable(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** True when Redis is there; otherwise registers a skipped (or, when services are required, failing) test. */
export async function redisAvailable(): Promise<boolean> {
  reachable ??= redisReachable(TEST_REDIS_URL);
  if (await reachable) return true;
  const message = `Redis not reachable at ${TEST_REDIS_URL}`;
  if (process.env.BULWARK_REQUIRE_SERVICES === "1")
    test("Redis is required (BULWARK_REQUIRE_SERVICES=1)", () => assert.fail(message));
  else {
    console.warn(`\n*** SKIPPING Redis tests: ${message} ***\n`);
    test("Redis tests", { skip: message }, () => undefined);
  }
  return false;
}

export function uniquePrefix(label: string): string {
  return `bwtest-${label}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under a prefix (BullMQ queues and rate-limit counters of a test). */
export async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}
