/**
 * verify() and testDeletionProtection() are the same on every backend: they only use the
 * ObjectStore interface, so what they prove holds for whichever server enforces the lock.
 */
import type { DeletionProtectionReport, ObjectStore, VerifyReport } from "./types.js";
import { NotProtectedError, ObjectLockedError } from "./errors.js";
import { hashStream } from "./hashing.js";
import { isRetentionActive, protectionReason } from "./rules.js";

/** A lock that ends sooner than this is too close to expiring to risk a test delete. */
const SAFETY_MARGIN_MS = 60_000;

export async function verifyObject(
  store: Pick<ObjectStore, "head" | "get">,
  key: string,
  options: { versionId?: string } = {},
): Promise<VerifyReport> {
  const info = await store.head(key, options);
  const { sha256: actual } = await hashStream(await store.get(key, { versionId: info.versionId }));
  const active = isRetentionActive(info.retention);
  return {
    key,
    versionId: info.versionId,
    protected: protectionReason(info) !== undefined,
    ...(active && info.retention
      ? { mode: info.retention.mode, retainUntil: info.retention.retainUntil }
      : {}),
    legalHold: info.legalHold,
    sha256Matches: info.sha256 !== "" && info.sha256 === actual,
    storedSha256: info.sha256,
    actualSha256: actual,
  };
}

export async function testDeletionProtection(
  store: Pick<ObjectStore, "head" | "delete">,
  key: string,
  options: { versionId?: string } = {},
): Promise<DeletionProtectionReport> {
  const info = await store.head(key, options);
  if (!protectionReason(info, Date.now() + SAFETY_MARGIN_MS)) {
    const why = info.retention
      ? `its ${info.retention.mode} retention ends at ${info.retention.retainUntil} (not at least a minute from now) and it has no legal hold`
      : "it has no retention and no legal hold";
    throw new NotProtectedError(key, info.versionId, why);
  }
  try {
    await store.delete(key, { versionId: info.versionId });
  } catch (err) {
    if (err instanceof ObjectLockedError) {
      return { key, versionId: info.versionId, refused: true, errorCode: err.code };
    }
    throw err;
  }
  return { key, versionId: info.versionId, refused: false };
}
