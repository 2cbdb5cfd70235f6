/** `bulwark data ...` on datasets in the workspace: import, merge, export, list, count. */
import { openPrivacy } from "../../app/privacy.js";
import { loadImportSettings, loadServiceSettings } from "../../app/settings.js";
import { withWorkspace } from "../../app/workspace.js";
import { stderrAuditSink } from "../../audit/sink.js";
import { loadConfig } from "../../core/config.js";
import { ValidationError } from "../../core/errors.js";
import { BUNDLED, type DatasetRecord } from "../../data/dataset-record.js";
import { RULE_DESCRIPTIONS, type ConflictRule, type ExportFormat } from "../../data/choices.js";
import { exportData } from "../../data/export.js";
import { importData, parseHeader } from "../../data/import/index.js";
import { resolveInputs } from "../../data/inputs.js";
import { CountsAccumulator, type DatasetCounts } from "../../data/manifest.js";
import { mergeDatasets } from "../../data/merge.js";
import { parseDeclared, parseLegalBasis, parsePurpose, type DatasetPrivacy } from "../../data/privacy.js";
import { formatInvalid, type InvalidRow } from "../../data/problems.js";
import { REDACTION_MODES, type RedactionMode } from "../../privacy/index.js";
import { table } from "../format.js";
import { printJson, printLine } from "../output.js";

function withCli<T>(fn: Parameters<typeof withWorkspace<T>>[1]): Promise<T> {
  return withWorkspace(loadConfig(), fn, { audit: stderrAuditSink() });
}

function top(counts: Record<string, number>, n = 6): string {
  const entries = Object.entries(counts);
  const shown = entries.slice(0, n).map(([k, v]) => `${k} ${v}`);
  return entries.length > n ? `${shown.join(", ")}, ... (${entries.length} in all)` : shown.join(", ");
}

function printCounts(c: DatasetCounts): void {
  printLine(`  rows       ${c.rows} (benign ${c.label["0"] ?? 0}, attack ${c.label["1"] ?? 0})`);
  printLine(`  categories ${top(c.category)}`);
  printLine(`  languages  ${top(c.lang)}`);
  printLine(`  sources    ${top(c.source)}`);
}

function describeDataset(d: DatasetRecord): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    version: d.version,
    ref: d.ref,
    key: d.key,
    manifestKey: d.manifestKey,
    sha256: d.sha256,
    bytes: d.size,
    rows: d.rows,
    skippedRows: d.skippedRows,
    counts: d.counts,
    origin: d.origin,
    details: d.details,
    privacy: d.privacy,
    createdAt: d.createdAt,
    createdBy: d.createdBy,
  };
}

/** One line: status, how it was redacted, what was found, basis and purpose. */
export function describePrivacy(p: DatasetPrivacy): string {
  const parts = [p.redactionMode ? `${p.personalData} (${p.redactionMode})` : p.personalData];
  if (p.pii) {
    const kinds = Object.entries(p.pii.byType).map(([k, n]) => `${k} ${n}`);
    parts.push(
      kinds.length
        ? `${p.redactionMode ? "took out" : "found"} ${kinds.join(", ")} in ${p.pii.rows} rows`
        : "no personal data found by the scan",
    );
    if (p.pii.emptied) parts.push(`${p.pii.emptied} rows left empty and not stored`);
  }
  if (p.subjects) parts.push(`${p.subjects} rows name their subject (hashed)`);
  if (p.legalBasis) parts.push(`legal basis: ${p.legalBasis}`);
  if (p.purpose) parts.push(`purpose: ${p.purpose}`);
  return parts.join("; ");
}

function parseRedactionMode(raw: string): RedactionMode {
  if ((REDACTION_MODES as readonly string[]).includes(raw)) return raw as RedactionMode;
  throw new ValidationError(`--redaction-mode must be one of ${REDACTION_MODES.join(", ")}, got "${raw}"`);
}

export async function dataImport(
  sources: string[],
  opts: {
    name?: string;
    header?: string[];
    filter?: string[];
    timeout: number;
    maxBytes: number;
    retries: number;
    skipInvalid?: boolean;
    redact?: boolean;
    redactionMode?: string;
    personalData?: string;
    legalBasis?: string;
    purpose?: string;
    json?: boolean;
  },
): Promise<void> {
  const settings = loadServiceSettings();
  // A mode asks for redaction by itself: taking out more than asked is the safe reading.
  const redact =
    opts.redactionMode !== undefined
      ? parseRedactionMode(opts.redactionMode)
      : opts.redact
        ? settings.privacy.redactionMode
        : undefined;
  const privacy = {
    ...(redact ? { redact } : {}),
    ...(opts.personalData !== undefined ? { declared: parseDeclared(opts.personalData) } : {}),
    ...(opts.legalBasis !== undefined ? { legalBasis: parseLegalBasis(opts.legalBasis) } : {}),
    ...(opts.purpose !== undefined ? { purpose: parsePurpose(opts.purpose) } : {}),
  };
  const headers = Object.fromEntries((opts.header ?? []).map(parseHeader));
  const filters = Object.fromEntries(
    (opts.filter ?? []).map((f) => {
      const i = f.indexOf("=");
      if (i < 1) throw new ValidationError(`--filter "${f}" must look like key=value`);
      return [f.slice(0, i), f.slice(i + 1)];
    }),
  );
  const problems: InvalidRow[] = [];
  const config = loadConfig();
  // The service's rules: an import lands in the shared catalogue, so internal hosts need the
  // operator's allow-list here too (README, Importing).
  const imports = loadImportSettings();
  const result = await withCli(async (ctx) =>
    importData(ctx.catalog, sources, {
      ...(opts.name ? { name: opts.name } : {}),
      privacyKit: await openPrivacy(ctx.db.db, settings.privacy),
      privacy,
      skipInvalid: opts.skipInvalid,
      onInvalid: (p) => {
        if (problems.length < 20) problems.push(p);
      },
      http: {
        headers,
        filters,
        timeoutMs: opts.timeout * 1000,
        maxBytes: opts.maxBytes,
        retries: opts.retries,
      },
      policy: { allowHosts: imports.allowHosts, s3Buckets: [config.storage.bucket, ...imports.s3Buckets] },
      s3: config.storage.s3,
      onSource: (location) => {
        if (!opts.json && process.stderr.isTTY) process.stderr.write(`reading ${location}\n`);
      },
    }),
  );
  const d = result.dataset;
  if (opts.json) {
    printJson({ ...describeDataset(d), skippedExamples: problems.map(formatInvalid) });
    return;
  }
  printLine(`dataset ${d.ref} (id ${d.id})`);
  printLine(`  stored     ${d.key} (${d.size} bytes, sha256 ${d.sha256})`);
  printCounts(d.counts);
  printLine(`  privacy    ${describePrivacy(d.privacy)}`);
  for (const s of result.sources)
    printLine(
      `  from       ${s.location} (${s.format ?? "?"}, ${s.rows} rows${s.invalid ? `, ${s.invalid} invalid skipped` : ""})`,
    );
  if (result.skippedRows) {
    printLine(`  skipped    ${result.skippedRows} invalid rows, e.g.:`);
    for (const p of problems.slice(0, 5)) printLine(`    ${formatInvalid(p)}`);
  }
}

