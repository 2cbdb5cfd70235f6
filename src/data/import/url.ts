/**
 * Import over HTTP(S): headers (for authentication), filters as query parameters, a
 * timeout per attempt, a size limit enforced while the body streams in, and retries with
 * backoff on 5xx, 429, timeouts and network errors (never on other 4xx, which will not
 * change by asking again, nor on a refused address). Every connection, redirects
 * included, goes only where the import policy allows (`http.ts`). The body goes to a
 * temporary file, so a failed attempt leaves nothing half-parsed and the rows are read
 * only from a complete download. Messages name the URL masked (`core/redact.ts`) and the
 * status, never what the server sent.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeError } from "../../core/errors.js";
import { isSecretParam, MASK, redactUrl } from "../../core/redact.js";
import { ImportFailedError, ImportTimeoutError, ImportTooLargeError, InvalidSourceError } from "../errors.js";
import { guardedGet } from "./http.js";
import { checkUrl, ImportAddressRefusedError, STRICT_POLICY, type ImportPolicy } from "./policy.js";
import type { ImportSource } from "./source.js";

export interface HttpImportOptions {
  headers?: Record<string, string>;
  /** Added to the URL's query string, e.g. {label: "1", lang: "en"}. */
  filters?: Record<string, string>;
  /** Per attempt, for the whole exchange: lookups, redirects and the body (default 30 s). */
  timeoutMs?: number;
  /** Largest body accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Further attempts after the first (default 3). */
  retries?: number;
  /** First backoff delay, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Redirects followed per attempt (default 5). */
  maxRedirects?: number;
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

export function urlSource(
  raw: string,
  options: HttpImportOptions = {},
  policy: ImportPolicy = STRICT_POLICY,
): ImportSource {
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
  checkUrl(url, policy, shown);
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
      const result = await download(url, shown, file, options, policy);
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
  policy: ImportPolicy,
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
      const { response: res } = await guardedGet(url, {
        headers: options.headers ?? {},
        signal,
        policy,
        maxRedirects: options.maxRedirects ?? 5,
      });
      const status = res.statusCode ?? 0;
      // The standard reason phrase, not the server's: nothing it sends ends up in a message.
      const answered = `${shown} answered ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd();
      if (status >= 500 || status === 429) {
        res.destroy();
        throw new Retryable(answered);
      }
      if (status < 200 || status >= 300) {
        res.destroy();
        const hint =
          status === 401 || status === 403 ? " (pass credentials with --header 'Authorization: ...')" : "";
        throw new ImportFailedError(`${answered}${hint}`, { source: shown, status });
      }
      const declared = Number(res.headers["content-length"] ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.destroy();
        throw new ImportTooLargeError(shown, maxBytes);
      }
      const bytes = await save(res, file, maxBytes, shown);
      return {
        status,
        attempts: attempt,
        contentType: res.headers["content-type"] ?? null,
        downloadedBytes: bytes,
      };
    } catch (err) {
      if (
        err instanceof ImportFailedError ||
        err instanceof ImportTooLargeError ||
        err instanceof ImportAddressRefusedError
      )
        throw err;
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

async function save(res: IncomingMessage, file: string, maxBytes: number, shown: string): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        res.destroy();
        throw new ImportTooLargeError(shown, maxBytes);
      }
      if (!out.write(chunk)) await once(out, "drain");
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return bytes;
}
