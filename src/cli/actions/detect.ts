/** `bulwark detect`: one text through the detector. */
import { text as readStream } from "node:stream/consumers";
import { ValidationError } from "../../core/errors.js";
import type { Verdict } from "../../detect/types.js";
import { detectorFromOptions } from "../model-option.js";
import { printJson, printLine } from "../output.js";

interface DetectOpts {
  json?: boolean;
  model?: string;
  threshold?: number;
  evidence: boolean;
  failOnFlag?: boolean;
}

export function formatVerdict(v: Verdict): string[] {
  const head = v.flagged
    ? `FLAGGED  ${v.category}  score ${v.score.toFixed(3)} >= threshold ${v.threshold.toFixed(3)}`
    : `clean    score ${v.score.toFixed(3)} < threshold ${v.threshold.toFixed(3)}`;
  const lines = [head];
  if (v.windows.count > 1) {
    lines.push(
      `  windows: ${v.windows.count}, worst at offset ${v.windows.worst.offset} (score ${v.windows.worst.score.toFixed(3)})`,
    );
  }
  for (const e of v.evidence) {
    if (e.kind === "model") continue;
    const excerpt = e.excerpt ? `  "${e.excerpt.replace(/\s+/g, " ").slice(0, 80)}"` : "";
    lines.push(`  ${e.kind.padEnd(11)} ${e.id}${e.category ? ` (${e.category})` : ""}${excerpt}`);
  }
  lines.push(
    `  model ${v.model.name}@${v.model.version} sha256 ${v.model.sha256.slice(0, 12)}…  ${v.latencyMs.toFixed(3)} ms`,
  );
  return lines;
}

export async function detect(words: string[], opts: DetectOpts): Promise<void> {
  const text = words.length > 0 ? words.join(" ") : await readStream(process.stdin);
  if (text.trim() === "") throw new ValidationError("no text given: pass it as an argument or on stdin");
  const detector = await detectorFromOptions(opts);
  const verdict = detector.detect(text, { evidence: opts.evidence });
  if (opts.json) printJson(verdict);
  else for (const l of formatVerdict(verdict)) printLine(l);
  if (verdict.flagged && opts.failOnFlag) process.exitCode = 3;
}
