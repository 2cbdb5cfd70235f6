/**
 * `bulwark data ...`: datasets from the shell. Validate files, import them (files,
 * folders, http(s) URLs, s3:// addresses) as dataset versions in training-data/, merge
 * with dedup and a conflict rule, export as JSONL or envelope, list and count.
 */
import type { Command } from "commander";
import {
  CONFLICT_RULES,
  parseConflictRule,
  parseExportFormat,
  type ConflictRule,
} from "../../data/choices.js";
import { byteSize, fromDomain, positiveNumber, repeatable, wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/data.js");
const fileActions = () => import("../actions/data-files.js");

export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description("datasets: validate, import (files, folders, URLs, s3://), merge, export, list, count");

  data
    .command("validate")
    .description("check JSONL or envelope files (gzip or not) and report every invalid row by file and line")
    .argument("<files...>", "files or folders")
    .option("--max-problems <n>", "problems listed per file", wholeNumber(), 100)
    .option("--json", "print the report as JSON")
    .action(lazy(fileActions, "dataValidate"));

  data
    .command("import")
    .description(
      "store rows from files, folders, http(s) URLs or s3://bucket/prefix as a new dataset version",
    )
    .argument("<sources...>", "files, folders, URLs or s3:// addresses (all go into one dataset version)")
    .option("--name <name>", "dataset name (default: from the first source)")
    .option("--header <header>", "HTTP header for URLs, 'Name: value' (repeatable)", repeatable)
    .option("--filter <key=value>", "query parameter added to URLs, e.g. label=1 (repeatable)", repeatable)
    .option("--timeout <seconds>", "per HTTP attempt", positiveNumber, 30)
    .option("--max-bytes <size>", "largest HTTP body accepted, e.g. 500MB", byteSize, 1024 ** 3)
    .option("--retries <n>", "HTTP retries on 5xx, 429, timeouts and network errors", wholeNumber(), 3)
    .option("--skip-invalid", "skip invalid rows (counted and listed) instead of stopping at the first")
    .option("--redact", "take personal data out of every row's text before it is stored")
    .option(
      "--redaction-mode <mode>",
      "with --redact: mask, hash or remove (default: BULWARK_REDACTION_MODE)",
    )
    .option(
      "--personal-data <status>",
      "declare the rows: none (refused if the scan finds any) or present (training then needs --allow-personal-data)",
    )
    .option(
      "--legal-basis <basis>",
      "why you may keep them: consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests, or your words",
    )
    .option("--purpose <text>", "what the rows are kept for")
    .option("--json", "print the new dataset as JSON")
    .action(lazy(actions, "dataImport"));

  data
    .command("merge")
    .description(
      "merge datasets into a new one, removing exact and normalised duplicates and resolving label conflicts",
    )
    .argument("<datasets...>", 'dataset ids, names, name@version, "bundled", files or folders')
    .requiredOption("--name <name>", "name of the merged dataset")
    .option(
      "--rule <rule>",
      `how to resolve texts carrying both labels: ${CONFLICT_RULES.join(", ")}`,
      fromDomain(parseConflictRule),
      "majority" as ConflictRule,
    )
    .option("--json", "print the merged dataset and the merge report as JSON")
    .action(lazy(actions, "dataMerge"));

  data
    .command("export")
    .description("write a dataset (or the bundled corpus) to a file as JSONL or as an envelope with metadata")
    .argument("<dataset>", 'dataset id, name, name@version or "bundled"')
    .argument("<file>", "output file (.gz compresses)")
    .option(
      "--format <format>",
      "jsonl or envelope (default: envelope for .json, else jsonl)",
      fromDomain(parseExportFormat),
    )
    .option("--json", "print the result as JSON")
    .action(lazy(actions, "dataExport"));

  data
    .command("ls")
    .description("list dataset versions, newest first, with what they say about personal data")
    .argument("[name]", "only this dataset's versions")
    .option("--json", "print as JSON")
    .action(lazy(actions, "dataLs"));

  data
    .command("stats")
    .description("counts by label, category, language and source of datasets or files")
    .argument("<datasets...>", 'dataset ids, names, name@version, "bundled", files or folders')
    .option("--json", "print as JSON")
    .action(lazy(actions, "dataStats"));
}
