/**
 * `importData`: any mix of files, folders, http(s) URLs and s3:// addresses becomes one
 * new dataset version, with the origin of every source (its SHA-256, format, rows read,
 * rows skipped, an envelope's metadata) in the manifest. URLs and buckets are held to an
 * import policy (`policy.ts`): by default nothing internal and no bucket. Every row passes
 * the privacy pass (`privacy.ts`: redacted or scanned, its subject hashed) before it is
 * stored, and the manifest records what it found.
 */
import type { S3Config } from "../../core/config.js";
import { redactUrl } from "../../core/redact.js";
import type { ObjectStore } from "../../storage/types.js";
import type { DatasetCatalog } from "../datasets.js";
import type { DatasetRecord } from "../dataset-record.js";
import { nameFromSource } from "../dataset-record.js";
import { emptySummary, readData } from "../formats.js";
import type { OriginEntry } from "../manifest.js";
import { formatWhere, type InvalidRow } from "../problems.js";
import type { Sample } from "../sample.js";
import { fileSources } from "./file.js";
import { checkBucket, STRICT_POLICY, type ImportPolicy } from "./policy.js";
import { ImportPrivacyPass, type ImportPrivacyOptions, type PrivacyKit } from "./privacy.js";
import { s3Sources, s3StoreFor, parseS3Url } from "./s3.js";
import type { ImportSource } from "./source.js";
import { urlSource, type HttpImportOptions } from "./url.js";

export interface ImportOptions {
  /** Dataset name (default: from the first source). */
  name?: string;
  skipInvalid?: boolean;
  onInvalid?: (problem: InvalidRow) => void;
  http?: HttpImportOptions;
  /** Internal hosts and buckets the operator allows (default: none). */
  policy?: ImportPolicy;
  /** Endpoint and credentials for s3:// sources (default: the configured storage's). */
  s3?: S3Config;
  /** Opens an s3:// bucket (tests and callers with their own store). */
  s3Store?: (bucket: string) => ObjectStore;
  onSource?: (location: string) => void;
  /** The application's redactors and subject hash; needed to redact, or for rows with a subject. */
  privacyKit?: PrivacyKit;
  /** Redaction, the importer's declaration, legal basis and purpose (default: scan only). */
  privacy?: ImportPrivacyOptions;
}

export interface ImportResult {
  dataset: DatasetRecord;
  sources: OriginEntry[];
  skippedRows: number;
}

export function sourceKind(source: string): "url" | "s3" | "file" {
  if (/^https?:\/\//i.test(source)) return "url";
  if (/^s3:\/\//i.test(source)) return "s3";
  return "file";
}

export async function importData(
  catalog: DatasetCatalog,
  inputs: string[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  if (inputs.length === 0) throw new Error("importData: no sources given");
  const policy = options.policy ?? STRICT_POLICY;
  const stores: ObjectStore[] = [];
  const sources: ImportSource[] = [];
  try {
    for (const input of inputs) {
      const kind = sourceKind(input);
      if (kind === "url") sources.push(urlSource(input, options.http, policy));
      else if (kind === "s3") {
        const { bucket } = parseS3Url(input);
        checkBucket(bucket, policy);
        const store = options.s3Store?.(bucket) ?? s3StoreFor(bucket, requireS3(options.s3));
        stores.push(store);
        sources.push(...(await s3Sources(input, store)));
      } else sources.push(...fileSources([input]));
    }
    const origin: OriginEntry[] = [];
    const pass = new ImportPrivacyPass(options.privacyKit, options.privacy);
    let skipped = 0;
    async function* rows(): AsyncGenerator<Sample> {
      for (const source of sources) {
        options.onSource?.(source.location);
        const summary = emptySummary();
        const raw = await source.open();
        const read = readData(
          raw,
          source.location,
          {
            skipInvalid: options.skipInvalid,
            onInvalid: options.onInvalid,
            maxLineBytes: catalog.maxLineBytes,
          },
          summary,
        );
        for await (const s of read) {
          const kept = pass.apply(s, () =>
            formatWhere(source.location, summary.at?.line ?? 0, summary.at?.index),
          );
          if (kept) yield kept;
        }
        skipped += summary.invalid;
        origin.push({
          kind: source.kind,
          location: source.location,
          ...(summary.format ? { format: summary.format } : {}),
          sha256: summary.sha256,
          bytes: summary.bytes,
          rows: summary.rows,
          invalid: summary.invalid,
          ...(summary.header && summary.format === "envelope"
            ? { envelope: { version: summary.header.version, ...summary.header.metadata } }
            : {}),
          ...(source.details ? { details: source.details } : {}),
        });
        await source.cleanup?.();
      }
    }
    const dataset = await catalog.create(rows(), {
      name:
        options.name ?? nameFromSource(sourceKind(inputs[0]!) === "url" ? redactUrl(inputs[0]!) : inputs[0]!),
      describe: () => ({
        origin: { kind: "import", sources: origin },
        skippedRows: skipped,
        privacy: pass.result(),
      }),
    });
    return { dataset, sources: origin, skippedRows: skipped };
  } finally {
    for (const s of sources) await s.cleanup?.().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
  }
}

function requireS3(s3: S3Config | undefined): S3Config {
  if (!s3) throw new Error("importData: s3:// sources need S3 settings (options.s3)");
  return s3;
}

export { parseHeader, redactUrl, type HttpImportOptions } from "./url.js";
export {
  checkBucket,
  checkUrl,
  ImportAddressRefusedError,
  ImportBucketRefusedError,
  normaliseHostEntry,
  STRICT_POLICY,
  type ImportPolicy,
} from "./policy.js";
export { parseS3Url } from "./s3.js";
