/**
 * Whether the fault tests can start servers of their own; kept apart from services.ts so
 * the benchmark can start those servers without loading the test runner.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PG_BIN, REDIS_SERVER } from "./services.js";

/** True when both binaries are there; otherwise registers a skipped (or, when services are required, failing) test. */
export function ownServersAvailable(): boolean {
  const missing = [join(PG_BIN, "postgres"), join(PG_BIN, "initdb"), REDIS_SERVER].filter(
    (p) => !existsSync(p),
  );
  if (missing.length === 0) return true;
  const message = `cannot start servers of the test's own: ${missing.join(", ")} missing`;
  if (process.env.BULWARK_REQUIRE_SERVICES === "1")
    test("PostgreSQL and Redis binaries are required (BULWARK_REQUIRE_SERVICES=1)", () =>
      assert.fail(message));
  else {
    console.warn(`\n*** SKIPPING fault tests: ${message} ***\n`);
    test("fault tests", { skip: message }, () => undefined);
  }
  return false;
}
