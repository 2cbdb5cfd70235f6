/** `bulwark privacy ...`: personal data: redaction of texts, data subjects' rights (erasure, access) and retention, without the HTTP API. */
import type { Command } from "commander";
import { oneOf } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/privacy.js");

export function registerPrivacy(program: Command): void {
  const privacy = program
    .command("privacy")
    .description("personal data: redaction, erasure, access exports, retention");

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

  privacy
    .command("redact")
    .description(
      "redact personal data and secrets from a text (--text, --file, or stdin); hash mode uses the deployment's key",
    )
    .option("--text <text>", "the text to redact")
    .option("--file <path>", "read the text from a file ('-' for stdin)")
    .option(
      "--mode <mode>",
      "mask ([EMAIL]), hash ([EMAIL:<keyed hash>]) or remove",
      oneOf(["mask", "hash", "remove"] as const),
      "mask",
    )
    .option("--json", "print the redacted text, the findings and the mode as JSON")
    .action(lazy(actions, "privacyRedact"));
}
