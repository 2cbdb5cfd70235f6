/** Schemas of users, keys, jobs, audit entries and storage objects as the API returns them. */
import { Type } from "@sinclair/typebox";
import { ROLES } from "../auth/roles.js";
import { USERNAME_PATTERN } from "../auth/users.js";
import { KEY_NAME_PATTERN } from "../auth/keys.js";
import { JOB_STATUSES } from "../../jobs/types.js";

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
export const RoleSchema = Type.Unsafe<(typeof ROLES)[number]>({ type: "string", enum: [...ROLES] });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  disabled: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lastLoginAt: Nullable(Type.String()),
});

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

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String({ description: "The first characters of the key, to recognise it" }),
  createdBy: Type.String(),
  createdAt: Type.String(),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
});
export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ pattern: KEY_NAME_PATTERN, maxLength: 100 }),
    role: RoleSchema,
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false },
);
export const CreatedKey = Type.Object({
  key: Type.String({ description: "The API key. Shown this once: store it now." }),
  info: ApiKey,
});

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    status: Type.Unsafe<string>({ type: "string", enum: [...JOB_STATUSES] }),
    payload: Type.Unknown(),
    result: Type.Unknown(),
    error: Nullable(Type.String()),
    progress: Type.Number(),
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
    backend: Type.String(),
    cancelRequested: Type.Boolean(),
  },
  { $id: "Job", title: "Job" },
);
export const JobLogLine = Type.Object({
  seq: Type.Integer(),
  ts: Type.String(),
  level: Type.String(),
  message: Type.String(),
});
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
export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  ts: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  outcome: Type.String(),
  details: Type.Unknown(),
  prevHash: Type.String(),
  hash: Type.String(),
});
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
export const AuditVerify = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
  anchorsChecked: Type.Integer(),
  problems: Type.Array(Type.Object({ seq: Type.Integer(), kind: Type.String(), message: Type.String() })),
});
