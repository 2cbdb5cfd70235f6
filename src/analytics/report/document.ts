/**
 * The report as a list of neutral blocks (headings, paragraphs, tables, chart places),
 * written once from the gathered data; markdown.ts and html.ts only translate blocks, so
 * the two formats always say the same thing in the same order.
 */
import { percent } from "./charts.js";
import type { Count, ReportData } from "./data.js";
import { LISTED_FEEDBACK } from "./feedback.js";
import { LISTED_MODEL_CHANGES } from "./model-changes.js";

export type Block =
  | { kind: "heading"; level: 1 | 2; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "chart"; id: string }
  | { kind: "table"; head: string[]; rows: string[][]; numeric?: boolean[] };

const STATUSES = ["pending", "accepted", "rejected"];

export function reportBlocks(data: ReportData, chartIds: ReadonlySet<string>): Block[] {
  const s = data.summary;
  const chart = (id: string): Block[] => (chartIds.has(id) ? [{ kind: "chart", id }] : []);
  // Latencies are fractions of a millisecond apart: two decimals below 10 ms, whole ones above.
  const ms = (v: number | null) => (v === null ? "-" : `${Number(v.toFixed(v < 10 ? 2 : 0))} ms`);
  return [
    { kind: "heading", level: 1, text: "Bulwark security report" },
    {
      kind: "paragraph",
      text: `From ${data.range.from} to ${data.range.to} (UTC), one point per ${data.bucket}. Generated ${data.generatedAt}.`,
    },
    { kind: "heading", level: 2, text: "At a glance" },
    {
      kind: "table",
      head: ["measure", "value"],
      rows: [
        ["Texts screened", String(s.requests)],
        ["Flagged", String(s.flagged)],
        ["Attack rate (flagged share)", percent(s.flaggedRate)],
        ["Latency p50 / p95 / p99", `${ms(s.latency.p50)} / ${ms(s.latency.p95)} / ${ms(s.latency.p99)}`],
        ["By route", counts(s.byRoute)],
        ["By model", counts(s.byModel)],
        ["False-positive reports filed", String(sum(data.feedback.falsePositives))],
        ["Missed-attack reports filed", String(sum(data.feedback.missedAttacks))],
        ["Model stage changes", String(data.modelChanges.total)],
      ],
    },
    { kind: "heading", level: 2, text: "Volume and attack rate" },
    ...chart("volume"),
    ...chart("flagged-rate"),
    { kind: "heading", level: 2, text: "Categories" },
    ...countSection(
      data.categories,
      "category",
      "events",
      s.requests,
      "No event had a category in this range.",
    ),
    ...chart("categories"),
    { kind: "heading", level: 2, text: "Top techniques" },
    {
      kind: "paragraph",
      text: "How texts were disguised or carried: the obfuscation signals and payload decoders seen most often in screened texts.",
    },
    ...chart("techniques"),
    ...countSection(
      data.techniques,
      "technique",
      "screened texts",
      s.requests,
      "No obfuscation signal or payload decoder fired in this range.",
    ),
    { kind: "heading", level: 2, text: "Top evidence rules" },
    ...countSection(data.rules, "rule", "flagged events", s.flagged, "No rule was among the top evidence."),
    { kind: "heading", level: 2, text: "False-positive reports" },
    ...feedbackSection(data),
    { kind: "heading", level: 2, text: "Model changes" },
    ...modelSection(data),
  ];
}

/** A table of counts with each one's share of `of` (all categorised events, or all flagged ones). */
function countSection(items: Count[], what: string, unit: string, of: number, none: string): Block[] {
  if (items.length === 0) return [{ kind: "paragraph", text: none }];
  return [
    {
      kind: "table",
      head: [what, unit, unit === "events" ? "share" : "share of flagged"],
      numeric: [false, true, true],
      rows: items.map((i) => [i.id, String(i.count), of === 0 ? "-" : percent(i.count / of)]),
    },
  ];
}

function feedbackSection(data: ReportData): Block[] {
  const f = data.feedback;
  if (f.total === 0)
    return [{ kind: "paragraph", text: "No report of a wrong verdict was filed in this range." }];
  const row = (label: string, byStatus: Record<string, number>) => [
    label,
    ...STATUSES.map((st) => String(byStatus[st] ?? 0)),
    String(sum(byStatus)),
  ];
  const more = f.total > f.listed.length ? ` The newest ${LISTED_FEEDBACK} are listed.` : "";
  return [
    {
      kind: "paragraph",
      text: `Reports users filed about verdicts: a false positive is a benign text that was flagged (label 0), a missed attack one that was not (label 1). Texts stay behind the feedback API.${more}`,
    },
    {
      kind: "table",
      head: ["report", ...STATUSES, "total"],
      numeric: [false, true, true, true, true],
      rows: [
        row("false positive (benign but flagged)", f.falsePositives),
        row("missed attack", f.missedAttacks),
      ],
    },
    {
      kind: "table",
      head: ["filed", "id", "kind", "category", "status", "reporter", "reviewer"],
      rows: f.listed.map((e) => [
        e.createdAt,
        e.id,
        e.label === 0 ? "false positive" : "missed attack",
        e.category ?? "-",
        e.status,
        e.reporterName,
        e.reviewer ?? "-",
      ]),
    },
  ];
}

function modelSection(data: ReportData): Block[] {
  const m = data.modelChanges;
  if (m.total === 0) return [{ kind: "paragraph", text: "No model changed stage in this range." }];
  const more =
    m.total > m.changes.length ? ` The first ${LISTED_MODEL_CHANGES} of ${m.total} are listed.` : "";
  return [
    {
      kind: "paragraph",
      text: `Promotions, rollbacks and archivals in the registry; changes of the production version are marked on the attack-rate curve.${more}`,
    },
    {
      kind: "table",
      head: ["when", "model", "action", "stage", "by", "reason"],
      rows: m.changes.map((c) => [
        c.at,
        `${c.model}@${c.version}`,
        c.action,
        `${c.from} → ${c.to}`,
        c.actor,
        c.reason ?? "-",
      ]),
    },
  ];
}

function counts(m: Record<string, number>): string {
  return (
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "-"
  );
}

function sum(m: Record<string, number>): number {
  return Object.values(m).reduce((a, b) => a + b, 0);
}
