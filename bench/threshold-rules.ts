/**
 * The threshold rules bench/threshold.bench.ts compares, and its tables. A rule picks a
 * logit threshold from what a training run can see: its validation split and the
 * out-of-fold scores of `thresholdFolds`. Judged on the leave-one-source-out folds (a source
 * never seen), on the whole corpus' validation split and on the hand-written sanity suite.
 */
import { fitPlatt } from "../src/detect/calibration.js";
import { markdownTable } from "./util.js";

export interface Labelled {
  logits: number[];
  labels: (0 | 1)[];
}

export interface FoldRecord {
  /** The source held out, or "(whole corpus)" (then `heldOut` is the sanity suite). */
  source: string;
  seconds: number;
  groups: string[][];
  heldOut: Labelled;
  validation: Labelled;
  outOfFold: Labelled & { sourceOf: number[]; sources: string[] };
}

/** Flag when the logit is above `above`. */
type Rule = (r: FoldRecord) => number;

/**
 * The highest cut that lets at most `maxFpr` of the negatives' total weight above it (ties go
 * together): the weighted form of the trainer's thresholdForFpr, on logits.
 */
function cut(neg: readonly { z: number; w: number }[], maxFpr: number): number {
  const total = neg.reduce((s, x) => s + x.w, 0);
  const sorted = [...neg].sort((a, b) => b.z - a.z);
  let above = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    let add = 0;
    for (; j < sorted.length && sorted[j]!.z === sorted[i]!.z; j++) add += sorted[j]!.w;
    if (above + add > maxFpr * total + 1e-9) return sorted[i]!.z;
    above += add;
    i = j;
  }
  return -Infinity;
}

const validationNegatives = (r: FoldRecord, weight = 1) => {
  const n = r.validation.labels.filter((l) => l === 0).length;
  return r.validation.logits
    .filter((_, i) => r.validation.labels[i] === 0)
    .map((z) => ({ z, w: weight / n }));
};

/** Out-of-fold negatives, each weighing 1/rows (pooled) or each source the same in total. */
const heldOutNegatives = (r: FoldRecord, perSource: boolean, weight = 1) => {
  const o = r.outOfFold;
  const idx = o.labels.flatMap((l, i) => (l === 0 ? [i] : []));
  const sizes = new Map<number, number>();
  for (const i of idx) sizes.set(o.sourceOf[i]!, (sizes.get(o.sourceOf[i]!) ?? 0) + 1);
  return idx.map((i) => ({
    z: o.logits[i]!,
    w: perSource ? weight / (sizes.get(o.sourceOf[i]!)! * sizes.size) : weight / idx.length,
  }));
};

export const RULES: Record<string, Rule> = {
  "validation 1% (before)": (r) => cut(validationNegatives(r), 0.01),
  // A stricter threshold from the validation split alone, the cheap alternative: no extra training.
  "validation 0.5%": (r) => cut(validationNegatives(r), 0.005),
  "validation 0.3%": (r) => cut(validationNegatives(r), 0.003),
  "validation 0.2%": (r) => cut(validationNegatives(r), 0.002),
  "held out 1%, by row": (r) => cut(heldOutNegatives(r, false), 0.01),
  "held out 1%, by source": (r) => cut(heldOutNegatives(r, true), 0.01),
  "held out 2%, by source": (r) => cut(heldOutNegatives(r, true), 0.02),
  "held out 3%, by source": (r) => cut(heldOutNegatives(r, true), 0.03),
  "held out 5%, by source": (r) => cut(heldOutNegatives(r, true), 0.05),
  "held out 4%, by source": (r) => cut(heldOutNegatives(r, true), 0.04),
  // Both promises at once: 1% on the validation split and a bound on sources never seen.
  "the stricter of validation 1% and held out 3% by source": (r) =>
    Math.max(cut(validationNegatives(r), 0.01), cut(heldOutNegatives(r, true), 0.03)),
  "the stricter of validation 1% and held out 5% by source": (r) =>
    Math.max(cut(validationNegatives(r), 0.01), cut(heldOutNegatives(r, true), 0.05)),
  "half validation, half held out by source, 1%": (r) =>
    cut([...validationNegatives(r, 0.5), ...heldOutNegatives(r, true, 0.5)], 0.01),
  "half validation, half held out by source, 2%": (r) =>
    cut([...validationNegatives(r, 0.5), ...heldOutNegatives(r, true, 0.5)], 0.02),
};

function rates(data: Labelled, above: number): { recall: number | null; fpr: number | null } {
  let tp = 0;
  let pos = 0;
  let fp = 0;
  let neg = 0;
  data.logits.forEach((z, i) => {
    if (data.labels[i] === 1) {
      pos++;
      if (z > above) tp++;
    } else {
      neg++;
      if (z > above) fp++;
    }
  });
  return { recall: pos ? tp / pos : null, fpr: neg ? fp / neg : null };
}

