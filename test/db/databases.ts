/**
 * The databases every registry test runs against: a SQLite file in a temporary folder,
 * and a fresh PostgreSQL database per test file (`bw_test_<random>`, dropped afterwards)
 * on BULWARK_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres). When
 * PostgreSQL is unreachable its tests are skipped loudly, or fail with
 * BULWARK_REQUIRE_SERVICES=1.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type DatabaseHandle, type DatabaseSettings } from "../../src/db/open.js";
import { tempDir } from "../helpers/tmp.js";

export const PG_ADMIN_URL = process.env.BULWARK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  dialect: "sqlite" | "postgres";
  settings: DatabaseSettings;
  /** Opens (and migrates) a handle, closed when the test file ends. */
  open(): Promise<DatabaseHandle>;
}

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, uniquely named PostgreSQL database, dropped when the test file ends. */
export async function createPgDatabase(): Promise<DatabaseSettings> {
  const name = `bw_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  after(() => adminQuery(`drop database if exists ${name} with (force)`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), sqlitePath: "" };
}

export function createSqliteSettings(): DatabaseSettings {
  return { url: undefined, sqlitePath: join(tempDir("bulwark-db-"), "bulwark.db") };
}

function handles(settings: DatabaseSettings): () => Promise<DatabaseHandle> {
  const opened: DatabaseHandle[] = [];
  after(async () => {
    for (const h of opened) await h.close();
  });
  return async () => {
    const h = await openDatabase(settings);
    opened.push(h);
    return h;
  };
}

let pgState: Promise<boolean> | undefined;

/** SQLite always; PostgreSQL when reachable (else a loud skip, or a failure when services are required). */
export async function testDatabases(): Promise<TestDatabase[]> {
  const out: TestDatabase[] = [];
  const sqlite = createSqliteSettings();
  out.push({ dialect: "sqlite", settings: sqlite, open: handles(sqlite) });
  pgState ??= pgReachable();
  if (await pgState) {
    const settings = await createPgDatabase();
    out.push({ dialect: "postgres", settings, open: handles(settings) });
  } else {
    const message = `PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/\/\/([^:@/]+):[^@]+@/, "//$1:****@")}`;
    if (process.env.BULWARK_REQUIRE_SERVICES === "1") {
      test("PostgreSQL is required (BULWARK_REQUIRE_SERVICES=1)", () => assert.fail(message));
    } else {
      console.warn(`\n*** SKIPPING PostgreSQL variants: ${message} ***\n`);
      test("PostgreSQL variants", { skip: message }, () => undefined);
    }
  }
  return out;
}
