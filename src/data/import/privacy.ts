/**
 * The import's privacy pass, row by row before a row is stored: with `redact`, the text goes
 * through the application's redactor and only the redacted text is kept; without, the text
 * is scanned, so the manifest can say personal data is present. An end user's `subject`
 * is kept only as the application's keyed hash. What was found is counted by kind, never
 * kept. The rule for a declaration the rows contradict, and why, is in `result()` and
 * PersonalDataFoundError.
 */
import { ValidationError } from "../../core/errors.js";
import { findPii, type PiiFinding, type RedactionMode, type Redactor } from "../../privacy/index.js";
import { PersonalDataFoundError } from "../errors.js";
import type { DatasetPrivacy, DeclaredPersonalData } from "../privacy.js";
import type { Sample } from "../sample.js";

/** What the application lends an import (src/app/privacy.ts): its redactors and subject hash. */
export interface PrivacyKit {
  redactorFor(mode: RedactionMode): Redactor;
  subject(id: string): string;
}

export interface ImportPrivacyOptions {
  /** Redact every row's text this way before it is stored; absent: scan only. */
  redact?: RedactionMode | undefined;
  /** What the importer says about the rows; "none" is checked against the scan. */
  declared?: DeclaredPersonalData | undefined;
  legalBasis?: string | undefined;
  purpose?: string | undefined;
}

export class ImportPrivacyPass {
  private readonly redactor: Redactor | undefined;
  private readonly byType = new Map<string, number>();
  private rowsWithPii = 0;
  private emptied = 0;

  constructor(
    private readonly kit: PrivacyKit | undefined,
    private readonly options: ImportPrivacyOptions = {},
  ) {
    if (options.redact) {
      if (!kit)
        throw new Error("importData: redaction needs the application's privacy kit (options.privacy)");
      this.redactor = kit.redactorFor(options.redact);
    }
  }

  /**
   * The row as it is to be stored, or undefined when redaction left no text (a row that was
   * only an address, in `remove` mode): such a row is counted, not stored. `where` names
   * the row ("file:12") in a refusal.
   */
  apply(sample: Sample, where: () => string): Sample | undefined {
    let out = sample;
    let findings: PiiFinding[];
    if (this.redactor) {
      const r = this.redactor.redact(sample.text);
      findings = r.findings;
      if (findings.length) out = { ...out, text: r.text };
    } else findings = findPii(sample.text);
    if (findings.length) {
      this.rowsWithPii++;
      for (const f of findings) this.byType.set(f.type, (this.byType.get(f.type) ?? 0) + 1);
      if (!this.redactor && this.options.declared === "none")
        throw new PersonalDataFoundError(where(), findings[0]!.type);
    }
    if (out.subject !== undefined) {
      if (!this.kit)
        throw new ValidationError(
          `${where()}: a row names its subject, which is kept only as the application's keyed hash: import it with \`bulwark data import\` or POST /v1/datasets/import`,
        );
      out = { ...out, subject: this.kit.subject(out.subject) };
    }
    if (out.text.trim() === "") {
      this.emptied++;
      return undefined;
    }
    return out;
  }

  /**
   * The manifest's privacy block. A declaration of "present" always stands (the detectors
   * do not find every kind, names least of all); else redacted rows read "redacted";
   * else what the scan found: "present" when it found anything, "none" when the importer
   * declared so (a contradicted "none" was refused in `apply`), "unknown" when nobody said.
   */
  result(): DatasetPrivacy {
    const { redact, declared } = this.options;
    const found = this.rowsWithPii > 0;
    const personalData =
      declared === "present" ? "present" : redact ? "redacted" : found ? "present" : (declared ?? "unknown");
    return {
      personalData,
      legalBasis: this.options.legalBasis ?? null,
      purpose: this.options.purpose ?? null,
      ...(redact ? { redactionMode: redact } : {}),
      pii: {
        rows: this.rowsWithPii,
        byType: Object.fromEntries([...this.byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
        ...(this.emptied ? { emptied: this.emptied } : {}),
      },
    };
  }
}
