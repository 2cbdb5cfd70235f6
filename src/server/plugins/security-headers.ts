/**
 * Security headers (helmet's set). @fastify/helmet rebuilds its middleware on every
 * request, which costs more than a detection; the headers do not depend on the request,
 * so they are computed once, with @fastify/helmet itself on a scratch instance, and then
 * set as a constant on every response.
 */
import helmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import Fastify, { type FastifyInstance } from "fastify";

export async function securityHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const scratch = Fastify();
  await scratch.register(helmet, options);
  scratch.get("/", async () => "");
  const res = await scratch.inject("/");
  await scratch.close();
  const skip = new Set(["content-type", "content-length", "date", "connection", "keep-alive"]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (!skip.has(name) && typeof value === "string") out[name] = value;
  }
  return out;
}

export async function installSecurityHeaders(
  app: FastifyInstance,
  options: FastifyHelmetOptions,
): Promise<void> {
  const headers = await securityHeaders(options);
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
