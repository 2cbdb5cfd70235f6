/**
 * Integrity: an artifact is only ever read through its SHA-256 check against the hash
 * recorded in the database at registration (not the manifest, which sits in the same store
 * as the artifact and could be rewritten with it). A version that fails is refused with
 * IntegrityError and a `denied` audit entry naming what was wrong, whoever asked: a load,
 * a promotion or `bulwark models verify`.
 */
import { safeRecord } from "../audit/sink.js";
import { describeError, IntegrityError, isBulwarkError } from "../core/errors.js";
import { sha256Hex } from "../detect/model.js";
import { list } from "./queries.js";
import type { ModelVersion, RegistryContext, VerifyResult } from "./types.js";

/** Reads an artifact and checks it against the SHA-256 recorded at registration. */
export async function verify(ctx: RegistryContext, v: ModelVersion): Promise<VerifyResult> {
  return (await check(ctx, v)).result;
}

/** Verifies every ready version (or those of one model); failures are audited. */
export async function verifyAll(ctx: RegistryContext, name?: string): Promise<VerifyResult[]> {
  return verifyMany(ctx, await list(ctx, name ? { name } : {}));
}

/** Verifies the given versions; failures are audited. */
export async function verifyMany(
  ctx: RegistryContext,
  versions: readonly ModelVersion[],
): Promise<VerifyResult[]> {
  const out: VerifyResult[] = [];
  for (const v of versions) {
    const r = await verify(ctx, v);
    if (!r.ok) await refused(ctx, v, "model.verify", r);
    out.push(r);
  }
  return out;
}

/** The verified artifact's bytes; IntegrityError (and an audit entry) when it fails its check. */
export async function verifiedArtifact(
  ctx: RegistryContext,
  v: ModelVersion,
  action = "model.load",
): Promise<Buffer> {
  const { result, bytes } = await check(ctx, v);
  if (!result.ok || !bytes) throw await refused(ctx, v, action, result);
  return bytes;
}

/** Audits a failed check as `denied` under `action` and returns the error to throw. */
export async function refused(
  ctx: RegistryContext,
  v: ModelVersion,
  action: string,
  r: VerifyResult,
): Promise<IntegrityError> {
  await safeRecord(ctx.audit, {
    actor: ctx.actor,
    action,
    target: v.ref,
    outcome: "denied",
    details: {
      reason: "integrity",
      problem: r.problem,
      expected: r.expected,
      actual: r.actual,
      key: v.artifactKey,
    },
  });
  return new IntegrityError(`model ${v.ref} refused: ${r.problem}`, {
    ref: v.ref,
    expected: r.expected,
    actual: r.actual,
    key: v.artifactKey,
  });
}

async function check(
  ctx: RegistryContext,
  v: ModelVersion,
): Promise<{ result: VerifyResult; bytes?: Buffer }> {
  const base = { ref: v.ref, name: v.name, version: v.version, stage: v.stage, expected: v.sha256 };
  let bytes: Buffer;
  try {
    bytes = await ctx.store.getBuffer(v.artifactKey);
  } catch (err) {
    const missing = isBulwarkError(err) && (err.code === "NO_SUCH_KEY" || err.code === "NO_SUCH_VERSION");
    const problem = missing
      ? `artifact ${v.artifactKey} is missing`
      : `artifact unreadable: ${describeError(err)}`;
    return { result: { ...base, ok: false, actual: null, size: null, problem } };
  }
  const actual = sha256Hex(bytes);
  if (actual === v.sha256) return { result: { ...base, ok: true, actual, size: bytes.length }, bytes };
  const problem =
    bytes.length < v.size
      ? `artifact is truncated (${bytes.length} of ${v.size} bytes)`
      : `artifact SHA-256 is ${actual}, not the ${v.sha256} recorded when it was registered`;
  return { result: { ...base, ok: false, actual, size: bytes.length, problem } };
}
