/**
 * What a dataset version says about personal data: whether its rows hold any (none,
 * redacted on import, present, or unknown for datasets made before anyone asked), on which
 * legal basis and for which purpose they are kept, and, when the import scanned or redacted
 * them, how many findings of each kind there were (counts only, never a value). Stored in
 * the manifest beside the rows and in the catalogue row; training reads it before it trains.
 */
import { ValidationError } from "../core/errors.js";
import { REDACTION_MODES, type RedactionMode } from "../privacy/index.js";

/**
 * - none: declared free of personal data, and the import's scan found none;
 * - redacted: every row went through the redactor before it was stored;
 * - present: personal data is in the rows (found by the scan, or declared);
 * - unknown: nobody said, and the scan found nothing (or the dataset predates the question).
 */
export const PERSONAL_DATA = ["none", "redacted", "present", "unknown"] as const;
export type PersonalData = (typeof PERSONAL_DATA)[number];

/** What an importer may declare; "redacted" is what `--redact` makes, never a claim. */
export const DECLARABLE = ["none", "present"] as const;
export type DeclaredPersonalData = (typeof DECLARABLE)[number];

/** The lawful bases of GDPR Art. 6(1), (a) to (f); a legal basis may also be free text. */
export const LEGAL_BASES = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
] as const;

const MAX_NOTE_CHARS = 500;

/** What the import's scan or redaction found, by kind: counts, never values. */
export interface PiiTally {
  /** Rows with at least one finding. */
  rows: number;
  /** Findings by kind (`email`, `card`...), largest first. */
  byType: Record<string, number>;
  /** Rows that redaction (mode `remove`) left without text, and so were not stored. */
  emptied?: number;
}

export interface DatasetPrivacy {
  personalData: PersonalData;
  /** A GDPR Art. 6 basis (`consent`, ... `legitimate_interests`) or the operator's own words. */
  legalBasis: string | null;
  /** Why the rows are kept (free text). */
  purpose: string | null;
  /** With personalData "redacted" (or "present" declared over a redaction): how values were replaced. */
  redactionMode?: RedactionMode;
  /** What the import found (and, when it redacted, took out). Absent: never scanned. */
  pii?: PiiTally;
  /** Rows whose `subject` (the end user the text came from) is kept, as keyed hashes; counted on storing. */
  subjects?: number;
}

/** Datasets made before the privacy block existed, and the bundled corpus's sources before review. */
export const UNKNOWN_PRIVACY: DatasetPrivacy = { personalData: "unknown", legalBasis: null, purpose: null };

/**
 * A stored privacy block (a manifest's, a catalogue row's), read leniently: what is missing
 * or not understood reads as unknown, so older manifests and rows keep working.
 */
export function readPrivacy(value: unknown): DatasetPrivacy {
  if (!value || typeof value !== "object" || Array.isArray(value)) return { ...UNKNOWN_PRIVACY };
  const v = value as Record<string, unknown>;
  const personalData = (PERSONAL_DATA as readonly unknown[]).includes(v.personalData)
    ? (v.personalData as PersonalData)
    : "unknown";
  const out: DatasetPrivacy = {
    personalData,
    legalBasis: typeof v.legalBasis === "string" ? v.legalBasis : null,
    purpose: typeof v.purpose === "string" ? v.purpose : null,
  };
  if ((REDACTION_MODES as readonly unknown[]).includes(v.redactionMode))
    out.redactionMode = v.redactionMode as RedactionMode;
  const pii = v.pii as Partial<PiiTally> | undefined;
  if (
    pii &&
    typeof pii === "object" &&
    typeof pii.rows === "number" &&
    pii.byType &&
    typeof pii.byType === "object"
  )
    out.pii = {
      rows: pii.rows,
      byType: { ...pii.byType },
      ...(typeof pii.emptied === "number" ? { emptied: pii.emptied } : {}),
    };
  if (typeof v.subjects === "number") out.subjects = v.subjects;
  return out;
}

/** A legal basis as given: one of LEGAL_BASES (any case, spaces or hyphens for "_") or short free text. */
export function parseLegalBasis(raw: string): string {
  const text = checkNote("legal basis", raw);
  const id = text.toLowerCase().replace(/[\s-]+/g, "_");
  return (LEGAL_BASES as readonly string[]).includes(id) ? id : text;
}

export function parsePurpose(raw: string): string {
  return checkNote("purpose", raw);
}

export function parseDeclared(raw: string): DeclaredPersonalData {
  if ((DECLARABLE as readonly string[]).includes(raw)) return raw as DeclaredPersonalData;
  throw new ValidationError(
    `personal data must be declared as ${DECLARABLE.join(" or ")}, got "${raw}" ("redacted" is what --redact records)`,
  );
}

function checkNote(what: string, raw: string): string {
  const text = raw.trim();
  if (text === "" || text.length > MAX_NOTE_CHARS || /[\u0000-\u001f\u007f]/.test(text))
    throw new ValidationError(
      `the ${what} must be 1-${MAX_NOTE_CHARS} characters on one line, without control characters`,
    );
  return text;
}

const RANK: Record<PersonalData, number> = { none: 0, redacted: 1, unknown: 2, present: 3 };

/**
 * The privacy of rows taken from several datasets (a merge): the least safe status wins
 * (present over unknown over redacted over none), a basis or purpose only when all agree.
 * Subjects are counted by the catalogue on the rows it stores, not added up here.
 */
export function combinePrivacy(parts: readonly DatasetPrivacy[]): DatasetPrivacy {
  if (parts.length === 0) return { ...UNKNOWN_PRIVACY };
  const worst = parts.reduce((a, b) => (RANK[b.personalData] > RANK[a.personalData] ? b : a));
  const same = (pick: (p: DatasetPrivacy) => string | null): string | null => {
    const first = pick(parts[0]!);
    return parts.every((p) => pick(p) === first) ? first : null;
  };
  const out: DatasetPrivacy = {
    personalData: worst.personalData,
    legalBasis: same((p) => p.legalBasis),
    purpose: same((p) => p.purpose),
  };
  const mode = same((p) => p.redactionMode ?? null);
  if (out.personalData === "redacted" && mode) out.redactionMode = mode as RedactionMode;
  return out;
}

/**
 * What training must say about its inputs' personal data: the refs whose rows hold some
 * ("present": refused unless allowed), and those nobody declared ("unknown": allowed,
 * warned about). The bundled corpus is not warned about: its sources are documented one
 * by one in data/SOURCES.md, and a warning at every default training would teach people
 * to read past it.
 */
export function trainingPrivacy(
  inputs: readonly {
    ref: string;
    kind: string;
    lineage: { name: string; version: number | null };
    privacy: DatasetPrivacy;
  }[],
): { present: string[]; unknown: string[] } {
  // name@version, whatever the caller wrote (a job resolves references to ids first).
  const name = (i: (typeof inputs)[number]) =>
    i.kind === "dataset" && i.lineage.version ? `${i.lineage.name}@${i.lineage.version}` : i.ref;
  return {
    present: inputs.filter((i) => i.privacy.personalData === "present").map(name),
    unknown: inputs.filter((i) => i.privacy.personalData === "unknown" && i.kind !== "bundled").map(name),
  };
}
