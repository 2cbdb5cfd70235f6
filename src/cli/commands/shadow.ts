/** `bulwark shadow ...`: the challenger that scores a sample of live traffic beside production (what /v1/shadow does). */
import type { Command } from "commander";
import { lazy } from "../output.js";
import { threshold } from "../options.js";

const actions = () => import("../actions/shadow.js");

export function registerShadow(program: Command): void {
  const shadow = program
    .command("shadow")
    .description("a shadow model: a registry version scoring a sample of live traffic beside production");

  shadow
    .command("set <ref>")
    .description(
      "score a sample of live traffic with NAME@VERSION (stored: every server follows it, and it wins over BULWARK_SHADOW)",
    )
    .option("--sample <share>", "share of screened texts, 0 to 1", threshold, 0.1)
    .option("--json", "print the setting as JSON")
    .action(lazy(actions, "shadowSet"));

  shadow
    .command("clear")
    .description("clear the stored setting (BULWARK_SHADOW, when set, applies again)")
    .option("--json", "print what applies now as JSON")
    .action(lazy(actions, "shadowClear"));

  shadow
    .command("status")
    .description("the shadow model in force: the stored setting, else BULWARK_SHADOW")
    .option("--json", "print JSON")
    .action(lazy(actions, "shadowStatus"));
}
