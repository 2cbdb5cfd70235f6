/**
 * A database's contents in the backup's dialect-neutral form, rows sorted by their text:
 * two databases hold the same data exactly when their dumps are equal, whichever dialect
 * each one is. Restores are checked with it (tests, benchmarks).
 */
import type { DatabaseHandle } from "../db/open.js";
import { dumpLine } from "./format.js";
import { readPages, withReadSnapshot } from "./snapshot.js";
import { EXCLUDED_TABLES, databaseTables, tableInfo, type AnyDb } from "./tables.js";

export async function dumpTable(
  db: AnyDb,
  dialect: DatabaseHandle["dialect"],
  table: string,
): Promise<string[]> {
  const info = await tableInfo(db, dialect, table);
  const lines: string[] = [];
  for await (const page of readPages(db, dialect, info))
    for (const r of page) lines.push(dumpLine(r, info.columns));
  // Code-unit order, the same on both sides (collations differ between the dialects).
  return lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every backed-up table of the database as sorted dump lines. */
export async function dumpDatabaseCanonical(handle: DatabaseHandle): Promise<Record<string, string[]>> {
  return withReadSnapshot(handle, async (db) => {
    const out: Record<string, string[]> = {};
    for (const table of await databaseTables(db, handle.dialect)) {
      if (table in EXCLUDED_TABLES) continue;
      out[table] = await dumpTable(db, handle.dialect, table);
    }
    return out;
  });
}
