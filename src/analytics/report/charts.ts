/**
 * The report's charts as SVG strings, drawn on the server: d3-scale for the scales and
 * their ticks, d3-shape for the paths, nothing that needs a browser. Each chart carries a
 * <title> and a <desc> that says in words what it shows (screen readers, and readers of a
 * file whose images did not load), labelled axes, and colours from the Okabe-Ito palette,
 * which stays distinct for the common colour-vision deficiencies. Lines are drawn straight
 * between buckets: a smoothed curve would show values that were never measured.
 */
import { scaleBand, scaleLinear, scaleUtc } from "d3-scale";
import { area, line } from "d3-shape";
import type { Bucket } from "../aggregates.js";
import type { Count, ReportData, VolumePoint } from "./data.js";
import { el, escapeXml, text } from "./svg.js";

export interface Chart {
  /** A short name, used as the file name (`volume.svg`) and for element ids. */
  id: string;
  title: string;
  /** What the chart shows, in words. */
  description: string;
  svg: string;
}

const WIDTH = 720;
const HEIGHT = 280;
const M = { top: 34, right: 24, bottom: 48, left: 64 };
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const C = {
  text: "#1f2933",
  muted: "#52606d",
  grid: "#d9dee3",
  requests: "#0072B2",
  flagged: "#D55E00",
  marker: "#7A4A9A",
  category: "#0072B2",
  technique: "#D55E00",
};
const BAR_ROW = 26;
const LABEL_CHARS = 34;
/** Dots on the rate curve while there are few enough to tell apart. */
const MAX_DOTS = 200;

const BUCKET_WORD: Record<Bucket, string> = { hour: "hour", day: "day", week: "week" };
const STEP_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

export function reportCharts(data: ReportData): Chart[] {
  const charts = [volumeChart(data), rateChart(data)];
  if (data.categories.length > 0)
    charts.push(
      barChart({
        id: "categories",
        title: "Events by category",
        description: `Detection events by verdict category from ${data.range.from} to ${data.range.to}: ${listed(data.categories)}.`,
        items: data.categories,
        colour: C.category,
        axis: "events",
      }),
    );
  if (data.techniques.length > 0)
    charts.push(
      barChart({
        id: "techniques",
        title: "Top techniques seen",
        description: `Obfuscation signals and payload decoders seen in screened texts from ${data.range.from} to ${data.range.to}: ${listed(data.techniques)}.`,
        items: data.techniques,
        colour: C.technique,
        axis: "flagged events",
      }),
    );
  return charts;
}

function listed(items: Count[]): string {
  return items.map((i) => `${i.id} ${i.count}`).join(", ");
}

function frame(id: string, title: string, description: string, height: number, body: string[]): string {
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width: WIDTH,
      height,
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      "font-family": FONT,
      "font-size": 12,
    },
    el("title", { id: `${id}-title` }, escapeXml(title)),
    el("desc", { id: `${id}-desc` }, escapeXml(description)),
    el("rect", { width: WIDTH, height, fill: "#ffffff" }),
    text({ x: M.left, y: 18, "font-size": 14, "font-weight": "bold", fill: C.text }, title),
    ...body,
  );
}

/** The time axis shared by the curves: bucket starts from the first to the last. */
function timeScale(points: VolumePoint[], bucket: Bucket) {
  const first = Date.parse(points[0]?.start ?? new Date(0).toISOString());
  const last = Math.max(Date.parse(points.at(-1)?.start ?? ""), first + STEP_MS[bucket]) || first + 1;
  return scaleUtc()
    .domain([new Date(first), new Date(last)])
    .range([M.left, WIDTH - M.right]);
}

