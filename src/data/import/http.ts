/**
 * One GET that reaches only what the import policy allows. Every hop (the URL, then each
 * redirect, followed by hand) is checked before it connects: its scheme, an address
 * written in it, and, through our own `lookup`, every address its name resolves to. The
 * connection goes to the addresses that lookup checked and returned (no second
 * resolution a rebinding DNS server could answer differently), on a fresh socket (no
 * pooled connection to another host). Headers and user info go to the first URL's origin
 * only, never to where it redirects elsewhere.
 */
import dns from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { redactUrl } from "../../core/redact.js";
import { ImportFailedError } from "../errors.js";
import { refusedRange } from "./addresses.js";
import {
  addressAllowed,
  checkUrl,
  hostAllowed,
  ImportAddressRefusedError,
  portOf,
  type ImportPolicy,
} from "./policy.js";

export interface GuardedGetOptions {
  headers: Record<string, string>;
  /** Aborts the whole exchange: lookups, connections, redirects and the body. */
  signal: AbortSignal;
  policy: ImportPolicy;
  maxRedirects: number;
}

export interface GuardedResponse {
  response: IncomingMessage;
  /** Where the body came from, after redirects. */
  url: URL;
  redirects: number;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * A `lookup` that refuses a name when any address it resolves to is refused (and not
 * allowed by address), else hands exactly the addresses it checked to the connection.
 */
function guardedLookup(source: string, policy: ImportPolicy, port: string): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(
      hostname,
      { all: true, family: options.family ?? 0, hints: options.hints ?? 0 },
      (err, addresses) => {
        if (err) return callback(err, "");
        const range = addresses
          .filter((a) => !addressAllowed(a.address, port, policy))
          .map((a) => refusedRange(a.address))
          .find((r) => r !== undefined);
        const first = addresses[0];
        if (range || !first) {
          const refusal = new ImportAddressRefusedError(
            source,
            range
              ? `${hostname} resolves to a refused address (${range})`
              : `${hostname} resolves to no address`,
          );
          return callback(refusal as unknown as NodeJS.ErrnoException, "");
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
    );
  };
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** A URL's user info as Basic credentials (`user:password`, decoded). */
function credentialsOf(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return `${decoded(url.username)}:${decoded(url.password)}`;
}

function get(
  url: URL,
  options: {
    headers: Record<string, string>;
    auth: string | undefined;
    signal: AbortSignal;
    lookup?: LookupFunction;
  },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const named = Object.keys(options.headers).some((k) => k.toLowerCase() === "user-agent");
    const headers = named ? options.headers : { "user-agent": "bulwark-import", ...options.headers };
    const req = send(
      url,
      {
        method: "GET",
        agent: false,
        headers,
        signal: options.signal,
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
}

/** GETs `start`, following redirects, each hop checked against the policy before it connects. */
export async function guardedGet(start: URL, options: GuardedGetOptions): Promise<GuardedResponse> {
  const first = redactUrl(start);
  let url = start;
  for (let hop = 0; ; hop++) {
    const shown = hop === 0 ? first : `${first} (redirected to ${redactUrl(url)})`;
    checkUrl(url, options.policy, shown);
    const sameOrigin = url.origin === start.origin;
    const response = await get(url, {
      headers: sameOrigin ? options.headers : {},
      auth: credentialsOf(url) ?? (sameOrigin ? credentialsOf(start) : undefined),
      signal: options.signal,
      ...(hostAllowed(url, options.policy)
        ? {}
        : { lookup: guardedLookup(shown, options.policy, portOf(url)) }),
    });
    const location = response.headers.location;
    if (!REDIRECT.has(response.statusCode ?? 0) || !location) return { response, url, redirects: hop };
    response.destroy();
    if (hop >= options.maxRedirects)
      throw new ImportFailedError(`${first} redirected more than ${options.maxRedirects} times`, {
        source: first,
      });
    try {
      url = new URL(location, url);
    } catch {
      throw new ImportFailedError(`${shown} redirected to something that is not a URL`, { source: first });
    }
  }
}
