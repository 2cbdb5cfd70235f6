/**
 * Synthetic indirect injections for training: short attack instructions from the training
 * split inserted at a sentence boundary inside long benign documents from the training split.
 * Public corpora hold few injections hidden in e-mails, tables and web pages, which is where
 * indirect injection lives; without such examples a model learns that long benign-looking
 * text is safe. Seeded, and drawn only from training rows so validation stays clean.
 */
import type { Sample } from "../data/sample.js";
import { mulberry32 } from "./random.js";

export interface AugmentParams {
  /** Synthetic injections to add, as a multiple of the training attacks. 0 turns it off. */
  indirect: number;
  seed: number;
}

const CONTEXT_MIN = 400;
const PAYLOAD_MAX = 400;

const BOUNDARY = /[.!?\n]\s+/g;

function insertionPoints(text: string): number[] {
  const points = [0, text.length];
  for (const m of text.matchAll(BOUNDARY)) points.push(m.index + m[0].length);
  return points;
}

export function indirectInjections(train: readonly Sample[], params: AugmentParams): Sample[] {
  if (params.indirect <= 0) return [];
  const contexts = train.filter((s) => s.label === 0 && s.text.length >= CONTEXT_MIN);
  const payloads = train.filter(
    (s) =>
      s.label === 1 &&
      s.text.length <= PAYLOAD_MAX &&
      (s.category === "prompt_injection" || s.category === "system_extraction"),
  );
  if (contexts.length === 0 || payloads.length === 0) return [];
  const attacks = train.filter((s) => s.label === 1).length;
  const count = Math.round(params.indirect * attacks);
  const random = mulberry32(params.seed ^ 0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const context = pick(contexts).text;
    const payload = pick(payloads);
    const points = insertionPoints(context);
    const at = pick(points);
    const sep = random() < 0.5 ? "\n\n" : " ";
    out.push({
      text: `${context.slice(0, at)}${at > 0 ? sep : ""}${payload.text.trim()}${at < context.length ? sep : ""}${context.slice(at)}`,
      label: 1,
      category: payload.category,
      source: "synthetic:indirect",
      lang: payload.lang,
    });
  }
  return out;
}
