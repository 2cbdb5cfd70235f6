/** `bulwark privacy ...`: personal data in texts, without the HTTP API. */
import type { Command } from "commander";
import { oneOf } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/privacy.js");

export function registerPrivacy(program: Command): void {
  const privacy = program.command("privacy").description("personal data: find and redact it");

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
