/**
 * `bulwark feedback add|ls|show|review`: reports of wrong verdicts on the configured
 * database. Whoever runs the command has the database, so it sees and reviews every
 * report; what it files and decides is audited under its actor (`cli:<OS user>` or
 * BULWARK_ACTOR), as the API audits its callers.
 */
import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import { ValidationError, describeError } from "../../core/errors.js";
import type { Category } from "../../detect/types.js";
import { feedbackFiledAuditEntry, feedbackReviewAuditEntry } from "../../feedback/audit.js";
import { FeedbackStore, withoutText } from "../../feedback/store.js";
import type { FeedbackStatus, FeedbackSummary } from "../../feedback/types.js";
import { withAdmin, type AdminContext } from "../../server/admin.js";
import { openPrivacy, type Privacy } from "../../app/privacy.js";
import { loadServiceSettings } from "../../app/settings.js";
import { table } from "../format.js";
import { printJson, printLine, TextBlock } from "../output.js";

const storeOf = (a: AdminContext, privacy?: Privacy) =>
  new FeedbackStore(a.db, { maxTextChars: a.config.server.maxTextChars, privacy });

/** The file's text exactly as written; bytes that are not UTF-8 are refused, not replaced. */
async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = file === "-" ? await buffer(process.stdin) : await readFile(file);
  } catch (err) {
    throw new ValidationError(`cannot read ${file}: ${describeError(err)}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(`${file === "-" ? "stdin" : file} is not UTF-8 text`);
  }
}

function describeLabel(label: 0 | 1): string {
  return label === 0 ? "0 (false positive)" : "1 (missed attack)";
}

function describeReport(r: FeedbackSummary): string[] {
  return [
    `report     ${r.id} (${r.status}${r.usedBy ? `, used by ${r.usedBy}` : ""})`,
    `request    ${r.requestId}`,
    `label      ${describeLabel(r.label)}${r.category ? `, ${r.category}` : ""}`,
    `reporter   ${r.reporterName}, ${r.createdAt.slice(0, 19)}`,
    `text       ${r.textLength} characters, sha256 ${r.textSha256}`,
    ...(r.note ? [`note       ${r.note}`] : []),
    ...(r.reviewer ? [`reviewed   by ${r.reviewer}, ${r.reviewedAt?.slice(0, 19) ?? ""}`] : []),
    ...(r.reviewNote ? [`review     ${r.reviewNote}`] : []),
  ];
}

export async function feedbackAdd(opts: {
  requestId: string;
  label: "0" | "1";
  text?: string;
  file?: string;
  category?: Category;
  note?: string;
  subject?: string;
  json?: boolean;
}): Promise<void> {
  if (opts.text === undefined && opts.file === undefined)
    throw new ValidationError("give the text that was screened with --text TEXT or --file FILE");
  const text = opts.text ?? (await readText(opts.file!));
  const settings = loadServiceSettings();
  await withAdmin(async (a) => {
    // Redacted and hashed with the service's own key, as a report filed over the API.
    const privacy = await openPrivacy(a.db.db, settings.privacy);
    const filed = await storeOf(a, privacy).file(
      {
        requestId: opts.requestId,
        label: opts.label === "1" ? 1 : 0,
        text,
        category: opts.category,
        note: opts.note,
        subject: opts.subject,
      },
      { id: a.actor, name: a.actor },
    );
    if (filed.created) await a.audit.record(feedbackFiledAuditEntry(a.actor, filed));
    if (opts.json) return printJson({ ...withoutText(filed.report), created: filed.created });
    printLine(filed.report.id);
    process.stderr.write(
      filed.created
        ? `bulwark: report ${filed.report.id} filed; it waits for review (bulwark feedback review ${filed.report.id} --accept|--reject)\n`
        : `bulwark: you had already reported this text with this label: report ${filed.report.id} (${filed.report.status})\n`,
    );
  });
}

export async function feedbackList(opts: {
  status?: FeedbackStatus;
  label?: "0" | "1";
  limit?: number;
  json?: boolean;
}): Promise<void> {
  await withAdmin(async (a) => {
    const reports = await storeOf(a).list(
      { all: true },
      {
        status: opts.status,
        label: opts.label === undefined ? undefined : opts.label === "1" ? 1 : 0,
        limit: opts.limit,
      },
    );
    if (opts.json) return printJson(reports);
    if (reports.length === 0) return printLine("no feedback reports");
    printLine(
      table(
        ["id", "status", "label", "category", "request", "reporter", "created", "text"],
        reports.map((r) => [
          r.id,
          r.usedBy ? `${r.status}, used` : r.status,
          String(r.label),
          r.category ?? "-",
          r.requestId,
          r.reporterName,
          r.createdAt.slice(0, 19),
          r.preview.length > 48 ? `${r.preview.slice(0, 47)}…` : r.preview,
        ]),
      ),
    );
  });
}

export async function feedbackShow(id: string, opts: { json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const report = await storeOf(a).get(id, { all: true });
    if (opts.json) return printJson(report);
    printLine(new TextBlock([...describeReport(report), "", ...report.text.split("\n")]));
  });
}

export async function feedbackReview(
  id: string,
  opts: { accept?: boolean; reject?: boolean; category?: Category; note?: string; json?: boolean },
): Promise<void> {
  if (!opts.accept && !opts.reject) throw new ValidationError("say --accept or --reject");
  await withAdmin(async (a) => {
    const reviewed = await storeOf(a).review(
      id,
      { decision: opts.accept ? "accepted" : "rejected", note: opts.note, category: opts.category },
      a.actor,
    );
    await a.audit.record(feedbackReviewAuditEntry(a.actor, reviewed));
    if (opts.json) return printJson(withoutText(reviewed.report));
    printLine(`${reviewed.report.id} ${reviewed.report.status} (was ${reviewed.previous})`);
  });
}
