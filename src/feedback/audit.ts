/**
 * The audit entries of a report's life, the same from the API and the CLI. They name the
 * report and its label, never the text nor a plain hash of it (a SHA-256 of a short text with
 * an e-mail address in it can be found again by guessing): the trail outlives the report, and
 * erasure cannot edit it.
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
