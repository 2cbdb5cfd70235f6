/**
 * Document scan: long content (an e-mail thread, a web page, a tool's output) cut into
 * overlapping windows, each screened on its own, so the answer says where in the document
 * the injection sits and what gave it away, not just that the document is suspicious.
 */
import { windows } from "../text/windows.js";
import type { Category, Detector, Evidence, Verdict } from "./types.js";

export interface WindowFinding {
  index: number;
  offset: number;
  length: number;
  score: number;
  flagged: boolean;
  category: Category | null;
  evidence: Evidence[];
}

export interface ScanOptions {
  threshold?: number;
  evidence?: boolean;
  window?: { size: number; stride: number };
  /** Every window, not only the flagged ones. */
  allWindows?: boolean;
}

export interface ScanResult {
  verdict: Verdict;
  windowCount: number;
  flaggedWindows: number;
  windows: WindowFinding[];
}

export async function scanDocument(
  detector: Detector,
  content: string,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const withEvidence = options.evidence !== false;
  const verdict = await detector.detect(content, {
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    evidence: withEvidence,
  });
  const size = options.window?.size ?? detector.window.size;
  const stride = Math.min(size, options.window?.stride ?? detector.window.stride);
  const found: WindowFinding[] = [];
  let count = 0;
  let flagged = 0;
  for (const w of windows(content, size, stride)) {
    const index = count++;
    const v = await detector.detect(w.text, { threshold: verdict.threshold, evidence: withEvidence });
    if (v.flagged) flagged++;
    if (!v.flagged && !options.allWindows) continue;
    found.push({
      index,
      offset: w.offset,
      length: w.text.length,
      score: v.score,
      flagged: v.flagged,
      category: v.category,
      evidence: v.evidence.map((e) => (e.offset === undefined ? e : { ...e, offset: e.offset + w.offset })),
    });
  }
  return { verdict, windowCount: count, flaggedWindows: flagged, windows: found };
}
