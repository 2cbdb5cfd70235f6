import type { Command } from "commander";
import { text as readStream } from "node:stream/consumers";
import { ValidationError } from "../../core/errors.js";
import type { Verdict } from "../../detect/types.js";
import { detectorFromOptions } from "../model-option.js";
import { threshold } from "../options.js";
import { action, printJson, printLine } from "../output.js";

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

export function registerDetect(program: Command): void {
  program
    .command("detect")
    .description("screen one text (argument or stdin) for prompt injection and jailbreaks")
    .argument("[text...]", "the text; read from stdin when absent")
    .option("--json", "print the verdict as JSON")
    .option("--model <path>", "a model artifact instead of the default model")
    .option("--threshold <t>", "decision threshold in [0, 1]", threshold)
    .option("--no-evidence", "leave evidence out")
    .option("--fail-on-flag", "exit with code 3 when the text is flagged")
    .action(
      action(async (words: string[], opts: DetectOpts) => {
        const text = words.length > 0 ? words.join(" ") : await readStream(process.stdin);
        if (text.trim() === "")
          throw new ValidationError("no text given: pass it as an argument or on stdin");
        const detector = await detectorFromOptions(opts);
        const verdict = detector.detect(text, { evidence: opts.evidence });
        if (opts.json) printJson(verdict);
        else for (const l of formatVerdict(verdict)) printLine(l);
        if (verdict.flagged && opts.failOnFlag) process.exitCode = 3;
      }),
    );
}
