/** Schemas of users, keys, jobs, audit entries and storage objects as the API returns them. */
import { Type } from "@sinclair/typebox";
import type { AuditRecord, AuditVerifyReport } from "../../audit/chain.js";
import { JOB_STATUSES, type Job, type JobLogLine as JobLogLineType } from "../../jobs/types.js";
import { ROLES } from "../auth/roles.js";
import { USERNAME_PATTERN, type User as UserType } from "../auth/users.js";
import { KEY_NAME_PATTERN, type ApiKeyInfo } from "../auth/keys.js";
import { MAX_BUDGET, RATE_WINDOWS } from "../auth/budgets.js";
import { describes, Nullable, OpenMap, StringEnum } from "./shape.js";

export const RoleSchema = StringEnum(ROLES);
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const User = describes<UserType>()(
  Type.Object({
    id: Type.String(),
    username: Type.String(),
    role: RoleSchema,
    disabled: Type.Boolean(),
    createdBy: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    lastLoginAt: Nullable(Type.String()),
  }),
);

export const Username = Type.String({ pattern: USERNAME_PATTERN, maxLength: 64 });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const CreateUserBody = Type.Object(
  { username: Username, password: Password, role: RoleSchema },
  { additionalProperties: false },
);
export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Password },
  { additionalProperties: false },
);
export const LoginResult = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal("Bearer"),
  expiresAt: Type.String(),
  user: Type.Object({ id: Type.String(), username: Type.String(), role: RoleSchema }),
});
export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);
export const Me = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
});

const KeyRateLimitSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_BUDGET }),
    window: StringEnum(RATE_WINDOWS),
  },
  {
    additionalProperties: false,
    description: "The key's own rate limit: limit requests per window (default: BULWARK_RATE_LIMIT_PER_KEY)",
  },
);
const KeyQuotaSchema = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: MAX_BUDGET }), window: Type.Literal("day") },
  { additionalProperties: false, description: "Requests per UTC day; over it: 429 QUOTA_EXCEEDED" },
);

export const ApiKey = describes<ApiKeyInfo>()(
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    prefix: Type.String({ description: "The first characters of the key, to recognise it" }),
    createdBy: Type.String(),
    createdAt: Type.String(),
    expiresAt: Nullable(Type.String()),
    revokedAt: Nullable(Type.String()),
    lastUsedAt: Nullable(Type.String()),
    rateLimit: Nullable(KeyRateLimitSchema),
    quota: Nullable(KeyQuotaSchema),
    rotatedAt: Nullable(Type.String()),
    previousValidUntil: Nullable(
      Type.String({ description: "After a rotation: until when the previous secret is accepted" }),
    ),
  }),
);
export const RotateKeyBody = Type.Object(
  {
    grace: Type.Optional(
      Type.String({
        maxLength: 20,
        description: "How long the current secret stays valid: 24h (default), 30m, 90s, 7d, 0",
      }),
    ),
  },
  { additionalProperties: false },
);
export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ pattern: KEY_NAME_PATTERN, maxLength: 100 }),
    role: RoleSchema,
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
    rateLimit: Type.Optional(KeyRateLimitSchema),
    quota: Type.Optional(KeyQuotaSchema),
  },
  { additionalProperties: false },
);
export const CreatedKey = Type.Object({
  key: Type.String({ description: "The API key. Shown this once: store it now." }),
  info: ApiKey,
});

export const JobSchema = describes<Job>()(
  Type.Object(
    {
      id: Type.String(),
      type: Type.String({ description: "training.run, dataset.import, audit.snapshot or system.selftest" }),
      status: StringEnum(JOB_STATUSES),
      payload: Type.Unknown({
        description:
          "The job's input as its type's payload schema accepted it (the body of POST /v1/training, " +
          "/v1/datasets/import or /v1/jobs/selftest)",
      }),
      result: Type.Unknown({
        description:
          "What the job returned once succeeded (training: run, model, stage, sha256, validation; " +
          "import: dataset, id, rows, sha256, sources), else null",
      }),
      error: Nullable(Type.String()),
      progress: Type.Number({ minimum: 0, maximum: 1 }),
      progressMessage: Nullable(Type.String()),
      attempts: Type.Integer(),
      maxAttempts: Type.Integer(),
      createdBy: Type.String(),
      createdAt: Type.String(),
      updatedAt: Type.String(),
      startedAt: Nullable(Type.String()),
      finishedAt: Nullable(Type.String()),
      heartbeatAt: Nullable(Type.String()),
      worker: Nullable(Type.String()),
      backend: StringEnum(["inprocess", "bullmq"] as const, { description: "The queue that carries it" }),
      cancelRequested: Type.Boolean(),
    },
    { $id: "Job", title: "Job" },
  ),
);
export const JobLogLine = describes<JobLogLineType>()(
  Type.Object({
    seq: Type.Integer(),
    ts: Type.String(),
    level: StringEnum(["info", "warn", "error"] as const),
    message: Type.String(),
  }),
);
export const JobListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Unsafe<(typeof JOB_STATUSES)[number]>({ type: "string", enum: [...JOB_STATUSES] }),
    ),
    type: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const AuditEntry = describes<AuditRecord>()(
  Type.Object(
    {
      seq: Type.Integer(),
      ts: Type.String(),
      actor: Type.String({
        description: 'Who: "user:alice", "key:ci-scanner", "cli:root", "anonymous@10.0.0.1"...',
      }),
      action: Type.String({ description: 'A dotted verb: "auth.login", "model.promote"...' }),
      target: Type.String(),
      outcome: Type.String({ description: "success, failure or denied" }),
      details: Nullable(OpenMap("What else the action recorded (ids, reasons, sizes)")),
      prevHash: Type.String(),
      hash: Type.String({ description: "SHA-256 over this entry and prevHash: the chain" }),
    },
    { title: "AuditEntry" },
  ),
);
export const AuditQuery = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: "Entries after (or, in desc order, before) this seq" }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    outcome: Type.Optional(Type.String({ maxLength: 50 })),
    order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  },
  { additionalProperties: false },
);
export const AuditVerify = describes<AuditVerifyReport>()(
  Type.Object({
    ok: Type.Boolean(),
    entries: Type.Integer(),
    head: Nullable(Type.Object({ seq: Type.Integer(), hash: Type.String() })),
    anchorsChecked: Type.Integer({
      description: "Locked seals (snapshots and head anchors) compared with the database",
    }),
    sealedHead: Nullable(
      Type.Object(
        { seq: Type.Integer(), hash: Type.String(), key: Type.String() },
        { description: "The newest head a locked seal recorded: the log may not end before it" },
      ),
    ),
    problems: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        kind: StringEnum([
          "edited",
          "removed",
          "broken_link",
          "anchor_mismatch",
          "seal_removed",
          "snapshot_gap",
        ] as const),
        message: Type.String(),
      }),
    ),
  }),
);
