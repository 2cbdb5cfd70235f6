/**
 * Presigned links for the local backend: HMAC-SHA256 over (method, bucket, key, version,
 * expiry), served by Bulwark's HTTP server at /v1/storage/presigned/<key>. The secret is
 * 32 random bytes made on first use and kept under the store root with mode 0600, so
 * links survive restarts and no two installations share a key.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { DIR_MODE } from "./modes.js";
import { dirname } from "node:path";
import { PresignExpiredError, PresignInvalidError } from "../errors.js";
import { validateKey } from "../keys.js";

export const PRESIGN_PATH = "/v1/storage/presigned/";
export const DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000";

export type PresignMethod = "GET" | "PUT";

export interface PresignedRequest {
  method: PresignMethod;
  bucket: string;
  key: string;
  versionId?: string;
  /** Unix time in seconds after which the link is refused. */
  expires: number;
  /** Hex HMAC-SHA256. */
  signature: string;
}

/** Reads the store's signing secret, creating it (mode 0600) if this is the first use. */
export async function loadOrCreateSecret(file: string): Promise<Buffer> {
  try {
    return Buffer.from((await readFile(file, "utf8")).trim(), "hex");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dirname(file), { recursive: true, mode: DIR_MODE });
  const secret = randomBytes(32);
  // Written aside, then published with link(2), which fails if the name exists: a racing
  // first use either publishes a complete secret or reads the complete one that won.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(secret.toString("hex"));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, 0o600);
    await link(tmp, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return Buffer.from((await readFile(file, "utf8")).trim(), "hex");
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function canonical(r: Omit<PresignedRequest, "signature">): string {
  return JSON.stringify([r.method, r.bucket, r.key, r.versionId ?? "", r.expires]);
}

export function signPresigned(secret: Buffer, r: Omit<PresignedRequest, "signature">): string {
  return createHmac("sha256", secret).update(canonical(r)).digest("hex");
}

export function buildPresignedUrl(
  baseUrl: string,
  secret: Buffer,
  r: Omit<PresignedRequest, "signature">,
): string {
  const path = r.key.split("/").map(encodeURIComponent).join("/");
  const query = new URLSearchParams({ bucket: r.bucket, method: r.method, expires: String(r.expires) });
  if (r.versionId) query.set("versionId", r.versionId);
  query.set("signature", signPresigned(secret, r));
  return `${baseUrl.replace(/\/+$/, "")}${PRESIGN_PATH}${path}?${query.toString()}`;
}

/**
 * Checks a presigned request: signature first (so a tampered expiry is "invalid", not
 * "expired"), then expiry, then that the HTTP method is the one the link was made for.
 * Throws PRESIGN_INVALID or PRESIGN_EXPIRED.
 */
export function verifyPresigned(
  secret: Buffer,
  r: PresignedRequest,
  options: { method?: string; now?: number } = {},
): PresignedRequest {
  if (!/^[0-9a-f]{64}$/.test(r.signature)) throw new PresignInvalidError("malformed signature");
  if (r.method !== "GET" && r.method !== "PUT") throw new PresignInvalidError("unknown method");
  if (!Number.isInteger(r.expires)) throw new PresignInvalidError("malformed expiry");
  const expected = Buffer.from(signPresigned(secret, r), "hex");
  if (!timingSafeEqual(expected, Buffer.from(r.signature, "hex"))) {
    throw new PresignInvalidError("signature does not match (the link was altered or made by another store)");
  }
  const now = options.now ?? Date.now();
  if (now > r.expires * 1000) throw new PresignExpiredError(new Date(r.expires * 1000).toISOString());
  if (options.method !== undefined) {
    const asked = options.method.toUpperCase() === "HEAD" ? "GET" : options.method.toUpperCase();
    if (asked !== r.method) throw new PresignInvalidError(`the link is for ${r.method}, not ${asked}`);
  }
  return r;
}

/** Reads the signed fields back out of a link (or the path and query the HTTP server received). */
export function parsePresignedUrl(url: string | URL): PresignedRequest {
  const u = typeof url === "string" ? new URL(url, DEFAULT_PUBLIC_URL) : url;
  const at = u.pathname.indexOf(PRESIGN_PATH);
  if (at < 0) throw new PresignInvalidError(`not a ${PRESIGN_PATH} link`);
  let key: string;
  try {
    key = u.pathname
      .slice(at + PRESIGN_PATH.length)
      .split("/")
      .map(decodeURIComponent)
      .join("/");
    validateKey(key);
  } catch {
    throw new PresignInvalidError("malformed key");
  }
  const q = u.searchParams;
  const method = q.get("method");
  const bucket = q.get("bucket");
  const expires = Number(q.get("expires"));
  const signature = q.get("signature");
  if ((method !== "GET" && method !== "PUT") || !bucket || !signature || !Number.isInteger(expires)) {
    throw new PresignInvalidError("missing or malformed bucket, method, expires or signature");
  }
  const versionId = q.get("versionId") ?? undefined;
  return { method, bucket, key, expires, signature, ...(versionId ? { versionId } : {}) };
}

/** Parses and verifies a presigned link in one step; for the HTTP server's route. */
export function verifyPresignedUrl(
  url: string | URL,
  secret: Buffer,
  options: { method?: string; now?: number } = {},
): PresignedRequest {
  return verifyPresigned(secret, parsePresignedUrl(url), options);
}
