/** The object store's answers as the API returns them, each tied to its type in `storage/types.ts`. */
import { Type } from "@sinclair/typebox";
import type {
  BucketLockConfig,
  ListPage,
  ObjectInfo as ObjectInfoType,
  PutResult as PutResultType,
  Retention as RetentionType,
  VerifyReport,
  VersionEntry as VersionEntryType,
} from "../../storage/types.js";
import { describes, refTo, StringEnum } from "./shape.js";

export const LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
const LockMode = StringEnum(LOCK_MODES, {
  description: "GOVERNANCE: an admin may bypass it; COMPLIANCE: nobody may",
});
const VersionId = Type.String({ description: "The S3 version id of this version" });
const Sha256 = Type.String({
  description: 'Hex SHA-256 of the content, stored on write ("" for an object written by another tool)',
});

const Retention = describes<RetentionType>()(
  Type.Object({
    mode: LockMode,
    retainUntil: Type.String({
      description: "Until this instant the version may not be deleted or overwritten",
    }),
  }),
);

export const ObjectInfo = describes<ObjectInfoType>()(
  Type.Object(
    {
      key: Type.String(),
      versionId: VersionId,
      size: Type.Integer({ description: "Bytes" }),
      sha256: Sha256,
      etag: Type.Optional(Type.String({ description: "The S3 ETag, when the store gives one" })),
      contentType: Type.String(),
      metadata: Type.Record(Type.String(), Type.String(), { description: "User metadata stored with it" }),
      lastModified: Type.String(),
      retention: Type.Optional(Retention),
      legalHold: Type.Boolean(),
    },
    { $id: "ObjectInfo", title: "ObjectInfo", description: "One version of an object" },
  ),
);
export const ObjectInfoRef = refTo(ObjectInfo);

export const ObjectList = describes<ListPage>()(
  Type.Object({
    objects: Type.Array(
      Type.Object({
        key: Type.String(),
        size: Type.Integer(),
        lastModified: Type.String(),
        versionId: Type.Optional(VersionId),
      }),
    ),
    prefixes: Type.Array(Type.String(), { description: "Folders below the prefix (when not recursive)" }),
    nextCursor: Type.Optional(Type.String({ description: "Pass it as `cursor` for the next page" })),
  }),
);

export const VersionEntry = describes<VersionEntryType>()(
  Type.Object({
    key: Type.String(),
    versionId: VersionId,
    isLatest: Type.Boolean(),
    isDeleteMarker: Type.Boolean(),
    size: Type.Integer(),
    lastModified: Type.String(),
  }),
);

export const LockReport = describes<VerifyReport>()(
  Type.Object({
    key: Type.String(),
    versionId: VersionId,
    protected: Type.Boolean({ description: "The version cannot be deleted: active retention or legal hold" }),
    mode: Type.Optional(LockMode),
    retainUntil: Type.Optional(Type.String()),
    legalHold: Type.Boolean(),
    sha256Matches: Type.Boolean({
      description: "The content read back hashes to the SHA-256 stored on write",
    }),
    storedSha256: Sha256,
    actualSha256: Type.String({ description: "SHA-256 of the content as read back now" }),
  }),
);

const LockConfig = describes<BucketLockConfig>()(
  Type.Object({
    enabled: Type.Boolean({ description: "Object Lock is on for the bucket" }),
    defaultRetention: Type.Optional(
      Type.Object(
        { mode: LockMode, days: Type.Optional(Type.Integer()), years: Type.Optional(Type.Integer()) },
        { description: "Retention given to every new version" },
      ),
    ),
  }),
);

export const BucketInfo = Type.Object({
  bucket: Type.String(),
  backend: StringEnum(["fs", "s3"] as const, { description: "Local disk or an S3 server" }),
  lock: LockConfig,
});

export const PutResult = describes<PutResultType>()(
  Type.Object({
    key: Type.String(),
    versionId: VersionId,
    size: Type.Integer({ description: "Bytes" }),
    sha256: Type.String({ description: "Hex SHA-256 of the content" }),
  }),
);

export const DownloadUrl = Type.Object({
  key: Type.String(),
  url: Type.String({ description: "Works without credentials until expiresAt" }),
  expiresAt: Type.String(),
});
