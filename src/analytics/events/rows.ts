/**
 * An event as the request path left it, turned into its row: this is where the work
 * happens (id, ISO time, the subject's keyed hash, truncation, redaction, PII counts,
 * JSON, the language given by the recorder), at flush time and never on the request path.
 */
import { randomBytes } from "node:crypto";
import type { DetectionEventsTable } from "../../db/schema.js";
import type { Evidence } from "../../detect/types.js";
import type { PiiFinding, Redactor } from "../../privacy/index.js";
import { headChars, type EventInput, type EventTextMode } from "./types.js";

export interface RowContext {
  text: EventTextMode;
  maxTextChars: number;
  redactor: Redactor;
  subject: (id: string) => string;
}

/** `lang` is the text's language, found by the caller (events/language.ts) or null. */
export function eventRow(
  e: EventInput,
  c: RowContext,
  id: string,
  lang: string | null = null,
): DetectionEventsTable {
  const kept = c.text !== "none" && e.text !== undefined ? keptText(e.text, c) : undefined;
  return {
    id,
    at: new Date(e.at ?? Date.now()).toISOString(),
    actor: e.actor,
    subject: e.subject ? c.subject(e.subject) : null,
    route: e.route,
    request_id: e.requestId,
    flagged: e.verdict.flagged ? 1 : 0,
    score: e.verdict.score,
    category: e.verdict.category,
    evidence: JSON.stringify(evidenceIds(e.verdict.evidence)),
    model: `${e.verdict.model.name}@${e.verdict.model.version}`,
    latency_ms: e.verdict.latencyMs,
    text_length: e.textLength,
    text_mode: c.text,
    // PostgreSQL's text cannot hold NUL: one in a text would fail its whole batch.
    text: kept ? kept.text.replace(/\0/g, "\ufffd") : null,
    pii: kept ? JSON.stringify(countTypes(kept.findings)) : "{}",
    lang,
  };
}

/**
 * What an event keeps of a text: its first maxTextChars characters, redacted (or not, in
 * `full` mode), with the personal data found there. The cut is made in the original text
 * and pushed past any finding it would split (found in a head a margin longer), so half an
 * e-mail address or card number never survives as unredacted text; only then is the
 * redacted text cut to length, which can shorten a mask but never reveal a value.
 */
export function keptText(
  text: string,
  c: Pick<RowContext, "text" | "maxTextChars" | "redactor">,
): { text: string; findings: PiiFinding[] } {
  const max = c.maxTextChars;
  const head = cut(text, headChars(max));
  const first = c.redactor.redact(head);
  if (head.length <= max) return { text: c.text === "full" ? head : first.text, findings: first.findings };
  let end = max;
  for (const f of first.findings) if (f.start < end && f.end > end) end = f.end;
  const findings = first.findings.filter((f) => f.start < end);
  if (c.text === "full") return { text: cut(text, max), findings };
  const kept = c.redactor.redact(text.slice(0, end));
  return { text: cut(kept.text, max), findings: kept.findings };
}

/**
 * Ids for the `n` events of one flush: `evt_`, the flush's time (so ids sort roughly by
 * creation, as db/ids.ts newId's do), 48 random bits drawn once for the flush, and the
 * event's place in it. newId draws random bytes per id, which cost more than all the rest
 * of an event's row (about 30 µs each on the benchmark host).
 */
export function eventIds(n: number, now = Date.now()): string[] {
  const head = `evt_${now.toString(36).padStart(9, "0")}${randomBytes(6).toString("hex")}`;
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = head + i.toString(36).padStart(4, "0");
  return ids;
}

/** Ids of the evidence, never the words a term matched (they are the user's text). */
export function evidenceIds(evidence: readonly Evidence[]): string[] {
  const ids = new Set<string>();
  for (const e of evidence) if (e.kind !== "term") ids.add(`${e.kind}:${e.id}`);
  return [...ids];
}

function countTypes(findings: readonly PiiFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.type] = (counts[f.type] ?? 0) + 1;
  return counts;
}

/** The first `n` UTF-16 code units, without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}
