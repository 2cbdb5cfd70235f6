/** `bulwark canary ...`: canary tokens for system prompts, and prompt fingerprints, without the HTTP API. */
import type { Command } from "commander";
import { lazy } from "../output.js";

const actions = () => import("../actions/canary.js");
const fingerprint = () => import("../actions/canary-fingerprint.js");

export function registerCanary(program: Command): void {
  const canary = program
    .command("canary")
    .description("canary tokens to place in system prompts (stored hashed; shown once)");

  canary
    .command("create")
    .description(
      "make a canary token and print it (the only time it is shown) with a sentence for the prompt",
    )
    .option("--label <text>", 'what the token marks, e.g. "support bot prompt v3"')
    .option("--json", "print the token and its record as JSON")
    .action(lazy(actions, "canaryCreate"));

  canary
    .command("list")
    .description("list canary tokens (their prefixes, never the tokens) and the leaks seen of each")
    .option("--json", "print JSON")
    .action(lazy(actions, "canaryList"));

  canary
    .command("fingerprint")
    .description(
      "print the SHA-256 fingerprint of a system prompt (file, or stdin): what /v1/detect/output takes instead of the text",
    )
    .argument("[file]", "the prompt; read from stdin when absent")
    .action(lazy(fingerprint, "canaryFingerprint"));
}
