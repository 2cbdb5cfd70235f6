/** `bulwark doctor`: what is wrong with this deployment and how to fix it (read-only). */
import type { Command } from "commander";
import { lazy } from "../output.js";

const actions = () => import("../actions/doctor.js");

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check the configuration and every dependency (database, store and Object Lock, Redis, models, audit trail, permissions, clocks); changes nothing",
    )
    .option("--json", "print machine-readable JSON")
    .action(lazy(actions, "doctor"));
}
