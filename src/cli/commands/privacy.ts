/** `bulwark privacy ...`: data subjects' rights (erasure, access) and retention, on the configured database and store. */
import type { Command } from "commander";
import { lazy } from "../output.js";

const actions = () => import("../actions/privacy.js");

export function registerPrivacy(program: Command): void {
  const privacy = program.command("privacy").description("personal data: erasure, access exports, retention");

  privacy
    .command("erase")
    .description(
      "erase everything held about a data subject: events, reports, rows derived from them (Object Lock's versions are reported)",
    )
    .requiredOption("--subject <id>", "the end user's id, as given with their data")
    .option("--json", "print the receipt as JSON")
    .action(lazy(actions, "privacyErase"));

  privacy
    .command("export")
    .description("everything held about a data subject, as JSON (the right of access)")
    .requiredOption("--subject <id>", "the end user's id, as given with their data")
    .option("--output <file>", "write it to this file (mode 600) instead of stdout")
    .action(lazy(actions, "privacyExport"));

  privacy
    .command("retention")
    .description("delete what is past its retention (BULWARK_RETENTION_*_DAYS) now")
    .option("--dry-run", "count what is due without deleting it")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "privacyRetention"));
}
