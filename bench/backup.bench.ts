/**
 * Backup and restore times for a database of BENCH_BACKUP_EVENTS (default 100,000)
 * synthetic detection events and their roll-ups (bench/event-table.ts), on SQLite and on
 * PostgreSQL when reachable: `createBackup` to a local store, `verifyBackup`, then
 * `restoreBackup` into a fresh database of the same dialect, checked row for row with the
 * dialect-neutral dump. Run: npm run bench -- backup
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import pg from "pg";
import { createBackup } from "../src/backup/create.js";
import { dumpDatabaseCanonical } from "../src/backup/dump.js";
import { restoreBackup } from "../src/backup/restore.js";
import { verifyBackup } from "../src/backup/verify.js";
import { openDatabase, type DatabaseHandle } from "../src/db/open.js";
import { FsObjectStore } from "../src/storage/fs/store.js";
import { fillEvents, onEachDatabase } from "./event-table.js";
import { markdownTable } from "./util.js";

const EVENTS = Number(process.env.BENCH_BACKUP_EVENTS ?? 100_000);
const PG_ADMIN = process.env.BULWARK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function target(
  dialect: DatabaseHandle["dialect"],
): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  if (dialect === "sqlite") {
    const handle = await openDatabase(
      { url: undefined, sqlitePath: join(mkdtempSync(join(tmpdir(), "bulwark-bench-restore-")), "r.db") },
      { migrate: false },
    );
    return { handle, drop: async () => undefined };
  }
  const name = `bw_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), sqlitePath: "" }, { migrate: false });
  return {
    handle,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const seconds = (start: number) => (performance.now() - start) / 1000;

async function measure(label: string, handle: DatabaseHandle): Promise<(string | number)[][]> {
  const filled = await fillEvents(handle, EVENTS);
  console.log(`${label}: ${EVENTS.toLocaleString("en")} events written in ${filled.toFixed(1)} s`);
  const store = new FsObjectStore({
    root: mkdtempSync(join(tmpdir(), "bulwark-bench-store-")),
    bucket: "bulwark",
  });
  await store.init({ objectLock: true });
  let t = performance.now();
  const manifest = await createBackup({ db: handle, store });
  const create = seconds(t);
  const bytes = manifest.tables.reduce((n, x) => n + x.size, 0);
  const rows = manifest.tables.reduce((n, x) => n + x.rows, 0);
  t = performance.now();
  const report = await verifyBackup(store, manifest.id);
  const verify = seconds(t);
  assert.equal(report.ok, true);
  const into = await target(handle.dialect);
  try {
    t = performance.now();
    await restoreBackup({ db: into.handle, store }, manifest.id);
    const restore = seconds(t);
    assert.deepEqual(await dumpDatabaseCanonical(into.handle), await dumpDatabaseCanonical(handle));
    return [
      [
        label,
        EVENTS.toLocaleString("en"),
        rows.toLocaleString("en"),
        (bytes / 1e6).toFixed(1),
        create.toFixed(2),
        verify.toFixed(2),
        restore.toFixed(2),
      ],
    ];
  } finally {
    await into.handle.close();
    await into.drop();
    await store.close();
  }
}

const rows = await onEachDatabase("backup", measure);
console.log(
  markdownTable(
    ["database", "events", "rows (all tables)", "backup MB (gzip)", "create s", "verify s", "restore s"],
    rows,
  ),
);
