/**
 * Synthetic indirect injections for training: short attack instructions from the training
 * split inserted at a sentence boundary inside long benign documents from the training split.
 * Public corpora hold few injections hidden in e-mails, tables and web pages, which is where
 * indirect injection lives; without such examples a model learns that long benign-looking
 * text is safe. Seeded, and drawn only from training rows so validation stays clean.
 */
import type { Sample } from "../data/sample.js";
import { mulberry32 } from "../core/random.js";

const CONTEXT_MIN = 400;
const PAYLOAD_MAX = 400;

const BOUNDARY = /[.!?\n]\s+/g;

function insertionPoints(text: string): number[] {
  const points = [0, text.length];
  for (const m of text.matchAll(BOUNDARY)) points.push(m.index + m[0].length);
  return points;
}

/** Can this sample host an injection (a long benign document)? */
export function isContext(s: Sample): boolean {
  return s.label === 0 && s.text.length >= CONTEXT_MIN;
}

/** Can this sample be the injected instruction (a short direct injection or extraction)? */
export function isPayload(s: Sample): boolean {
  return (
    s.label === 1 &&
    s.text.length <= PAYLOAD_MAX &&
    (s.category === "prompt_injection" || s.category === "system_extraction")
  );
}

/** `count` synthetic indirect injections from pools of contexts and payloads. */
export function indirectInjections(
  contexts: readonly Sample[],
  payloads: readonly Sample[],
  count: number,
  seed: number,
): Sample[] {
  if (count <= 0 || contexts.length === 0 || payloads.length === 0) return [];
  const random = mulberry32(seed ^ 0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const context = pick(contexts).text;
    const payload = pick(payloads);
    const at = pick(insertionPoints(context));
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

// Conversational wrappers that carry no technique: greetings, politeness, addressing the assistant.
const OPENERS = [
  "Hello!",
  "Hi,",
  "Hey there,",
  "Good morning!",
  "Hi ChatGPT,",
  "Hello assistant,",
  "Hey, quick question:",
  "Thanks for your help earlier.",
  "Hope you're doing well.",
  "Hello, how are you? I have a question.",
  "Hi! Could you help me?",
];
const CLOSERS = [
  "",
  "",
  "Thanks!",
  "Thank you.",
  "Can you help me with that?",
  "I appreciate it.",
  "Thanks in advance!",
];

/** Is this a short benign request that a greeting could wrap? */
export function isChatBase(s: Sample): boolean {
  return s.label === 0 && s.category === "benign" && s.text.length <= 300;
}

/**
 * `count` benign requests wrapped in greetings and thanks. Public attack data often opens
 * with "Hello ChatGPT" while benign data is mostly bare instructions, which teaches a model
 * that politeness is suspicious; these examples say otherwise.
 */
export function benignChat(bases: readonly Sample[], count: number, seed: number): Sample[] {
  if (count <= 0 || bases.length === 0) return [];
  const random = mulberry32(seed ^ 0xc4a7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const base = pick(bases);
    const text = `${pick(OPENERS)} ${base.text.trim()} ${pick(CLOSERS)}`.trim();
    out.push({ text, label: 0, category: "benign", source: "synthetic:chat", lang: base.lang });
  }
  return out;
}
