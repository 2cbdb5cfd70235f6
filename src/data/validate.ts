/**
 * `validateFiles`: reads every row of every file and reports every problem (not only the
 * first), each naming the file and the line or sample index, the field and what was
 * expected. Nothing is stored.
 */
import { describeError, isBulwarkError } from "../core/errors.js";
import { emptySummary, readDataFile, type DataFormat } from "./formats.js";
import { CountsAccumulator, type DatasetCounts } from "./manifest.js";
import { formatInvalid, type InvalidRow } from "./problems.js";

export interface FileValidation {
  file: string;
  format: DataFormat | undefined;
  valid: number;
  invalid: number;
  sha256: string;
  counts: DatasetCounts;
  /** Up to `maxProblems` per file, in file order. */
  problems: (InvalidRow & { text: string })[];
  /** A problem that stopped the read (broken envelope, unreadable file). */
  fatal?: string;
  ok: boolean;
}

export async function validateFile(
  file: string,
  maxProblems = 100,
  maxLineBytes?: number,
): Promise<FileValidation> {
  const summary = emptySummary();
  const problems: FileValidation["problems"] = [];
  const counts = new CountsAccumulator();
  let fatal: string | undefined;
  try {
    const rows = readDataFile(
      file,
      {
        skipInvalid: true,
        ...(maxLineBytes ? { maxLineBytes } : {}),
        onInvalid: (p) => {
          if (problems.length < maxProblems) problems.push({ ...p, text: formatInvalid(p) });
        },
      },
      summary,
    );
    for await (const s of rows) counts.add(s);
  } catch (err) {
    // Envelope header problems were reported through onInvalid already; others stop the read.
    if (!(isBulwarkError(err) && problems.some((p) => p.text === err.message))) fatal = describeError(err);
  }
  const headerProblems = problems.filter((p) => p.line === 0).length;
  return {
    file,
    format: summary.format,
    valid: summary.rows,
    invalid: summary.invalid,
    sha256: summary.sha256,
    counts: counts.result(),
    problems,
    ...(fatal ? { fatal } : {}),
    ok: !fatal && summary.invalid === 0 && headerProblems === 0,
  };
}

export async function validateFiles(
  files: string[],
  maxProblems = 100,
  maxLineBytes?: number,
): Promise<FileValidation[]> {
  const out: FileValidation[] = [];
  for (const f of files) out.push(await validateFile(f, maxProblems, maxLineBytes));
  return out;
}
