/**
 * The detection span of a request (when tracing is on): which model judged how many texts,
 * how many windows were scanned, which decoders and obfuscation signals fired, and the
 * verdict (flagged, category, top score). Names and counts only: no text, excerpt or
 * evidence description ever goes into an attribute.
 */
import type { Verdict } from "../../detect/types.js";
import { context, SpanStatusCode, trace, tracer, tracingEnabled, type Span } from "../../core/tracing.js";
import type { BodyRoute } from "./request-options.js";

/** Runs one request's detection inside a `detect <route>` span; `verdictsOf` reads its verdicts for the attributes. */
export async function traceDetection<T>(
  route: BodyRoute,
  run: () => Promise<T>,
  verdictsOf: (out: T) => readonly Verdict[],
): Promise<T> {
  if (!tracingEnabled()) return run();
  const span = tracer().startSpan(`detect ${route}`, { attributes: { "bulwark.detection.route": route } });
  try {
    const out = await context.with(trace.setSpan(context.active(), span), run);
    if (span.isRecording()) describe(span, verdictsOf(out)); // not for a trace sampled out
    return out;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute("error.type", typeof code === "string" ? code : "Error");
    throw err;
  } finally {
    span.end();
  }
}

function describe(span: Span, verdicts: readonly Verdict[]): void {
  let windows = 0;
  let flagged = 0;
  let score = 0;
  const categories = new Set<string>();
  const decoders = new Set<string>();
  const obfuscations = new Set<string>();
  for (const v of verdicts) {
    windows += v.windows.count;
    if (v.score > score) score = v.score;
    if (v.flagged) {
      flagged++;
      if (v.category) categories.add(v.category);
    }
    for (const e of v.evidence) {
      if (e.kind === "payload") decoders.add(e.id);
      else if (e.kind === "obfuscation") obfuscations.add(e.id);
    }
  }
  const model = verdicts[0]?.model;
  span.setAttributes({
    ...(model ? { "bulwark.model": `${model.name}@${model.version}` } : {}),
    "bulwark.detection.texts": verdicts.length,
    "bulwark.detection.windows": windows,
    "bulwark.detection.flagged": flagged > 0,
    "bulwark.detection.flagged_texts": flagged,
    "bulwark.detection.score": Math.round(score * 1e4) / 1e4,
    ...(categories.size ? { "bulwark.detection.category": [...categories].join(",") } : {}),
    ...(decoders.size ? { "bulwark.detection.decoders": [...decoders] } : {}),
    ...(obfuscations.size ? { "bulwark.detection.obfuscations": [...obfuscations] } : {}),
  });
}
