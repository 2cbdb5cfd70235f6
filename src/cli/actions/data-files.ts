/**
 * `bulwark data validate`: files on disk checked row by row. Apart from the other data
 * commands, which open the workspace (database and object store), so that validating a
 * file loads only the readers.
 */
import { loadConfig } from "../../core/config.js";
import { DATA_FILE_KINDS, DATA_FILE_PATTERN } from "../../data/formats.js";
import { expandInputs } from "../../data/files.js";
import { validateFiles } from "../../data/validate.js";
import { printJson, printLine } from "../output.js";

export async function dataValidate(
  files: string[],
  opts: { maxProblems: number; json?: boolean },
): Promise<void> {
  const reports = await validateFiles(
    expandInputs(files, DATA_FILE_PATTERN, DATA_FILE_KINDS),
    opts.maxProblems,
    loadConfig().data.maxLineBytes,
  );
  const ok = reports.every((r) => r.ok);
  if (opts.json) printJson({ ok, files: reports });
  else {
    for (const r of reports) {
      const head = `${r.ok ? "ok     " : "INVALID"} ${r.file} (${r.format ?? "?"}): ${r.valid} valid, ${r.invalid} invalid`;
      printLine(head);
      for (const p of r.problems) printLine(`  ${p.text}`);
      const shown = r.problems.filter((p) => p.line > 0 || p.index !== undefined).length;
      if (r.invalid > shown) printLine(`  ... ${r.invalid - shown} more (raise --max-problems)`);
      if (r.fatal) printLine(`  ${r.fatal}`);
    }
  }
  if (!ok) {
    process.exitCode = 2;
    if (!opts.json)
      process.stderr.write(
        `bulwark: ${reports.filter((r) => !r.ok).length} of ${reports.length} files are invalid\n`,
      );
  }
}
