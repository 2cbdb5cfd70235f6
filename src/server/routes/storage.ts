/**
 * /v1/storage: the object store as a team uses it remotely: list, inspect, lock status,
 * download links (presigned), retention and legal hold (admin). Locked versions are
 * protected by the store itself; the API only passes the governance bypass for admins.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { ValidationError } from "../../core/errors.js";
import type { Retention } from "../../storage/types.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import {
  BucketInfo,
  DownloadUrl,
  LOCK_MODES,
  LockReport,
  ObjectInfoRef,
  ObjectList,
  VersionEntry,
} from "../schemas/storage.js";

const Key = Type.String({ minLength: 1, maxLength: 1024 });
const VersionId = Type.String({ minLength: 1, maxLength: 200 });
const Mode = Type.Union(LOCK_MODES.map((m) => Type.Literal(m)));

const ListQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String({ maxLength: 1024 })),
    recursive: Type.Optional(Type.Boolean()),
    cursor: Type.Optional(Type.String({ maxLength: 2048 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const KeyQuery = Type.Object(
  { key: Key, versionId: Type.Optional(VersionId) },
  { additionalProperties: false },
);
const UrlBody = Type.Object(
  {
    key: Key,
    versionId: Type.Optional(VersionId),
    expiresIn: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 604_800, description: "Seconds (default 3600)" }),
    ),
  },
  { additionalProperties: false },
);
const RetentionBody = Type.Object(
  {
    key: Key,
    versionId: Type.Optional(VersionId),
    mode: Type.Optional(Mode),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500 })),
    retainUntil: Type.Optional(Type.String({ format: "date-time" })),
    clear: Type.Optional(Type.Boolean({ description: "Remove the retention (GOVERNANCE with bypass only)" })),
    bypassGovernance: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const LegalHoldBody = Type.Object(
  { key: Key, versionId: Type.Optional(VersionId), on: Type.Boolean() },
  { additionalProperties: false },
);

export function storageRoutes(ctx: ServerContext): FastifyPluginAsync {
  const store = ctx.store;
  const version = (v: string | undefined) => (v ? { versionId: v } : {});
  return async (app) => {
    const read = { access: "read" as const };
    const admin = { access: "admin" as const };

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/v1/storage/objects",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "List objects and folders under a prefix",
          querystring: ListQuery,
          response: responses(ObjectList),
        },
      },
      async (request) => {
        const q = request.query;
        const page = await store.list({
          ...(q.prefix ? { prefix: q.prefix } : {}),
          ...(q.recursive ? {} : { delimiter: "/" }),
          ...(q.cursor ? { cursor: q.cursor } : {}),
          limit: q.limit ?? 1000,
        });
        return ok(page);
      },
    );

    app.get<{ Querystring: Static<typeof KeyQuery> }>(
      "/v1/storage/object",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "An object's metadata, retention and legal hold",
          querystring: KeyQuery,
          response: responses(ObjectInfoRef),
        },
      },
      async (request) => ok(await store.head(request.query.key, version(request.query.versionId))),
    );

    app.get<{ Querystring: Static<typeof KeyQuery> }>(
      "/v1/storage/versions",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "Versions and delete markers of a key, newest first",
          querystring: KeyQuery,
          response: responses(Type.Array(VersionEntry)),
        },
      },
      async (request) => ok(await store.listVersions(request.query.key)),
    );

    app.get<{ Querystring: Static<typeof KeyQuery> }>(
      "/v1/storage/lock",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "Lock status of a version (retention, legal hold) with its SHA-256 checked",
          querystring: KeyQuery,
          response: responses(LockReport),
        },
      },
      async (request) => ok(await store.verify(request.query.key, version(request.query.versionId))),
    );

    app.get(
      "/v1/storage/bucket",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "The bucket's backend and Object Lock configuration",
          response: responses(BucketInfo),
        },
      },
      async () => ok({ bucket: store.bucket, backend: store.kind, lock: await store.getLockConfig() }),
    );

    app.post<{ Body: Static<typeof UrlBody> }>(
      "/v1/storage/download-url",
      {
        config: read,
        schema: {
          tags: ["storage"],
          summary: "A presigned link that downloads a version without credentials until it expires",
          body: UrlBody,
          response: responses(DownloadUrl),
        },
      },
      async (request) => {
        const b = request.body;
        const expiresIn = b.expiresIn ?? 3600;
        await store.head(b.key, version(b.versionId)); // 404 now rather than a dead link
        const url = await store.presignGet(b.key, expiresIn, version(b.versionId));
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "storage.download_url",
          target: `object:${b.key}`,
          outcome: "success",
          details: { versionId: b.versionId ?? null, expiresIn },
        });
        return ok({ key: b.key, url, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() });
      },
    );

    app.put<{ Body: Static<typeof RetentionBody> }>(
      "/v1/storage/retention",
      {
        config: admin,
        schema: {
          tags: ["storage"],
          summary: "Set (extend), or with governance bypass shorten or clear, a version's retention",
          body: RetentionBody,
          response: responses(ObjectInfoRef),
        },
      },
      async (request) => {
        const b = request.body;
        let retention: Retention | null;
        if (b.clear) {
          if (b.mode || b.days || b.retainUntil)
            throw new ValidationError("clear cannot be combined with mode, days or retainUntil");
          retention = null;
        } else {
          if (!b.mode || (b.days === undefined) === (b.retainUntil === undefined)) {
            throw new ValidationError("give mode and exactly one of days or retainUntil (or clear: true)");
          }
          const until = b.retainUntil ? new Date(b.retainUntil) : new Date(Date.now() + b.days! * 86_400_000);
          retention = { mode: b.mode, retainUntil: until.toISOString() };
        }
        const outcome = {
          actor: actorOf(request.principal),
          action: "storage.retention",
          target: `object:${b.key}`,
        };
        try {
          await store.putRetention(b.key, retention, {
            ...version(b.versionId),
            ...(b.bypassGovernance ? { bypassGovernance: true } : {}),
          });
        } catch (err) {
          await ctx.audit.record({
            ...outcome,
            outcome: "failure",
            details: { retention, error: (err as Error).message },
          });
          throw err;
        }
        await ctx.audit.record({
          ...outcome,
          outcome: "success",
          details: {
            retention,
            versionId: b.versionId ?? null,
            bypassGovernance: b.bypassGovernance === true,
          },
        });
        return ok(await store.head(b.key, version(b.versionId)));
      },
    );

    app.put<{ Body: Static<typeof LegalHoldBody> }>(
      "/v1/storage/legal-hold",
      {
        config: admin,
        schema: {
          tags: ["storage"],
          summary: "Put a version under legal hold, or release it",
          body: LegalHoldBody,
          response: responses(ObjectInfoRef),
        },
      },
      async (request) => {
        const b = request.body;
        await store.putLegalHold(b.key, b.on, version(b.versionId));
        await ctx.audit.record({
          actor: actorOf(request.principal),
          action: "storage.legal_hold",
          target: `object:${b.key}`,
          outcome: "success",
          details: { on: b.on, versionId: b.versionId ?? null },
        });
        return ok(await store.head(b.key, version(b.versionId)));
      },
    );
  };
}