export async function dataMerge(
  refs: string[],
  opts: { name: string; rule: ConflictRule; json?: boolean },
): Promise<void> {
  const { dataset, report } = await withCli(async (ctx) =>
    mergeDatasets(ctx.catalog, await resolveInputs(ctx.catalog, refs), {
      name: opts.name,
      rule: opts.rule,
    }),
  );
  if (opts.json) {
    printJson({ ...describeDataset(dataset), report });
    return;
  }
  printLine(`dataset ${dataset.ref} (id ${dataset.id})`);
  printLine(`  rows in    ${report.rowsIn} from ${report.inputs.length} inputs`);
  printLine(
    `  duplicates ${report.exactDuplicates} exact, ${report.normalisedDuplicates} after normalising (NFKC, case, spaces)`,
  );
  printLine(
    `  conflicts  ${report.conflicts} texts carried both labels; rule "${report.rule}": ${RULE_DESCRIPTIONS[report.rule]}`,
  );
  if (report.dropped) printLine(`  dropped    ${report.dropped} conflicting texts`);
  printLine(`  rows out   ${report.rowsOut}`);
  for (const c of report.conflictExamples.slice(0, 5))
    printLine(
      `    ${JSON.stringify(c.text.slice(0, 70))}: benign ${c.labels["0"]} (${c.inputs.benign}), attack ${c.labels["1"]} (${c.inputs.attack}) -> ${c.resolved ?? "dropped"}`,
    );
  if (report.conflictReportKey) printLine(`  report     ${report.conflictReportKey}`);
}

export async function dataExport(
  ref: string,
  file: string,
  opts: { format?: ExportFormat; json?: boolean },
): Promise<void> {
  const result = await withCli(async (ctx) => {
    const [input] = await resolveInputs(ctx.catalog, [ref]);
    return exportData(input!, file, opts.format ? { format: opts.format } : {});
  });
  if (opts.json) printJson(result);
  else
    printLine(
      `wrote ${result.rows} rows of ${ref} to ${result.file} (${result.format}${result.gzip ? ", gzip" : ""})`,
    );
}

export async function dataLs(name: string | undefined, opts: { json?: boolean }): Promise<void> {
  const list = await withCli((ctx) => ctx.catalog.list(name ? { name } : {}));
  if (opts.json) {
    printJson(list.map(describeDataset));
    return;
  }
  if (list.length === 0) {
    printLine("no datasets yet: add one with `bulwark data import FILE|FOLDER|URL|s3://...`");
    return;
  }
  printLine(
    table(
      ["dataset", "id", "rows", "attacks", "personal data", "sha256", "created", "origin"],
      list.map((d) => [
        d.ref,
        d.id,
        d.rows,
        d.counts.label["1"] ?? 0,
        d.privacy.redactionMode
          ? `${d.privacy.personalData} (${d.privacy.redactionMode})`
          : d.privacy.personalData,
        d.sha256.slice(0, 12),
        d.createdAt.slice(0, 19).replace("T", " "),
        d.origin.kind === "merge" ? `merge (${d.origin.rule})` : (d.origin.sources[0]?.kind ?? "?"),
      ]),
    ),
  );
}

export async function dataStats(refs: string[], opts: { json?: boolean }): Promise<void> {
  const out = await withCli(async (ctx) => {
    const results: { ref: string; sha256: string; counts: DatasetCounts }[] = [];
    for (const ref of refs) {
      const inputs = await resolveInputs(ctx.catalog, [ref]);
      for (const input of inputs) {
        if (input.kind === "dataset" || input.kind === "bundled") {
          const d = await ctx.catalog.resolve(input.kind === "bundled" ? BUNDLED : ref);
          results.push({ ref: d.ref, sha256: d.sha256, counts: d.counts });
          continue;
        }
        const acc = new CountsAccumulator();
        for await (const s of input.samples()) acc.add(s);
        results.push({ ref: input.ref, sha256: input.lineage.sha256, counts: acc.result() });
      }
    }
    return results;
  });
  if (opts.json) {
    printJson(out);
    return;
  }
  for (const r of out) {
    printLine(`${r.ref} (sha256 ${r.sha256.slice(0, 16)}…)`);
    printCounts(r.counts);
  }
}