const f = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const mean = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/** Log loss and expected calibration error (10 equal-width bins) of calibrated logits. */
function calibrationError(data: Labelled, a: number, b: number): { logLoss: number; ece: number } {
  let loss = 0;
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  data.logits.forEach((z, i) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, 1 / (1 + Math.exp(-(a * z + b)))));
    const y = data.labels[i]!;
    loss -= y ? Math.log(p) : Math.log(1 - p);
    const bin = bins[Math.min(9, Math.floor(p * 10))]!;
    bin.n++;
    bin.p += p;
    bin.y += y;
  });
  const n = data.logits.length;
  return { logLoss: loss / n, ece: bins.reduce((s, x) => s + Math.abs(x.p - x.y) / n, 0) };
}

export function report(
  k: number,
  whole: FoldRecord | undefined,
  folds: readonly FoldRecord[],
  file: string,
): string {
  const out: string[] = [];
  const names = Object.keys(RULES);
  const cuts = new Map(folds.map((r) => [r.source, names.map((n) => RULES[n]!(r))]));
  const wholeCuts = whole ? names.map((n) => RULES[n]!(whole)) : [];
  out.push(
    `### Threshold rules: ${folds.length} sources held out whole, each fold with thresholdFolds ${k} inside (${file})\n`,
  );
  if (whole)
    out.push(
      `Whole corpus trained with thresholdFolds ${k} in ${whole.seconds} s; folds: ${whole.groups.map((g) => g.join(" + ")).join(" | ")}.\n`,
    );
  out.push(
    markdownTable(
      [
        "rule",
        "held out: mean recall over attack sources",
        "held out: mean FPR over sources with benign rows",
        "held out: worst FPR",
        "validation recall",
        "validation FPR",
        "sanity attacks",
        "sanity over-defence",
      ],
      names.map((name, j) => {
        const per = folds.map((r) => rates(r.heldOut, cuts.get(r.source)![j]!));
        const v = whole ? rates(whole.validation, wholeCuts[j]!) : null;
        const s = whole ? rates(whole.heldOut, wholeCuts[j]!) : null;
        return [
          name,
          f(mean(per.map((x) => x.recall))),
          f(mean(per.map((x) => x.fpr))),
          f(Math.max(...per.map((x) => x.fpr ?? 0))),
          f(v?.recall),
          f(v?.fpr),
          f(s?.recall),
          f(s?.fpr),
        ];
      }),
    ),
  );
  const detail = (
    process.env.THRESHOLD_DETAIL ??
    "validation 1% (before)|validation 0.5%|the stricter of validation 1% and held out 5% by source"
  )
    .split("|")
    .map((name) => names.indexOf(name))
    .filter((j) => j >= 0);
  out.push("\nPer held-out source (recall on its attacks / FPR on its benign rows):\n");
  out.push(
    markdownTable(
      ["held-out source", "n", "attacks", ...detail.map((j) => names[j]!)],
      folds.map((r) => [
        r.source,
        r.heldOut.labels.length,
        r.heldOut.labels.filter((l) => l === 1).length,
        ...detail.map((j) => {
          const x = rates(r.heldOut, cuts.get(r.source)![j]!);
          return `${f(x.recall)} / ${f(x.fpr)}`;
        }),
      ]),
    ),
  );
  // Calibration of the held-out sources' scores: Platt fitted on the validation split or out
  // of fold; per source (a benign-only source is judged by how low its scores are), and over
  // all held-out rows pooled, each scored by its own fold.
  const rowsFor = { validation: [] as Labelled[], outOfFold: [] as Labelled[] };
  const perSource = { validation: { loss: 0, ece: 0 }, outOfFold: { loss: 0, ece: 0 } };
  for (const r of folds) {
    for (const key of ["validation", "outOfFold"] as const) {
      const { a, b } = fitPlatt(r[key].logits, r[key].labels);
      const e = calibrationError(r.heldOut, a, b);
      perSource[key].loss += e.logLoss / folds.length;
      perSource[key].ece += e.ece / folds.length;
      // On a common scale (a = 1, b = 0) so one pooled error can be taken.
      rowsFor[key].push({ logits: r.heldOut.logits.map((z) => a * z + b), labels: r.heldOut.labels });
    }
  }
  const pooled = (key: "validation" | "outOfFold") =>
    calibrationError(
      { logits: rowsFor[key].flatMap((x) => x.logits), labels: rowsFor[key].flatMap((x) => x.labels) },
      1,
      0,
    );
  out.push("\nCalibration of the held-out sources' scores:\n");
  out.push(
    markdownTable(
      [
        "Platt scaling fitted on",
        "log loss, mean over sources",
        "ECE, mean over sources",
        "log loss, all held-out rows",
        "ECE, all held-out rows",
      ],
      (["validation", "outOfFold"] as const).map((key) => [
        key === "validation" ? "the validation split (before)" : "out-of-fold scores",
        f(perSource[key].loss),
        f(perSource[key].ece),
        f(pooled(key).logLoss),
        f(pooled(key).ece),
      ]),
    ),
  );
  const seconds = folds.map((r) => r.seconds);
  if (seconds.length)
    out.push(
      `\nSeconds per fold (K + 1 trainings each): median ${seconds.sort((a, b) => a - b)[seconds.length >> 1]}.`,
    );
  return out.join("\n");
}
