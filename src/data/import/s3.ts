/**
 * Import from `s3://bucket/prefix` on the configured S3 endpoint (MinIO, Ceph RGW, AWS):
 * every data object under the prefix, or the one object when the prefix names it.
 * Objects are streamed, never held whole.
 */
import type { S3Config } from "../../core/config.js";
import { redactText } from "../../core/redact.js";
import { S3ObjectStore } from "../../storage/s3/store.js";
import type { ObjectStore } from "../../storage/types.js";
import { DATA_FILE_PATTERN } from "../formats.js";
import { InvalidSourceError } from "../errors.js";
import type { ImportSource } from "./source.js";

export function parseS3Url(raw: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([A-Za-z0-9._-]+)(?:\/(.*))?$/i.exec(raw);
  if (!m || !m[1]) throw new InvalidSourceError(`"${redactText(raw)}" is not an s3://bucket/prefix address`);
  return { bucket: m[1], prefix: m[2] ?? "" };
}

/** Opens the bucket of an s3:// address with the configured endpoint and credentials. */
export function s3StoreFor(bucket: string, s3: S3Config): ObjectStore {
  return new S3ObjectStore({
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: s3.forcePathStyle,
  });
}

/** The data objects an s3:// address names; `store` is closed by the caller. */
export async function s3Sources(raw: string, store: ObjectStore): Promise<ImportSource[]> {
  const { bucket, prefix } = parseS3Url(raw);
  const keys: { key: string; size: number; versionId?: string }[] = [];
  if (prefix && !prefix.endsWith("/") && (await store.exists(prefix))) {
    const info = await store.head(prefix);
    keys.push({ key: prefix, size: info.size, versionId: info.versionId });
  } else {
    for await (const e of store.listAll(prefix)) {
      if (DATA_FILE_PATTERN.test(e.key))
        keys.push({ key: e.key, size: e.size, ...(e.versionId ? { versionId: e.versionId } : {}) });
    }
  }
  if (keys.length === 0)
    throw new InvalidSourceError(`no data objects (.jsonl, .ndjson, .json, optionally .gz) under ${raw}`);
  return keys
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((k) => ({
      kind: "s3" as const,
      location: `s3://${bucket}/${k.key}`,
      details: { size: k.size, ...(k.versionId ? { versionId: k.versionId } : {}) },
      open: async () => store.get(k.key, k.versionId ? { versionId: k.versionId } : {}),
    }));
}
