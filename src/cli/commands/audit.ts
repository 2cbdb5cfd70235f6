/** `bulwark audit ...`: read, verify and snapshot the hash-chained audit trail. */
import type { Command } from "commander";
import { wholeNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/audit.js");

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("the append-only, hash-chained audit trail");

  audit
    .command("verify")
    .description(
      "walk the chain and check it against the locked snapshots; fails if an entry was edited or removed",
    )
    .option("--no-snapshots", "check the chain only, not the snapshots in the object store")
    .option("--json", "print the report as JSON")
    .action(lazy(actions, "auditVerify"));

  audit
    .command("list")
    .description("print audit entries (oldest first; --desc for newest first)")
    .option("--after <seq>", "entries after this sequence number", wholeNumber())
    .option("--limit <n>", "at most this many entries", wholeNumber(), 50)
    .option("--actor <actor>", "only this actor, e.g. user:alice")
    .option("--action <action>", "only this action, e.g. auth.refused")
    .option("--desc", "newest first")
    .option("--json", "print JSON")
    .action(lazy(actions, "auditList"));

  audit
    .command("snapshot")
    .description("write the entries since the last snapshot to snapshots/audit/ under Object Lock")
    .option("--json", "print JSON")
    .action(lazy(actions, "auditSnapshot"));
}
