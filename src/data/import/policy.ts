/**
 * Where an import may read from. A URL may not reach this machine or an internal network
 * (`addresses.ts`) unless an operator allowed its host; an s3:// source may name only the
 * buckets an operator configured (the service's own and an allow-list), so nobody borrows
 * the host's credentials for a bucket of someone else's. The checks that need no network
 * run when a job is enqueued; the rest (what a name resolves to, where a redirect goes)
 * run on every connection (`http.ts`).
 */
import { isIP } from "node:net";
import { BulwarkError } from "../../core/errors.js";
import { redactUrl } from "../../core/redact.js";
import { InvalidSourceError } from "../errors.js";
import { refusedRange } from "./addresses.js";

export interface ImportPolicy {
  /**
   * Hosts an operator allows although they are internal: `name`, `name:port`, an address
   * (`10.0.0.5`, `[fd00::5]:8443`). A name is allowed whatever it resolves to; an address
   * is allowed written in a URL or as what a name resolves to.
   */
  allowHosts: readonly string[];
  /** Buckets s3:// sources may name. */
  s3Buckets: readonly string[];
}

/** Nothing internal, no bucket: what an import gets when the caller says nothing. */
export const STRICT_POLICY: ImportPolicy = { allowHosts: [], s3Buckets: [] };

const ALLOW_HINT = "an operator can allow the host with BULWARK_IMPORT_ALLOW_HOSTS";

/** An import URL that would reach this machine or an internal network. */
export class ImportAddressRefusedError extends BulwarkError {
  constructor(source: string, reason: string) {
    super(
      "IMPORT_ADDRESS_REFUSED",
      `${source} was refused: ${reason}; imports may not reach this machine or internal networks (${ALLOW_HINT})`,
      400,
      { source },
    );
    this.name = "ImportAddressRefusedError";
  }
}

/** An s3:// source naming a bucket nobody configured for imports. */
export class ImportBucketRefusedError extends BulwarkError {
  constructor(bucket: string, allowed: readonly string[]) {
    super(
      "IMPORT_BUCKET_REFUSED",
      `s3://${bucket} was refused: imports read only the buckets configured for them (${allowed.length ? allowed.join(", ") : "none"}); an operator can add one with BULWARK_IMPORT_S3_BUCKETS`,
      400,
      { bucket },
    );
    this.name = "ImportBucketRefusedError";
  }
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/** `name`, `name:port` or an address, as the URL parser writes it (lower case, IPv6 in brackets). */
export function normaliseHostEntry(entry: string): string {
  let u: URL;
  try {
    u = new URL(`http://${entry.trim()}`);
  } catch {
    throw new InvalidSourceError(`"${entry}" is not a host or host:port`);
  }
  if (u.username || u.password || u.pathname !== "/" || u.search || u.hash || !u.hostname)
    throw new InvalidSourceError(`"${entry}" is not a host or host:port`);
  const host = u.hostname.replace(/\.$/, "");
  // The parser drops :80 as http's default; the entry named it, so keep it.
  const port = u.port || (/:80$/.test(entry.trim()) ? "80" : "");
  return port ? `${host}:${port}` : host;
}

/** The port a URL connects to. */
export function portOf(url: URL): string {
  return url.port || DEFAULT_PORT[url.protocol] || "";
}

function allows(policy: ImportPolicy, host: string, port: string): boolean {
  return policy.allowHosts.some((raw) => {
    const entry = normaliseHostEntry(raw);
    return entry === host || entry === `${host}:${port}`;
  });
}

/** True when the operator allowed the URL's host (and port, when the entry names one). */
export function hostAllowed(url: URL, policy: ImportPolicy): boolean {
  return allows(policy, url.hostname.toLowerCase().replace(/\.$/, ""), portOf(url));
}

/** True when an address entry of the allow-list names this resolved address (and port). */
export function addressAllowed(address: string, port: string, policy: ImportPolicy): boolean {
  const host = new URL(`http://${address.includes(":") ? `[${address}]` : address}`).hostname;
  return allows(policy, host, port);
}

/** The URL's host as a bare address, when it is one (`[::1]` -> `::1`). */
export function literalAddress(url: URL): string | undefined {
  const bare = url.hostname.replace(/^\[|\]$/g, "");
  return isIP(bare) ? bare : undefined;
}

/**
 * Checks what can be checked without the network: the scheme, and an address written
 * in the URL (the URL parser has already turned 2130706433, 0x7f.1 or 017700000001 into
 * 127.0.0.1). Names are checked when they are resolved, on every connection.
 */
export function checkUrl(url: URL, policy: ImportPolicy, shown = redactUrl(url)): void {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ImportAddressRefusedError(shown, `the scheme ${url.protocol} is not http or https`);
  if (hostAllowed(url, policy)) return;
  const address = literalAddress(url);
  const range = address === undefined ? undefined : refusedRange(address);
  if (range) throw new ImportAddressRefusedError(shown, `${address} is a refused address (${range})`);
}

export function checkBucket(bucket: string, policy: ImportPolicy): void {
  if (!policy.s3Buckets.includes(bucket)) throw new ImportBucketRefusedError(bucket, policy.s3Buckets);
}
