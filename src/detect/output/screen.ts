/**
 * `screenOutput`: checks an LLM's answer before it is shown, for a canary token of its
 * system prompt, the system prompt itself, and ways to send data out. Pure and
 * synchronous, like a detector: the service adds only what needs its database (which
 * stored canary a token is). The score is the strongest single finding's, so it reads as
 * "the worst thing found", and the category is that finding's.
 */
import { DecodeBudget } from "../../text/decode-budget.js";
import { canaryEvidence, findCanaries } from "./canary-search.js";
import { exfiltrationEvidence } from "./exfiltration.js";
import { findUrls } from "./links.js";
import { findPromptLeak } from "./prompt-leak.js";
import {
  DEFAULT_OUTPUT_THRESHOLD,
  type OutputEvidence,
  type OutputVerdict,
  type PromptLeakReport,
  type ScreenOutputOptions,
} from "./types.js";

export function screenOutput(output: string, options: ScreenOutputOptions = {}): OutputVerdict {
  const started = performance.now();
  const threshold = options.threshold ?? DEFAULT_OUTPUT_THRESHOLD;
  const canaries = findCanaries(output, options.canaries ?? [], {
    shapes: options.findCanaryShapes !== false,
    budget: new DecodeBudget(),
  });
  const evidence: OutputEvidence[] = canaryEvidence(canaries, output);

  let systemPrompt: PromptLeakReport | null = null;
  const prompt = options.systemPrompt;
  if (prompt && (prompt.text !== undefined || prompt.sha256 !== undefined || prompt.segments?.length)) {
    const leak = findPromptLeak(output, prompt);
    systemPrompt = leak.report;
    evidence.push(...leak.evidence);
  }

  evidence.push(...exfiltrationEvidence(findUrls(output), options.allowedHosts));

  let worst: OutputEvidence | undefined;
  for (const e of evidence) if (!worst || e.score > worst.score) worst = e;
  const score = worst?.score ?? 0;
  const flagged = score >= threshold && worst !== undefined;
  return {
    score,
    flagged,
    category: flagged ? worst!.category : null,
    threshold,
    evidence: evidence.sort((a, b) => b.score - a.score || (a.offset ?? 0) - (b.offset ?? 0)),
    canaries,
    systemPrompt,
    latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}
