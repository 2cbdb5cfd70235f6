/** `bulwark serve`: the HTTP service, until SIGINT or SIGTERM. */
import { loadConfig } from "../../core/config.js";
import { startServer } from "../../server/start.js";
import { announceBootstrap, firstStartProgress } from "../progress.js";

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

export async function serve(opts: { port?: number; host?: string }): Promise<void> {
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
      onModelBootstrap: announceBootstrap,
    });
  } finally {
    progress.stop();
  }
  const model = server.ctx.models.model;
  process.stderr.write(
    `bulwark: serving on ${server.url} (docs at ${server.url}/docs)${model ? `, model ${model.name}@${model.version}` : ""}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`bulwark: ${signal}, shutting down\n`);
      void server.close().finally(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
