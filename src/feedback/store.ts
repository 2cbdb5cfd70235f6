/**
 * The feedback table: reports are filed (once per reporter, label and text), read by their
 * reporter or by a reviewer, and reviewed. A report becomes immutable once a learning cycle
 * used it (see learning.ts), so what a model was trained on stays what was decided.
 * Given the deployment's privacy kit, a report's text is redacted before it is stored and
 * the end user it names is kept only as a keyed hash, so erasure can find it.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { ValidationError } from "../core/errors.js";
import { parseWith } from "../core/schema.js";
import { isUniqueViolation } from "../db/errors.js";
import { newId } from "../db/ids.js";
import type { DatabaseHandle } from "../db/open.js";
import type { FeedbackTable } from "../db/schema.js";
import { forUpdate, writeTransaction } from "../db/transaction.js";
import type { Category } from "../detect/types.js";
import { CategoryRequiredError, FeedbackNotFoundError, FeedbackUsedError } from "./errors.js";
import { feedbackInputSchema, ReviewInputSchema } from "./schema.js";
import {
  PREVIEW_CHARS,
  type FeedbackInput,
  type FeedbackLabel,
  type FeedbackPrivacy,
  type FeedbackReport,
  type FeedbackStatus,
  type FeedbackSummary,
  type FeedbackViewer,
  type Reporter,
  type ReviewInput,
} from "./types.js";

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

export interface ListOptions {
  status?: FeedbackStatus | undefined;
  label?: FeedbackLabel | undefined;
  /** Reports after this id (ids sort by creation): the `next` of the previous page. */
  after?: string | undefined;
  limit?: number | undefined;
}

export interface Filed {
  report: FeedbackReport;
  /** False when the reporter had already filed this text with this label: that report is returned. */
  created: boolean;
}

export interface Reviewed {
  report: FeedbackReport;
  previous: FeedbackStatus;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The first characters of a text, counted in code points as SQL's substr counts them. */
function previewOf(text: string): string {
  return Array.from(text.slice(0, PREVIEW_CHARS * 2))
    .slice(0, PREVIEW_CHARS)
    .join("");
}

type SummaryRow = Omit<FeedbackTable, "text" | "subject"> & { preview: string };

function toSummary(row: SummaryRow): FeedbackSummary {
  return {
    id: row.id,
    requestId: row.request_id,
    reporter: row.reporter,
    reporterName: row.reporter_name,
    label: Number(row.label) as FeedbackLabel,
    category: row.category as Category | null,
    textSha256: row.text_sha256,
    textLength: Number(row.text_length),
    preview: row.preview,
    note: row.note,
    status: row.status as FeedbackStatus,
    reviewer: row.reviewer,
    reviewNote: row.review_note,
    reviewedAt: row.reviewed_at,
    usedBy: row.used_by,
    createdAt: row.created_at,
  };
}

export function toReport(row: FeedbackTable): FeedbackReport {
  return { ...toSummary({ ...row, preview: previewOf(row.text) }), text: row.text };
}

/** A report without its text: what answers a filing or a review (the caller has the text). */
export function withoutText(report: FeedbackReport): FeedbackSummary {
  const { text: _text, ...summary } = report;
  return summary;
}

const SUMMARY_COLUMNS = [
  "id",
  "request_id",
  "reporter",
  "reporter_name",
  "label",
  "category",
  "text_sha256",
  "text_length",
  "note",
  "status",
  "reviewer",
  "review_note",
  "reviewed_at",
  "used_by",
  "created_at",
] as const;

export class FeedbackStore {
  private readonly inputSchema: ReturnType<typeof feedbackInputSchema>;

  private readonly privacy: FeedbackPrivacy | undefined;

  /**
   * `maxTextChars`: the detection input limit (BULWARK_MAX_TEXT_CHARS); `privacy`: the
   * redactor and subject hash every service path passes (without it, texts are kept as
   * sent and reports naming a subject are refused).
   */
  constructor(
    private readonly handle: DatabaseHandle,
    options: { maxTextChars: number; privacy?: FeedbackPrivacy | undefined },
  ) {
    this.inputSchema = feedbackInputSchema(options.maxTextChars);
    this.privacy = options.privacy;
  }

