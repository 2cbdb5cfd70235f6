/** The dataset catalogue, model registry and run store for one request, acting as its caller. */
import type { FastifyRequest } from "fastify";
import type { Workspace } from "../../app/workspace.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";

export function workspaceFor(ctx: ServerContext, request: FastifyRequest): Promise<Workspace> {
  // The server's own database handle and store are shared, so this opens nothing.
  return ctx.app.workspace(actorOf(request.principal));
}
