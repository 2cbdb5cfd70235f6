/** Backups of the metadata database and a manifest of the object store: create, list, verify, restore. */
export { createBackup, type BackupDeps, type BackupProgress, type CreateBackupOptions } from "./create.js";
export { restoreBackup, type RestoreOptions, type RestoreReport } from "./restore.js";
export { verifyBackup, type VerifyBackupReport } from "./verify.js";
export { listBackups, readManifest, readObjectList, type BackupSummary } from "./read.js";
export { dumpTable, dumpDatabaseCanonical } from "./dump.js";
export * from "./errors.js";
export { BACKED_UP_TABLES, EXCLUDED_TABLES, databaseTables } from "./tables.js";
export { backupKeys, isBackupId, type BackupManifest, type ObjectRecord } from "./format.js";
