/**
 * /v1/backups: the backups under backups/ in the object store, and a backup taken now as
 * a `backup.create` job. Admins only: a backup holds every password hash, API key hash
 * and the token signing key. Restoring is a command-line operation (`bulwark backup
 * restore`) on a stopped service, never an HTTP call.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { listBackups } from "../../backup/read.js";
import { BackupPayload } from "../../jobs/handlers/backup.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { enqueueAudited } from "./enqueue.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const BackupSummary = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  size: Type.Integer(),
  files: Type.Integer(),
  complete: Type.Boolean(),
  locked: Type.Boolean(),
  lockedUntil: Nullable(Type.String()),
  dialect: Nullable(Type.String()),
  tables: Nullable(Type.Integer()),
  rows: Nullable(Type.Integer()),
  objects: Nullable(Type.Integer()),
});

const CreateBody = Type.Omit(BackupPayload, ["scheduledFor"], { additionalProperties: false });

export function backupRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/v1/backups",
      {
        config: { access: "admin" },
        schema: {
          tags: ["backups"],
          summary: "The backups in the object store, oldest first: id, time, size, locked, complete",
          response: responses(Type.Array(BackupSummary)),
        },
      },
      async () => ok(await listBackups(ctx.store)),
    );

    app.post<{ Body: Static<typeof CreateBody> }>(
      "/v1/backups",
      {
        config: { access: "admin" },
        schema: {
          tags: ["backups"],
          summary: "Back up the database and list the store's objects now (a backup.create job)",
          body: CreateBody,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        const job = await enqueueAudited(ctx, request.principal, "backup.create", request.body ?? {});
        return reply.code(202).send(ok(job));
      },
    );
  };
}
