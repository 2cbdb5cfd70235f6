/** `bulwark backup ...`: back up the database and a manifest of the store, list, verify and restore backups. */
import type { Command } from "commander";
import { wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/backup.js");

export function registerBackup(program: Command): void {
  const backup = program
    .command("backup")
    .description(
      "backups of the metadata database (with secrets) and a SHA-256 manifest of the object store",
    );

  backup
    .command("create")
    .description("snapshot every table and list every object under backups/{id}/ in the object store")
    .option(
      "--lock-days <n>",
      "keep the backup under Object Lock this many days (default: BULWARK_BACKUP_LOCK_DAYS)",
      wholeNumber(),
    )
    .option("--json", "print the manifest as JSON")
    .action(lazy(actions, "backupCreate"));

  backup
    .command("ls")
    .description("list the backups: id, time, size, locked, complete")
    .option("--json", "print JSON")
    .action(lazy(actions, "backupList"));

  backup
    .command("verify")
    .description("rehash every table file and every object the backup lists; fails with the problems found")
    .argument("<id>", "the backup's id (see `bulwark backup ls`)")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "backupVerify"));

  backup
    .command("restore")
    .description(
      "restore a backup into an EMPTY database (refused when it holds data); checks every hash first",
    )
    .argument("<id>", "the backup's id (see `bulwark backup ls`)")
    .option(
      "--allow-missing-objects",
      "restore even if objects the backup lists are missing or changed in the store",
    )
    .option(
      "--skip-object-check",
      "do not read the listed objects (faster; run `bulwark backup verify` instead)",
    )
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "backupRestore"));
}
