/** `bulwark storage ...`: the object store from the shell. */
import { createWriteStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { loadConfig } from "../../core/config.js";
import { ChecksumMismatchError, StorageArgumentError } from "../../storage/errors.js";
import { HashingStream, streamToBuffer } from "../../storage/hashing.js";
import { createObjectStore } from "../../storage/index.js";
import type { LockMode, ObjectStore, Retention } from "../../storage/types.js";
import { printJson, printLine } from "../output.js";

interface JsonOpt {
  json?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".ndjson": "application/x-ndjson",
  ".txt": "text/plain; charset=utf-8",
  ".csv": "text/csv",
  ".gz": "application/gzip",
  ".onnx": "application/octet-stream",
  ".md": "text/markdown",
};

async function withStore<T>(fn: (store: ObjectStore) => Promise<T>): Promise<T> {
  const store = createObjectStore(loadConfig().storage);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function retentionFor(mode: LockMode | undefined, days: number | undefined): Retention | undefined {
  if (mode === undefined && days === undefined) return undefined;
  if (mode === undefined || days === undefined) {
    throw new StorageArgumentError("retention needs both --mode and --days");
  }
  return { mode, retainUntil: new Date(Date.now() + days * 86_400_000).toISOString() };
}

/** Opens first, so a missing file is a one-line error rather than a stream's unhandled 'error'. */
async function openForReading(file: string): Promise<Readable> {
  try {
    return (await open(file, "r")).createReadStream();
  } catch (err) {
    throw new StorageArgumentError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

function describeLock(info: { retention?: Retention | undefined; legalHold: boolean }): string {
  const parts: string[] = [];
  if (info.retention) parts.push(`${info.retention.mode} until ${info.retention.retainUntil}`);
  if (info.legalHold) parts.push("legal hold");
  return parts.length ? parts.join(", ") : "not locked";
}

export async function storageInit(
  opts: { objectLock?: boolean; mode?: LockMode; retentionDays?: number } & JsonOpt,
): Promise<void> {
  if ((opts.mode === undefined) !== (opts.retentionDays === undefined)) {
    throw new StorageArgumentError("a default retention needs both --mode and --retention-days");
  }
  const defaultRetention =
    opts.mode && opts.retentionDays ? { mode: opts.mode, days: opts.retentionDays } : undefined;
  if (defaultRetention && !opts.objectLock) {
    throw new StorageArgumentError("--mode and --retention-days need --object-lock");
  }
  await withStore(async (store) => {
    const config = await store.init({
      ...(opts.objectLock ? { objectLock: true } : {}),
      ...(defaultRetention ? { defaultRetention } : {}),
    });
    if (opts.json) return printJson({ bucket: store.bucket, backend: store.kind, ...config });
    const d = config.defaultRetention;
    printLine(
      `bucket "${store.bucket}" ready (${store.kind}): Object Lock ${config.enabled ? "enabled" : "not enabled"}` +
        (d ? `, default retention ${d.mode} ${d.days ? `${d.days} days` : `${d.years} years`}` : ""),
    );
  });
}

export async function storageLs(
  prefix: string | undefined,
  opts: { recursive?: boolean } & JsonOpt,
): Promise<void> {
  await withStore(async (store) => {
    const objects = [];
    const prefixes: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({
        ...(prefix ? { prefix } : {}),
        ...(opts.recursive ? {} : { delimiter: "/" }),
        ...(cursor ? { cursor } : {}),
      });
      objects.push(...page.objects);
      prefixes.push(...page.prefixes);
      cursor = page.nextCursor;
    } while (cursor);
    if (opts.json) return printJson({ prefixes, objects });
    for (const p of prefixes) printLine(`${"PRE".padStart(34)}  ${p}`);
    for (const o of objects)
      printLine(`${o.lastModified.padEnd(24)} ${String(o.size).padStart(9)}  ${o.key}`);
  });
}

export async function storagePut(
  key: string,
  file: string,
  opts: { mode?: LockMode; days?: number; legalHold?: boolean; contentType?: string } & JsonOpt,
): Promise<void> {
  const retention = retentionFor(opts.mode, opts.days);
  const contentType = opts.contentType ?? CONTENT_TYPES[extname(file).toLowerCase()];
  await withStore(async (store) => {
    const body = file === "-" ? process.stdin : await openForReading(file);
    const result = await store.put(key, body, {
      ...(contentType ? { contentType } : {}),
      ...(retention ? { retention } : {}),
      ...(opts.legalHold ? { legalHold: true } : {}),
    });
    const info = await store.head(key, { versionId: result.versionId });
    if (opts.json) return printJson({ ...result, retention: info.retention, legalHold: info.legalHold });
    printLine(
      `put ${key} version ${result.versionId} (${result.size} bytes, sha256 ${result.sha256}; ${describeLock(info)})`,
    );
  });
}

export async function storageGet(
  key: string,
  file: string | undefined,
  opts: { versionId?: string } & JsonOpt,
): Promise<void> {
  await withStore(async (store) => {
    const info = await store.head(key, opts.versionId ? { versionId: opts.versionId } : {});
    const source = await store.get(key, { versionId: info.versionId });
    if (file === undefined) {
      if (opts.json) {
        const buf = await streamToBuffer(source);
        const text = buf.toString("utf8");
        const isText = Buffer.from(text, "utf8").equals(buf);
        return printJson({
          ...info,
          encoding: isText ? "utf8" : "base64",
          content: isText ? text : buf.toString("base64"),
        });
      }
      await pipeline(source, process.stdout);
      return;
    }
    // Written beside the target and renamed only once the SHA-256 checks out.
    const tmp = `${file}.bulwark-${process.pid}.part`;
    const hasher = new HashingStream();
    try {
      await pipeline(source, hasher, createWriteStream(tmp));
      if (info.sha256 && hasher.sha256 !== info.sha256) {
        throw new ChecksumMismatchError(key, info.sha256, hasher.sha256);
      }
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    if (opts.json) return printJson({ ...info, file });
    printLine(`got ${key} version ${info.versionId} -> ${file} (${info.size} bytes, sha256 verified)`);
  });
}

export async function storageRm(
  key: string,
  opts: { versionId?: string; bypassGovernance?: boolean } & JsonOpt,
): Promise<void> {
  await withStore(async (store) => {
    const result = await store.delete(key, {
      ...(opts.versionId ? { versionId: opts.versionId } : {}),
      ...(opts.bypassGovernance ? { bypassGovernance: true } : {}),
    });
    if (opts.json) return printJson(result);
    printLine(
      opts.versionId
        ? `deleted version ${opts.versionId} of ${key}`
        : `deleted ${key} (delete marker ${result.versionId ?? ""}; earlier versions are kept)`,
    );
  });
}

export async function storageVersions(key: string, opts: JsonOpt): Promise<void> {
  await withStore(async (store) => {
    const versions = await store.listVersions(key);
    if (opts.json) return printJson(versions);
    if (versions.length === 0) return printLine(`no versions of ${key}`);
    for (const v of versions) {
      const what = v.isDeleteMarker ? "(delete marker)" : `${v.size} bytes`;
      printLine(`${v.isLatest ? "*" : " "} ${v.versionId}  ${v.lastModified}  ${what}`);
    }
  });
}

export async function storageLock(
  key: string,
  opts: {
    mode?: LockMode;
    days?: number;
    legalHold?: "on" | "off";
    versionId?: string;
    bypassGovernance?: boolean;
  } & JsonOpt,
): Promise<void> {
  const retention = retentionFor(opts.mode, opts.days);
  if (!retention && opts.legalHold === undefined) {
    throw new StorageArgumentError("say what to lock: --mode M --days N, or --legal-hold on|off");
  }
  await withStore(async (store) => {
    const target = { ...(opts.versionId ? { versionId: opts.versionId } : {}) };
    if (retention) {
      await store.putRetention(key, retention, {
        ...target,
        ...(opts.bypassGovernance ? { bypassGovernance: true } : {}),
      });
    }
    if (opts.legalHold) await store.putLegalHold(key, opts.legalHold === "on", target);
    const info = await store.head(key, target);
    if (opts.json) {
      return printJson({
        key,
        versionId: info.versionId,
        retention: info.retention,
        legalHold: info.legalHold,
      });
    }
    printLine(`${key} version ${info.versionId}: ${describeLock(info)}`);
  });
}

export async function storageVerify(key: string, opts: { versionId?: string } & JsonOpt): Promise<void> {
  await withStore(async (store) => {
    const report = await store.verify(key, opts.versionId ? { versionId: opts.versionId } : {});
    if (opts.json) printJson(report);
    else {
      printLine(`${key} version ${report.versionId}`);
      printLine(
        `  protected:   ${report.protected ? "yes" : "no"}` +
          (report.mode ? ` (${report.mode} until ${report.retainUntil})` : ""),
      );
      printLine(`  legal hold:  ${report.legalHold ? "on" : "off"}`);
      printLine(
        `  sha256:      ${report.sha256Matches ? "matches" : "DOES NOT MATCH"} (${report.actualSha256})`,
      );
    }
    if (!report.sha256Matches) {
      throw new ChecksumMismatchError(key, report.storedSha256 || "(none stored)", report.actualSha256);
    }
  });
}

export async function storageTestDeletionProtection(
  key: string,
  opts: { versionId?: string } & JsonOpt,
): Promise<void> {
  await withStore(async (store) => {
    const report = await store.testDeletionProtection(
      key,
      opts.versionId ? { versionId: opts.versionId } : {},
    );
    if (opts.json) printJson(report);
    else if (report.refused) {
      printLine(`PASS: deleting ${key} version ${report.versionId} was refused (${report.errorCode})`);
    }
    if (!report.refused) {
      throw new Error(`FAIL: ${key} version ${report.versionId} was locked but the delete succeeded`);
    }
  });
}

export async function storageUrl(
  key: string,
  opts: { expires: number; put?: boolean; versionId?: string } & JsonOpt,
): Promise<void> {
  await withStore(async (store) => {
    const url = opts.put
      ? await store.presignPut(key, opts.expires)
      : await store.presignGet(key, opts.expires, opts.versionId ? { versionId: opts.versionId } : {});
    const expiresAt = new Date(Date.now() + opts.expires * 1000).toISOString();
    if (opts.json) return printJson({ key, method: opts.put ? "PUT" : "GET", url, expiresAt });
    printLine(url);
  });
}
