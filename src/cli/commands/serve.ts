/**
 * `bulwark serve`: the HTTP service on the configured (or embedded default) backends.
 * On first start it prints the generated admin credential once and trains the built-in
 * model with a progress bar; afterwards it starts in about a second.
 */
import type { Command } from "commander";
import { portNumber } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/serve.js");

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP service (detection API, management API, docs at /docs, metrics)")
    .option("--port <n>", "port to listen on (default BULWARK_PORT or 8000)", portNumber)
    .option("--host <host>", "address to listen on (default BULWARK_HOST or 127.0.0.1)")
    .action(lazy(actions, "serve"));
}
