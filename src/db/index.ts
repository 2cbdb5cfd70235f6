/** The metadata database: open it, its tables, and write transactions that hold up under concurrency. */
export { openDatabase, runMigrations, createMigrator } from "./open.js";
export type { DatabaseHandle, DatabaseSettings, Dialect, OpenOptions } from "./open.js";
export type * from "./schema.js";
export { fromJson, toJson, toNumber } from "./schema.js";
export { writeTransaction, forUpdate, type Tx } from "./transaction.js";
export { newId } from "./ids.js";
export * from "./errors.js";
export { migrations } from "./migrations/index.js";
