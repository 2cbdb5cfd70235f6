/**
 * `bulwark storage ...`: the object store from the shell. The store is chosen by
 * configuration alone (BULWARK_HOME for local disk, MINIO_* / BULWARK_S3_* for S3).
 * Nothing here removes a protected version: deletes go through the store, which refuses.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseLockMode } from "../../storage/rules.js";
import type { LockMode } from "../../storage/types.js";
import { wholeNumber } from "../options.js";
import { lazy } from "../output.js";

function lockMode(value: string): LockMode {
  try {
    return parseLockMode(value);
  } catch {
    throw new InvalidArgumentError("must be governance or compliance");
  }
}

const jsonOption = () => new Option("--json", "print machine-readable JSON");
const versionOption = () => new Option("--version-id <id>", "a specific version (default: the latest)");

const actions = () => import("../actions/storage.js");

export function registerStorage(program: Command): void {
  const storage = program
    .command("storage")
    .description(
      "object storage: datasets, models, red-team results, backups (local disk or S3, with Object Lock)",
    );

  storage
    .command("init")
    .description("create the bucket (or check it), optionally with Object Lock and a default retention")
    .option("--object-lock", "create the bucket with Object Lock (WORM); cannot be added later")
    .addOption(
      new Option("--mode <mode>", "default retention mode: governance or compliance").argParser(lockMode),
    )
    .addOption(new Option("--retention-days <n>", "default retention in days").argParser(wholeNumber(1)))
    .addOption(jsonOption())
    .action(lazy(actions, "storageInit"));

  storage
    .command("ls")
    .description("list objects and folders under a prefix")
    .argument("[prefix]", "key prefix, e.g. training-data/")
    .option("-r, --recursive", "list every key under the prefix instead of one folder level")
    .addOption(jsonOption())
    .action(lazy(actions, "storageLs"));

  storage
    .command("put")
    .description('upload a file ("-" for stdin) as a new version of KEY')
    .argument("<key>", "object key, e.g. training-data/main/v1.jsonl")
    .argument("<file>", 'file to upload, or "-" for standard input')
    .addOption(new Option("--mode <mode>", "retention mode: governance or compliance").argParser(lockMode))
    .addOption(new Option("--days <n>", "retain for this many days").argParser(wholeNumber(1)))
    .option("--legal-hold", "put the new version under legal hold")
    .option("--content-type <type>", "content type (default: from the file extension)")
    .addOption(jsonOption())
    .action(lazy(actions, "storagePut"));

  storage
    .command("get")
    .description("download KEY to FILE, or to standard output")
    .argument("<key>", "object key")
    .argument("[file]", "where to write (default: standard output)")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(lazy(actions, "storageGet"));

  storage
    .command("rm")
    .description("delete KEY (a delete marker) or one version of it; locked versions are refused")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .option(
      "--bypass-governance",
      "privileged: override GOVERNANCE retention (never COMPLIANCE or legal hold)",
    )
    .addOption(jsonOption())
    .action(lazy(actions, "storageRm"));

  storage
    .command("versions")
    .description("list the versions and delete markers of KEY, newest first")
    .argument("<key>", "object key")
    .addOption(jsonOption())
    .action(lazy(actions, "storageVersions"));

  storage
    .command("lock")
    .description(
      "set retention (extend freely; shorten only GOVERNANCE with bypass) or legal hold on a version",
    )
    .argument("<key>", "object key")
    .addOption(new Option("--mode <mode>", "retention mode: governance or compliance").argParser(lockMode))
    .addOption(new Option("--days <n>", "retain for this many days from now").argParser(wholeNumber(1)))
    .addOption(new Option("--legal-hold <state>", "legal hold on or off").choices(["on", "off"]))
    .addOption(versionOption())
    .option("--bypass-governance", "privileged: allow shortening a GOVERNANCE retention")
    .addOption(jsonOption())
    .action(lazy(actions, "storageLock"));

  storage
    .command("verify")
    .description("report a version's protection (retention, legal hold) and check its SHA-256")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(lazy(actions, "storageVerify"));

  storage
    .command("test-deletion-protection")
    .description("prove that a locked version refuses deletion (refuses to try on an unlocked one)")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(lazy(actions, "storageTestDeletionProtection"));

  storage
    .command("url")
    .description("a presigned link to download (or with --put, upload) KEY without credentials")
    .argument("<key>", "object key")
    .addOption(
      new Option("--expires <seconds>", "link lifetime, at most 604800 (7 days)")
        .argParser(wholeNumber(1))
        .default(3600),
    )
    .option("--put", "a link for HTTP PUT (upload) instead of GET")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(lazy(actions, "storageUrl"));
}
