/**
 * Synthetic indirect injections for training: short attack instructions from the training
 * split inserted at a sentence boundary inside long benign documents from the training split.
 * Public corpora hold few injections hidden in e-mails, tables and web pages, which is where
 * indirect injection lives; without such examples a model learns that long benign-looking
 * text is safe. Seeded, and drawn only from training rows so validation stays clean.
 *
 * Both training paths augment through AugmentPools: training rows are offered as they go
 * by, and the pools size and draw the synthetic rows, so the two paths cannot drift apart.
 */
import { mulberry32 } from "../core/random.js";
import type { Sample } from "../data/sample.js";
import type { TrainParams } from "./params.js";
import { Reservoir } from "./sources.js";

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

/**
 * What augmentation draws from, collected from the training rows: hosts for injections,
 * injections to hide, requests to wrap, and the attack and benign counts that size the
 * synthetic sets. `capacity` bounds each pool (a reservoir sample) on the streaming path;
 * in memory it is Infinity and the pools hold every candidate in order.
 */
export class AugmentPools {
  private attacks = 0;
  private benign = 0;
  private readonly contexts: Reservoir<Sample>;
  private readonly payloads: Reservoir<Sample>;
  private readonly chatBases: Reservoir<Sample>;

  constructor(capacity: number, seed: number) {
    this.contexts = new Reservoir<Sample>(capacity, seed + 1);
    this.payloads = new Reservoir<Sample>(capacity, seed + 2);
    this.chatBases = new Reservoir<Sample>(capacity, seed + 3);
  }

  offer(s: Sample): void {
    if (s.label === 1) this.attacks++;
    else this.benign++;
    if (isContext(s)) this.contexts.offer(s);
    if (isPayload(s)) this.payloads.offer(s);
    if (isChatBase(s)) this.chatBases.offer(s);
  }

  /** The synthetic rows for these pools: indirect injections, then wrapped requests, at most `limit` of each. */
  synthesise(p: Pick<TrainParams, "augmentIndirect" | "augmentChat" | "seed">, limit = Infinity): Sample[] {
    const indirect = indirectInjections(
      this.contexts.items,
      this.payloads.items,
      Math.min(limit, Math.round(p.augmentIndirect * this.attacks)),
      p.seed,
    );
    const chat = benignChat(
      this.chatBases.items,
      Math.min(limit, Math.round(p.augmentChat * this.benign)),
      p.seed,
    );
    return [...indirect, ...chat];
  }
}
