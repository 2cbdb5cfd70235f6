/**
 * `bulwark storage ...`: the object store from the shell. The store is chosen by
 * configuration alone (BULWARK_HOME for local disk, MINIO_* / BULWARK_S3_* for S3).
 * Nothing here removes a protected version: deletes go through the store, which refuses.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { createWriteStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { loadConfig } from "../../core/config.js";
import { createObjectStore } from "../../storage/index.js";
import { ChecksumMismatchError, StorageArgumentError } from "../../storage/errors.js";
import { HashingStream, streamToBuffer } from "../../storage/hashing.js";
import { parseLockMode } from "../../storage/rules.js";
import type { LockMode, ObjectStore, Retention } from "../../storage/types.js";
import { wholeNumber } from "../options.js";
import { action, printJson, printLine } from "../output.js";

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

function lockMode(value: string): LockMode {
  try {
    return parseLockMode(value);
  } catch {
    throw new InvalidArgumentError("must be governance or compliance");
  }
}

const jsonOption = () => new Option("--json", "print machine-readable JSON");
const versionOption = () => new Option("--version-id <id>", "a specific version (default: the latest)");

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

export function registerStorage(program: Command): void {
  const storage = program
    .command("storage")
    .description(
      "object storage: datasets, models, red-team results, backups (local disk or S3, with Object Lock)",
    );

  storage
    .command("init")
    .description("create the bucket (or check it), optionally with Object Lock and a default retention")
    .option("--object-lock", "create the bucket with Object Lock (WORM); cannot be added later")
    .addOption(
      new Option("--mode <mode>", "default retention mode: governance or compliance").argParser(lockMode),
    )
    .addOption(new Option("--retention-days <n>", "default retention in days").argParser(wholeNumber(1)))
    .addOption(jsonOption())
    .action(
      action(async (opts: { objectLock?: boolean; mode?: LockMode; retentionDays?: number } & JsonOpt) => {
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
      }),
    );

  storage
    .command("ls")
    .description("list objects and folders under a prefix")
    .argument("[prefix]", "key prefix, e.g. training-data/")
    .option("-r, --recursive", "list every key under the prefix instead of one folder level")
    .addOption(jsonOption())
    .action(
      action(async (prefix: string | undefined, opts: { recursive?: boolean } & JsonOpt) => {
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
      }),
    );

  storage
    .command("put")
    .description('upload a file ("-" for stdin) as a new version of KEY')
    .argument("<key>", "object key, e.g. training-data/main/v1.jsonl")
    .argument("<file>", 'file to upload, or "-" for standard input')
    .addOption(new Option("--mode <mode>", "retention mode: governance or compliance").argParser(lockMode))
    .addOption(new Option("--days <n>", "retain for this many days").argParser(wholeNumber(1)))
    .option("--legal-hold", "put the new version under legal hold")
    .option("--content-type <type>", "content type (default: from the file extension)")
    .addOption(jsonOption())
    .action(
      action(
        async (
          key: string,
          file: string,
          opts: { mode?: LockMode; days?: number; legalHold?: boolean; contentType?: string } & JsonOpt,
        ) => {
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
            if (opts.json)
              return printJson({ ...result, retention: info.retention, legalHold: info.legalHold });
            printLine(
              `put ${key} version ${result.versionId} (${result.size} bytes, sha256 ${result.sha256}; ${describeLock(info)})`,
            );
          });
        },
      ),
    );

  storage
    .command("get")
    .description("download KEY to FILE, or to standard output")
    .argument("<key>", "object key")
    .argument("[file]", "where to write (default: standard output)")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(
      action(async (key: string, file: string | undefined, opts: { versionId?: string } & JsonOpt) => {
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
      }),
    );

  storage
    .command("rm")
    .description("delete KEY (a delete marker) or one version of it; locked versions are refused")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .option(
      "--bypass-governance",
      "privileged: override GOVERNANCE retention (never COMPLIANCE or legal hold)",
    )
    .addOption(jsonOption())
    .action(
      action(async (key: string, opts: { versionId?: string; bypassGovernance?: boolean } & JsonOpt) => {
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
      }),
    );

  storage
    .command("versions")
    .description("list the versions and delete markers of KEY, newest first")
    .argument("<key>", "object key")
    .addOption(jsonOption())
    .action(
      action(async (key: string, opts: JsonOpt) => {
        await withStore(async (store) => {
          const versions = await store.listVersions(key);
          if (opts.json) return printJson(versions);
          if (versions.length === 0) return printLine(`no versions of ${key}`);
          for (const v of versions) {
            const what = v.isDeleteMarker ? "(delete marker)" : `${v.size} bytes`;
            printLine(`${v.isLatest ? "*" : " "} ${v.versionId}  ${v.lastModified}  ${what}`);
          }
        });
      }),
    );

  storage
    .command("lock")
    .description(
      "set retention (extend freely; shorten only GOVERNANCE with bypass) or legal hold on a version",
    )
    .argument("<key>", "object key")
    .addOption(new Option("--mode <mode>", "retention mode: governance or compliance").argParser(lockMode))
    .addOption(new Option("--days <n>", "retain for this many days from now").argParser(wholeNumber(1)))
    .addOption(new Option("--legal-hold <state>", "legal hold on or off").choices(["on", "off"]))
    .addOption(versionOption())
    .option("--bypass-governance", "privileged: allow shortening a GOVERNANCE retention")
    .addOption(jsonOption())
    .action(
      action(
        async (
          key: string,
          opts: {
            mode?: LockMode;
            days?: number;
            legalHold?: "on" | "off";
            versionId?: string;
            bypassGovernance?: boolean;
          } & JsonOpt,
        ) => {
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
        },
      ),
    );

  storage
    .command("verify")
    .description("report a version's protection (retention, legal hold) and check its SHA-256")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(
      action(async (key: string, opts: { versionId?: string } & JsonOpt) => {
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
      }),
    );

  storage
    .command("test-deletion-protection")
    .description("prove that a locked version refuses deletion (refuses to try on an unlocked one)")
    .argument("<key>", "object key")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(
      action(async (key: string, opts: { versionId?: string } & JsonOpt) => {
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
      }),
    );

  storage
    .command("url")
    .description("a presigned link to download (or with --put, upload) KEY without credentials")
    .argument("<key>", "object key")
    .addOption(
      new Option("--expires <seconds>", "link lifetime, at most 604800 (7 days)")
        .argParser(wholeNumber(1))
        .default(3600),
    )
    .option("--put", "a link for HTTP PUT (upload) instead of GET")
    .addOption(versionOption())
    .addOption(jsonOption())
    .action(
      action(async (key: string, opts: { expires: number; put?: boolean; versionId?: string } & JsonOpt) => {
        await withStore(async (store) => {
          const url = opts.put
            ? await store.presignPut(key, opts.expires)
            : await store.presignGet(key, opts.expires, opts.versionId ? { versionId: opts.versionId } : {});
          const expiresAt = new Date(Date.now() + opts.expires * 1000).toISOString();
          if (opts.json) return printJson({ key, method: opts.put ? "PUT" : "GET", url, expiresAt });
          printLine(url);
        });
      }),
    );
}
