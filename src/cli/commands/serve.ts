/**
 * `bulwark serve`: the HTTP service on the configured (or embedded default) backends.
 * On first start it prints the generated admin credential once and trains the built-in
 * model with a progress bar; afterwards it starts in about a second.
 */
import type { Command } from "commander";
import { loadConfig } from "../../core/config.js";
import { portNumber } from "../options.js";
import { action } from "../output.js";
import { firstStartProgress } from "../progress.js";

export function printFirstAdmin(credential: { username: string; password: string }): void {
  const lines = [
    "First start: an admin user was created. Its password is shown only this once:",
    "",
    `  username: ${credential.username}`,
    `  password: ${credential.password}`,
    "",
    "Log in with POST /v1/auth/login, or create API keys: bulwark keys create --role client --name my-app",
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${"-".repeat(width + 2)}+`;
  process.stderr.write(`\n${rule}\n${lines.map((l) => `| ${l.padEnd(width)} |`).join("\n")}\n${rule}\n\n`);
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP service (detection API, management API, docs at /docs, metrics)")
    .option("--port <n>", "port to listen on (default BULWARK_PORT or 8000)", portNumber)
    .option("--host <host>", "address to listen on (default BULWARK_HOST or 127.0.0.1)")
    .action(
      action(async (opts: { port?: number; host?: string }) => {
        // Loaded here, not at the top: every other command starts faster without the server.
        const { startServer } = await import("../../server/start.js");
        const config = loadConfig();
        if (opts.port !== undefined) config.server.port = opts.port;
        if (opts.host !== undefined) config.server.host = opts.host;
        const progress = firstStartProgress();
        let server;
        try {
          server = await startServer({
            config,
            onFirstAdmin: printFirstAdmin,
            onTrainProgress: progress.onTrainProgress,
          });
        } finally {
          progress.stop();
        }
        process.stderr.write(`bulwark: serving on ${server.url} (docs at ${server.url}/docs)\n`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            process.stderr.write(`bulwark: ${signal}, shutting down\n`);
            void server.close().finally(resolve);
          };
          process.once("SIGINT", () => stop("SIGINT"));
          process.once("SIGTERM", () => stop("SIGTERM"));
        });
      }),
    );
}
