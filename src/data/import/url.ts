/**
 * Import over HTTP(S): headers (for authentication), filters as query parameters, a
 * timeout per attempt, a size limit enforced while the body streams in, and retries with
 * backoff on 5xx, 429, timeouts and network errors (never on other 4xx, which will not
 * change by asking again). The body goes to a temporary file, so a failed attempt leaves
 * nothing half-parsed and the rows are read only from a complete download.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeError } from "../../core/errors.js";
import { isSecretParam, MASK, redactUrl } from "../../core/redact.js";
import { ImportFailedError, ImportTimeoutError, ImportTooLargeError, InvalidSourceError } from "../errors.js";
import type { ImportSource } from "./source.js";

export interface HttpImportOptions {
  headers?: Record<string, string>;
  /** Added to the URL's query string, e.g. {label: "1", lang: "en"}. */
  filters?: Record<string, string>;
  /** Per attempt, for the whole request including the body (default 30 s). */
  timeoutMs?: number;
  /** Largest body accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Further attempts after the first (default 3). */
  retries?: number;
  /** First backoff delay, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  tmpDir?: string;
}

export { redactUrl } from "../../core/redact.js";

/** `Name: value` as given on the command line. */
export function parseHeader(line: string): [string, string] {
  const i = line.indexOf(":");
  const name = i > 0 ? line.slice(0, i).trim() : "";
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new InvalidSourceError(`header "${line.slice(0, 40)}" must look like "Name: value"`);
  return [name, line.slice(i + 1).trim()];
}

class Retryable extends Error {}

export function urlSource(raw: string, options: HttpImportOptions = {}): ImportSource {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidSourceError(`"${redactUrl(raw)}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidSourceError(`unsupported URL scheme ${url.protocol} (use http, https or s3)`);
  for (const [k, v] of Object.entries(options.filters ?? {})) url.searchParams.set(k, v);
  const shown = redactUrl(url);
  const details: Record<string, unknown> = {
    filters: Object.fromEntries(
      Object.entries(options.filters ?? {}).map(([k, v]) => [k, isSecretParam(k) ? MASK : v]),
    ),
    // Header names only: their values are usually credentials.
    headers: Object.keys(options.headers ?? {}),
  };
  let dir: string | undefined;
  return {
    kind: "url",
    location: shown,
    details,
    async open() {
      dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "bulwark-download-"));
      const file = join(dir, "body");
      const result = await download(url, shown, file, options);
      Object.assign(details, result);
      return createReadStream(file);
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function download(
  url: URL,
  shown: string,
  file: string,
  options: HttpImportOptions,
): Promise<{ status: number; attempts: number; contentType: string | null; downloadedBytes: number }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const attempts = 1 + Math.max(0, options.retries ?? 3);
  let delay = options.retryDelayMs ?? 500;
  let lastError: unknown;
  let timedOut = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, { headers: options.headers ?? {}, signal, redirect: "follow" });
      if (res.status >= 500 || res.status === 429) {
        await res.body?.cancel().catch(() => undefined);
        throw new Retryable(`${shown} answered ${res.status} ${res.statusText}`);
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        const hint =
          res.status === 401 || res.status === 403
            ? " (pass credentials with --header 'Authorization: ...')"
            : "";
        throw new ImportFailedError(`${shown} answered ${res.status} ${res.statusText}${hint}`, {
          source: shown,
          status: res.status,
        });
      }
      const declared = Number(res.headers.get("content-length") ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new ImportTooLargeError(shown, maxBytes);
      }
      const bytes = await save(res, file, maxBytes, shown);
      return {
        status: res.status,
        attempts: attempt,
        contentType: res.headers.get("content-type"),
        downloadedBytes: bytes,
      };
    } catch (err) {
      if (err instanceof ImportFailedError || err instanceof ImportTooLargeError) throw err;
      if (signal.aborted) timedOut++;
      lastError = err;
    }
  }
  if (timedOut === attempts) throw new ImportTimeoutError(shown, timeoutMs, attempts);
  throw new ImportFailedError(
    `${shown} could not be fetched after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${describeError(lastError)}`,
    { source: shown, attempts },
    { cause: lastError },
  );
}

async function save(res: Response, file: string, maxBytes: number, shown: string): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          await res.body.cancel().catch(() => undefined);
          throw new ImportTooLargeError(shown, maxBytes);
        }
        if (!out.write(chunk)) await once(out, "drain");
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return bytes;
}
