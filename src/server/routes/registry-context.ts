/** The dataset catalogue, model registry and run store for one request, acting as its caller. */
import type { FastifyRequest } from "fastify";
import { openRegistryContext, type RegistryContext } from "../../registry/context.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";

export function registryFor(ctx: ServerContext, request: FastifyRequest): Promise<RegistryContext> {
  // The server's own database handle and store are shared, so this opens nothing.
  return openRegistryContext(ctx.config, {
    actor: actorOf(request.principal),
    audit: ctx.audit,
    db: ctx.database,
    store: ctx.store,
  });
}
