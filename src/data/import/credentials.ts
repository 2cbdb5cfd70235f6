/**
 * Credentials written into import URLs (user info, `?token=...`) are needed when an import
 * job runs, maybe in another process that reads the job from the database, yet must
 * never be readable where the job is shown. So a job keeps its URLs masked
 * (`core/redact.ts`) and, only when one carried a secret, the real list sealed beside
 * them: AES-256-GCM under a key the caller supplies (the service keeps it in its
 * `service_secrets` table), authenticated, so a changed or transplanted blob fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { BulwarkError } from "../../core/errors.js";
import { hasUrlSecrets, redactUrl } from "../../core/redact.js";

export interface Sealer {
  /** Synchronous, because a job's payload is checked synchronously when it is enqueued. */
  seal(plain: string): string;
  open(sealed: string): Promise<string>;
}

const VERSION = "v1";
const AAD = Buffer.from("bulwark:import-credentials:v1");

function sealWith(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
}

function openWith(key: Buffer, sealed: string): string {
  const [version, data] = sealed.split(".");
  if (version !== VERSION || !data) throw new Error("not a sealed value");
  const raw = Buffer.from(data, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12)).setAAD(AAD);
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/**
 * A sealer over a key that is still loading: `open` waits for it; `seal` refuses with 503
 * `NOT_READY` in the moment between a process starting and its key arriving.
 */
export function keySealer(key: Promise<Buffer>): Sealer {
  let loaded: Buffer | undefined;
  key.then(
    (k) => (loaded = k),
    () => undefined,
  );
  return {
    seal(plain) {
      if (!loaded)
        throw new BulwarkError(
          "NOT_READY",
          "the key that protects credentials in import URLs is not loaded yet: try again in a moment",
          503,
        );
      return sealWith(loaded, plain);
    },
    async open(sealed) {
      const k = await key;
      try {
        return openWith(k, sealed);
      } catch {
        throw new BulwarkError(
          "CREDENTIALS_UNREADABLE",
          "the credentials sealed with this import cannot be opened (the service secret import-credentials was replaced, or the job was altered): start the import again",
          500,
        );
      }
    },
  };
}

/** Masked sources to show and store, and the real ones sealed when any carried a secret. */
export function sealSources(sources: string[], sealer: Sealer): { sources: string[]; sealed?: string } {
  const secret = sources.some((s) => {
    try {
      return hasUrlSecrets(new URL(s));
    } catch {
      return false;
    }
  });
  const shown = sources.map((s) => (/^https?:\/\//i.test(s) ? redactUrl(s) : s));
  return secret ? { sources: shown, sealed: sealer.seal(JSON.stringify(sources)) } : { sources: shown };
}

/** The sources to fetch: the sealed originals when there are any, checked against the shown ones. */
export async function openSources(
  payload: { sources: string[]; sealed?: string | undefined },
  sealer: Sealer,
): Promise<string[]> {
  if (!payload.sealed) return payload.sources;
  const parsed = JSON.parse(await sealer.open(payload.sealed)) as unknown;
  const ok =
    Array.isArray(parsed) &&
    parsed.length === payload.sources.length &&
    parsed.every(
      (s, i) => typeof s === "string" && (/^https?:\/\//i.test(s) ? redactUrl(s) : s) === payload.sources[i],
    );
  if (!ok)
    throw new BulwarkError(
      "CREDENTIALS_UNREADABLE",
      "the sealed credentials of this import do not belong to its sources: start the import again",
      500,
    );
  return parsed as string[];
}
