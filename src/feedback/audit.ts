/**
 * The audit entries of a report's life, the same from the API and the CLI. They name the
 * report, its label and the text's SHA-256, never the text: the trail outlives the report.
 */
import type { AuditEntry } from "../audit/sink.js";
import type { Filed, Reviewed } from "./store.js";

export function feedbackFiledAuditEntry(actor: string, filed: Filed): AuditEntry {
  const r = filed.report;
  return {
    actor,
    action: "feedback.create",
    target: `feedback:${r.id}`,
    outcome: "success",
    details: {
      requestId: r.requestId,
      label: r.label,
      category: r.category,
      textSha256: r.textSha256,
      textLength: r.textLength,
    },
  };
}

export function feedbackReviewAuditEntry(actor: string, reviewed: Reviewed): AuditEntry {
  const r = reviewed.report;
  return {
    actor,
    action: "feedback.review",
    target: `feedback:${r.id}`,
    outcome: "success",
    details: {
      decision: r.status,
      previous: reviewed.previous,
      label: r.label,
      category: r.category,
      reporter: r.reporterName,
      ...(r.reviewNote !== null ? { note: r.reviewNote } : {}),
    },
  };
}