function timeAxis(x: ReturnType<typeof timeScale>, bucket: Bucket): string[] {
  const bottom = HEIGHT - M.bottom;
  const ticks = x.ticks(bucket === "hour" ? 8 : 7);
  return [
    el("line", { x1: M.left, x2: WIDTH - M.right, y1: bottom, y2: bottom, stroke: C.muted }),
    ...ticks.map((t, i) =>
      el(
        "g",
        { transform: `translate(${x(t)},${bottom})` },
        el("line", { y2: 5, stroke: C.muted }),
        text(
          // The last label ends at its tick rather than running off the edge.
          { y: 18, "text-anchor": x(t) > WIDTH - M.right - 40 ? "end" : "middle", fill: C.text },
          tickLabel(t, bucket, i === 0),
        ),
      ),
    ),
    text(
      { x: (M.left + WIDTH - M.right) / 2, y: HEIGHT - 8, "text-anchor": "middle", fill: C.muted },
      `time (UTC, one point per ${BUCKET_WORD[bucket]})`,
    ),
  ];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A time tick in UTC, in words that do not depend on the server's locale: `Nov 29` for
 * days, `18:00` for hours (with the date on the first tick and at midnight), `Jan 2026`
 * for the first of a month in weekly charts, which span months or years.
 */
export function tickLabel(t: Date, bucket: Bucket, first: boolean): string {
  const day = `${MONTHS[t.getUTCMonth()]} ${t.getUTCDate()}`;
  if (bucket === "week" && t.getUTCDate() === 1) return `${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}`;
  if (bucket !== "hour") return day;
  const hour = `${String(t.getUTCHours()).padStart(2, "0")}:00`;
  if (first) return `${day} ${hour}`;
  return t.getUTCHours() === 0 ? day : hour;
}

function valueAxis(
  y: ReturnType<typeof scaleLinear<number, number>>,
  label: string,
  percent = false,
): string[] {
  const format = percent ? y.tickFormat(5, "~%") : y.tickFormat(5, "~s");
  const ticks = y.ticks(5);
  const middle = (M.top + HEIGHT - M.bottom) / 2;
  return [
    ...ticks.map((t) =>
      el(
        "g",
        { transform: `translate(0,${y(t)})` },
        el("line", { x1: M.left, x2: WIDTH - M.right, stroke: C.grid }),
        text({ x: M.left - 6, dy: "0.32em", "text-anchor": "end", fill: C.text }, format(t)),
      ),
    ),
    text({ transform: `translate(16,${middle}) rotate(-90)`, "text-anchor": "middle", fill: C.muted }, label),
  ];
}

function legend(entries: { label: string; colour: string; dashed?: boolean }[]): string {
  let x = WIDTH - M.right;
  const items: string[] = [];
  for (const e of [...entries].reverse()) {
    const w = 28 + e.label.length * 7;
    x -= w;
    items.push(
      el(
        "g",
        { transform: `translate(${x},14)` },
        el("line", {
          x1: 0,
          x2: 18,
          stroke: e.colour,
          "stroke-width": 3,
          "stroke-dasharray": e.dashed ? "5 3" : undefined,
        }),
        text({ x: 24, dy: "0.32em", fill: C.text }, e.label),
      ),
    );
  }
  return el("g", { "aria-hidden": "true" }, ...items);
}

function volumeChart(data: ReportData): Chart {
  const { volume, bucket, summary } = data;
  const x = timeScale(volume, bucket);
  const max = Math.max(1, ...volume.map((p) => p.requests));
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const at = (p: VolumePoint) => x(new Date(p.start));
  const peak = volume.reduce<VolumePoint | undefined>(
    (a, p) => (!a || p.requests > a.requests ? p : a),
    undefined,
  );
  const description =
    `Texts screened and texts flagged per ${bucket} from ${data.range.from} to ${data.range.to}: ` +
    `${summary.requests} screened, ${summary.flagged} flagged` +
    (peak && peak.requests > 0 ? `; the busiest ${bucket} began ${peak.start} with ${peak.requests}.` : ".");
  const series = (key: "requests" | "flagged", colour: string) => [
    el("path", {
      d:
        area<VolumePoint>()
          .x(at)
          .y0(y(0))
          .y1((p) => y(p[key]))(volume) ?? "",
      fill: colour,
      "fill-opacity": 0.15,
      stroke: "none",
    }),
    el("path", {
      "data-series": key,
      d:
        line<VolumePoint>()
          .x(at)
          .y((p) => y(p[key]))(volume) ?? "",
      fill: "none",
      stroke: colour,
      "stroke-width": 2,
    }),
  ];
  return {
    id: "volume",
    title: "Volume: texts screened and flagged",
    description,
    svg: frame("volume", "Volume: texts screened and flagged", description, HEIGHT, [
      ...valueAxis(y, `texts per ${bucket}`),
      ...timeAxis(x, bucket),
      ...series("requests", C.requests),
      ...series("flagged", C.flagged),
      legend([
        { label: "screened", colour: C.requests },
        { label: "flagged", colour: C.flagged },
      ]),
    ]),
  };
}

function rateChart(data: ReportData): Chart {
  const { volume, bucket, summary } = data;
  const x = timeScale(volume, bucket);
  const rates = volume.flatMap((p) => (p.rate === null ? [] : [p.rate]));
  const top = Math.max(0.01, summary.flaggedRate, ...rates);
  const y = scaleLinear()
    .domain([0, Math.min(1, top * 1.1)])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const at = (p: VolumePoint) => x(new Date(p.start));
  const [x0, x1] = x.domain().map((d) => d.getTime()) as [number, number];
  const changes = data.modelChanges.changes.filter(
    (c) => c.to === "production" && Date.parse(c.at) >= x0 && Date.parse(c.at) <= x1 + STEP_MS[bucket],
  );
  const average = y(summary.flaggedRate);
  const description =
    `Share of screened texts that were flagged, per ${bucket}, from ${data.range.from} to ${data.range.to}; ` +
    `${percent(summary.flaggedRate)} over the whole range (dashed line)` +
    (changes.length > 0
      ? `; vertical lines mark production changes: ${changes.map((c) => `${c.model}@${c.version} (${c.action}, ${c.at})`).join(", ")}.`
      : ".");
  const defined = volume.filter((p) => p.rate !== null);
  return {
    id: "flagged-rate",
    title: "Attack rate: share of texts flagged",
    description,
    svg: frame("flagged-rate", "Attack rate: share of texts flagged", description, HEIGHT, [
      ...valueAxis(y, "flagged share", true),
      ...timeAxis(x, bucket),
      el("line", {
        "data-series": "average",
        x1: M.left,
        x2: WIDTH - M.right,
        y1: average,
        y2: average,
        stroke: C.muted,
        "stroke-dasharray": "5 3",
      }),
      ...changes.map((c) => {
        const cx = Math.min(WIDTH - M.right, x(new Date(c.at)));
        return el(
          "g",
          { "data-marker": `${c.model}@${c.version}` },
          el("line", {
            x1: cx,
            x2: cx,
            y1: M.top,
            y2: HEIGHT - M.bottom,
            stroke: C.marker,
            "stroke-width": 1.5,
            "stroke-dasharray": "2 2",
          }),
          text(
            // Near the right edge the label reads leftwards from its line.
            cx > WIDTH - 220
              ? { x: cx - 4, y: M.top + 10, "text-anchor": "end", fill: C.marker }
              : { x: cx + 4, y: M.top + 10, fill: C.marker },
            `${c.action === "rollback" ? "rolled back to" : "promoted"} ${c.model}@${c.version}`,
          ),
        );
      }),
      el("path", {
        "data-series": "flagged-rate",
        d:
          line<VolumePoint>()
            .defined((p) => p.rate !== null)
            .x(at)
            .y((p) => y(p.rate ?? 0))(volume) ?? "",
        fill: "none",
        stroke: C.flagged,
        "stroke-width": 2,
      }),
      ...(defined.length <= MAX_DOTS
        ? defined.map((p) =>
            el(
              "circle",
              { cx: at(p), cy: y(p.rate!), r: 3, fill: C.flagged },
              el("title", {}, escapeXml(`${p.start}: ${percent(p.rate!)} of ${p.requests}`)),
            ),
          )
        : []),
      legend([
        { label: "flagged share", colour: C.flagged },
        { label: "whole range", colour: C.muted, dashed: true },
        ...(changes.length > 0 ? [{ label: "model change", colour: C.marker, dashed: true }] : []),
      ]),
    ]),
  };
}

interface BarSpec {
  id: string;
  title: string;
  description: string;
  items: Count[];
  colour: string;
  axis: string;
}

/** Horizontal bars, one per item, longest first: long names stay readable on the left. */
function barChart(spec: BarSpec): Chart {
  const labels = spec.items.map((i) => shorten(i.id));
  const left = Math.min(260, 16 + Math.max(...labels.map((l) => l.length)) * 7);
  const height = M.top + spec.items.length * BAR_ROW + M.bottom;
  const bottom = height - M.bottom;
  const y = scaleBand()
    .domain(spec.items.map((i) => i.id))
    .range([M.top, bottom])
    .padding(0.2);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...spec.items.map((i) => i.count))])
    .nice()
    .range([left, WIDTH - M.right - 40]);
  const format = x.tickFormat(5, "~s");
  const bars = spec.items.map((item, i) => {
    const top = y(item.id)!;
    const mid = top + y.bandwidth() / 2;
    return el(
      "g",
      {},
      el(
        "rect",
        {
          "data-id": item.id,
          x: left,
          y: top,
          width: Math.max(1, x(item.count) - left),
          height: y.bandwidth(),
          fill: spec.colour,
        },
        el("title", {}, escapeXml(`${item.id}: ${item.count}`)),
      ),
      text({ x: left - 8, y: mid, dy: "0.32em", "text-anchor": "end", fill: C.text }, labels[i]!),
      text({ x: x(item.count) + 6, y: mid, dy: "0.32em", fill: C.text }, String(item.count)),
    );
  });
  const axis = [
    el("line", { x1: left, x2: x.range()[1]!, y1: bottom, y2: bottom, stroke: C.muted }),
    ...x
      .ticks(5)
      .map((t) =>
        el(
          "g",
          { transform: `translate(${x(t)},${bottom})` },
          el("line", { y2: 5, stroke: C.muted }),
          text({ y: 18, "text-anchor": "middle", fill: C.text }, format(t)),
        ),
      ),
    text({ x: (left + x.range()[1]!) / 2, y: height - 8, "text-anchor": "middle", fill: C.muted }, spec.axis),
  ];
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    svg: frame(spec.id, spec.title, spec.description, height, [...axis, ...bars]),
  };
}

function shorten(label: string): string {
  return label.length <= LABEL_CHARS ? label : `${label.slice(0, LABEL_CHARS - 1)}…`;
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