  /** Files a report, or returns the reporter's earlier report of the same text and label. */
  async file(input: FeedbackInput, reporter: Reporter): Promise<Filed> {
    const given = parseWith(this.inputSchema, stripUndefined(input), "feedback");
    if (given.text.trim() === "")
      throw new ValidationError("the text is blank: send the text that was screened");
    if (given.label === 0 && given.category !== undefined)
      throw new ValidationError(
        "category names an attack: leave it out for a false positive (label 0), whose text is benign",
      );
    if (given.subject !== undefined && !this.privacy)
      throw new ValidationError("this store keeps no subjects: it was opened without the privacy kit");
    const text = this.privacy ? this.privacy.redactor.redact(given.text).text : given.text;
    if (text.trim() === "")
      throw new ValidationError(
        "the text holds nothing but personal data, which is removed before a report is kept: send the text around it",
      );
    const row: FeedbackTable = {
      id: newId("fb"),
      request_id: given.requestId,
      reporter: reporter.id,
      reporter_name: reporter.name,
      label: given.label,
      category: given.category ?? null,
      text,
      text_sha256: sha256Hex(text),
      text_length: text.length,
      note: given.note ?? null,
      status: "pending",
      reviewer: null,
      review_note: null,
      reviewed_at: null,
      used_by: null,
      created_at: new Date().toISOString(),
      subject: given.subject !== undefined ? this.privacy!.subject(given.subject) : null,
    };
    try {
      await this.handle.db.insertInto("feedback").values(row).execute();
      return { report: toReport(row), created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const existing = await this.handle.db
      .selectFrom("feedback")
      .selectAll()
      .where("reporter", "=", row.reporter)
      .where("label", "=", row.label)
      .where("text_sha256", "=", row.text_sha256)
      .executeTakeFirstOrThrow();
    return { report: toReport(existing), created: false };
  }

  /** One report, if it exists and the viewer may see it; else FEEDBACK_NOT_FOUND. */
  async get(id: string, viewer: FeedbackViewer): Promise<FeedbackReport> {
    let q = this.handle.db.selectFrom("feedback").selectAll().where("id", "=", id);
    if (!viewer.all) q = q.where("reporter", "=", viewer.reporter);
    const row = await q.executeTakeFirst();
    if (!row) throw new FeedbackNotFoundError(id);
    return toReport(row);
  }

  /** The reports the viewer may see, oldest first, without their texts (a preview instead). */
  async list(viewer: FeedbackViewer, options: ListOptions = {}): Promise<FeedbackSummary[]> {
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    let q = this.handle.db
      .selectFrom("feedback")
      .select(SUMMARY_COLUMNS)
      // substr counts characters (code points) on both dialects.
      .select(sql<string>`substr(${sql.ref("text")}, 1, ${sql.lit(PREVIEW_CHARS)})`.as("preview"));
    if (!viewer.all) q = q.where("reporter", "=", viewer.reporter);
    if (options.status) q = q.where("status", "=", options.status);
    if (options.label !== undefined) q = q.where("label", "=", options.label);
    if (options.after) q = q.where("id", ">", options.after);
    const rows = await q.orderBy("id").limit(limit).execute();
    return rows.map(toSummary);
  }

  /**
   * Accepts or rejects a report, again if need be, until a learning cycle has used it. An
   * accepted missed attack needs a category (given now, if the reporter gave none): the
   * model learns categories too.
   */
  async review(id: string, input: ReviewInput, reviewer: string): Promise<Reviewed> {
    const given = parseWith(ReviewInputSchema, stripUndefined(input), "review");
    return writeTransaction(this.handle, async (tx) => {
      let q = tx.selectFrom("feedback").selectAll().where("id", "=", id);
      if (forUpdate(this.handle)) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw new FeedbackNotFoundError(id);
      if (row.used_by !== null) throw new FeedbackUsedError(id, row.used_by);
      if (Number(row.label) === 0 && given.category !== undefined)
        throw new ValidationError(
          "category names an attack: a false-positive report (label 0) is benign and takes none",
        );
      const category = given.category ?? row.category;
      if (given.decision === "accepted" && Number(row.label) === 1 && category === null)
        throw new CategoryRequiredError(id);
      const changes = {
        status: given.decision,
        category,
        reviewer,
        review_note: given.note ?? null,
        reviewed_at: new Date().toISOString(),
      };
      await tx.updateTable("feedback").set(changes).where("id", "=", id).execute();
      return { report: toReport({ ...row, ...changes }), previous: row.status as FeedbackStatus };
    });
  }
}

/** Optional fields left undefined by a caller are absent to the schema check. */
function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
