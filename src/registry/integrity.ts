/**
 * Integrity: a version's files (its artifact, and the companion files its format owns) are
 * only ever read through their SHA-256 check against the hashes recorded in the database
 * at registration (not the manifest, which sits in the same store as the files and could
 * be rewritten with them). A version with any file that fails is refused as a whole, with
 * IntegrityError and a `denied` audit entry naming what was wrong, whoever asked: a load,
 * a promotion or `bulwark models verify`.
 */
import { safeRecord } from "../audit/sink.js";
import { describeError, IntegrityError, isBulwarkError } from "../core/errors.js";
import { sha256Hex } from "../detect/model.js";
import type { MemberRef } from "./format-types.js";
import { modelFormat } from "./model-formats.js";
import { list, resolve } from "./queries.js";
import type { ModelFiles, ModelVersion, RegistryContext, VerifyResult } from "./types.js";

/** One file of a version as recorded, and how a problem with it is named. */
interface RecordedFile {
  label: string;
  key: string;
  sha256: string;
  size: number;
  /** Its file name, for a companion file (none for the artifact). */
  companion?: string;
}

/** The outcome of a check; `failed` is the file that failed, when one did. */
interface Checked {
  result: VerifyResult;
  files?: ModelFiles;
  failed?: RecordedFile;
}

/** Reads a version's files and checks them against the SHA-256s recorded at registration. */
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
    const checked = await check(ctx, v);
    if (!checked.result.ok) await refused(ctx, v, "model.verify", checked);
    out.push(checked.result);
  }
  return out;
}

/** The verified files' bytes; IntegrityError (and an audit entry) when any fails its check. */
export async function verifiedFiles(
  ctx: RegistryContext,
  v: ModelVersion,
  action = "model.load",
): Promise<ModelFiles> {
  const checked = await check(ctx, v);
  if (!checked.result.ok || !checked.files) throw await refused(ctx, v, action, checked);
  return checked.files;
}

/**
 * Verifies `v`, refusing it as `action` (audited) when it fails; for a stage change. A
 * version made of others (an ensemble) is refused too when a member is missing, is not
 * the version it was made with, or fails its own check.
 */
export async function verifyOrRefuse(ctx: RegistryContext, v: ModelVersion, action: string): Promise<void> {
  const checked = await check(ctx, v);
  if (!checked.result.ok || !checked.files) throw await refused(ctx, v, action, checked);
  const format = modelFormat(v.format);
  if (!format.members) return;
  const problem = await memberProblem(ctx, format.members.bind(format), checked.files.artifact, action);
  if (problem) throw await refused(ctx, v, action, { result: { ...checked.result, ok: false, problem } });
}

/** What is wrong with the members of a version, if anything (a failing member is audited too). */
async function memberProblem(
  ctx: RegistryContext,
  members: (artifact: Buffer) => MemberRef[],
  artifact: Buffer,
  action: string,
): Promise<string | undefined> {
  let refs: MemberRef[];
  try {
    refs = members(artifact);
  } catch (err) {
    return describeError(err);
  }
  for (const m of refs) {
    let mv: ModelVersion;
    try {
      mv = await resolve(ctx, m.ref);
    } catch (err) {
      if (isBulwarkError(err) && err.code === "MODEL_NOT_FOUND") return `member ${m.ref} does not exist`;
      throw err;
    }
    if (mv.sha256 !== m.sha256)
      return `member ${m.ref} has SHA-256 ${mv.sha256}, not the ${m.sha256} recorded when it was made`;
    const c = await check(ctx, mv);
    if (!c.result.ok) {
      await refused(ctx, mv, action, c);
      return `member ${m.ref}: ${c.result.problem}`;
    }
  }
  return undefined;
}

/** Audits a failed check as `denied` under `action` and returns the error to throw. */
async function refused(
  ctx: RegistryContext,
  v: ModelVersion,
  action: string,
  { result: r, failed }: Checked,
): Promise<IntegrityError> {
  const key = failed?.key ?? v.artifactKey;
  await safeRecord(ctx.audit, {
    actor: ctx.actor,
    action,
    target: v.ref,
    outcome: "denied",
    details: { reason: "integrity", problem: r.problem, expected: r.expected, actual: r.actual, key },
  });
  return new IntegrityError(`model ${v.ref} refused: ${r.problem}`, {
    ref: v.ref,
    expected: r.expected,
    actual: r.actual,
    key,
  });
}

/** Checks the artifact, then each companion file; the first that fails decides. */
async function check(ctx: RegistryContext, v: ModelVersion): Promise<Checked> {
  const base = { ref: v.ref, name: v.name, version: v.version, stage: v.stage };
  const recorded: RecordedFile[] = [
    { label: "artifact", key: v.artifactKey, sha256: v.sha256, size: v.size },
    ...v.companions.map((c) => ({ label: `companion file ${c.file}`, companion: c.file, ...c })),
  ];
  const files: ModelFiles = { artifact: Buffer.alloc(0), companions: {} };
  for (const file of recorded) {
    const outcome = await checkFile(ctx, file);
    if ("problem" in outcome)
      return { result: { ...base, expected: file.sha256, ok: false, ...outcome }, failed: file };
    if (file.companion === undefined) files.artifact = outcome.bytes;
    else files.companions[file.companion] = outcome.bytes;
  }
  const size = files.artifact.length;
  return { result: { ...base, expected: v.sha256, ok: true, actual: v.sha256, size }, files };
}

async function checkFile(
  ctx: RegistryContext,
  file: RecordedFile,
): Promise<{ bytes: Buffer } | { actual: string | null; size: number | null; problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await ctx.store.getBuffer(file.key);
  } catch (err) {
    const missing = isBulwarkError(err) && (err.code === "NO_SUCH_KEY" || err.code === "NO_SUCH_VERSION");
    const problem = missing
      ? `${file.label} ${file.key} is missing`
      : `${file.label} unreadable: ${describeError(err)}`;
    return { actual: null, size: null, problem };
  }
  const actual = sha256Hex(bytes);
  if (actual === file.sha256) return { bytes };
  const problem =
    bytes.length < file.size
      ? `${file.label} is truncated (${bytes.length} of ${file.size} bytes)`
      : `${file.label} SHA-256 is ${actual}, not the ${file.sha256} recorded when it was registered`;
  return { actual, size: bytes.length, problem };
}
