/**
 * Every table the migrations create is either backed up or excluded with a reason
 * (src/backup/tables.ts): a new table that nobody listed fails here, before a release
 * whose backups would silently lack it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKED_UP_TABLES, EXCLUDED_TABLES, databaseTables } from "../../src/backup/tables.js";
import { testDatabases } from "../db/databases.js";

for (const database of await testDatabases()) {
  test(`${database.dialect}: every table is backed up or excluded with a reason`, async () => {
    const handle = await database.open();
    const tables = await databaseTables(handle.db, handle.dialect);
    const listed = new Set<string>([...BACKED_UP_TABLES, ...Object.keys(EXCLUDED_TABLES)]);
    const forgotten = tables.filter((t) => !listed.has(t));
    assert.deepEqual(
      forgotten,
      [],
      `tables neither backed up nor excluded: add them to BACKED_UP_TABLES (in foreign-key order) or to EXCLUDED_TABLES with a reason`,
    );
    const gone = BACKED_UP_TABLES.filter((t) => !tables.includes(t));
    assert.deepEqual(gone, [], "BACKED_UP_TABLES names tables the schema no longer has");
    for (const reason of Object.values(EXCLUDED_TABLES)) assert.ok(reason.length > 20);
  });
}
