/**
 * The train/validation split keeps related texts together: near-copies (same start or end)
 * and rows their source put in one `group` (translations, which share no characters). A
 * split by row would put the Russian version of a goal hijack in validation and its Arabic
 * twin in training, and flatter every figure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSample, sampleRow, type Sample } from "../../src/data/sample.js";
import { groupSplit, relatedGroups } from "../../src/train/split.js";

const LANGS = ["en", "fr", "de", "ru", "ar", "ja", "zh", "bn", "hi", "es"];
const row = (text: string, group?: string, source = "xsafety"): Sample => ({
  text,
  label: 1,
  category: "prompt_injection",
  source,
  lang: "en",
  ...(group ? { group } : {}),
});

test("rows of one source with the same group always fall on the same side of the split", () => {
  // 200 items in 10 "languages": texts that share nothing but their group.
  const samples = Array.from({ length: 200 }, (_, item) =>
    LANGS.map((lang, i) =>
      row(`${lang} ${i * 7919 + item * 104729} ${"xyz".repeat(i + 1)} item`, `item-${item}`),
    ),
  ).flat();
  const { train, validation } = groupSplit(samples, 0.2, 1337);
  assert.ok(
    validation.length > 200 && validation.length < 600,
    `about 20% held out, got ${validation.length}`,
  );
  const side = new Map<string, string>();
  for (const [name, part] of [
    ["train", train],
    ["validation", validation],
  ] as const)
    for (const s of part) {
      const seen = side.get(s.group!);
      assert.ok(seen === undefined || seen === name, `${s.group} is split across train and validation`);
      side.set(s.group!, name);
    }
});

test("without groups, unrelated texts are split independently; groups do not join sources", () => {
  const a = row("the first text about apples and oranges in the market", "g1");
  const b = row("a second text, about trains and timetables in winter", "g1");
  const c = row("a third one: nothing like the others at all, really", "g1", "other-source");
  const d = row("and a fourth, without any group, on its own entirely");
  const groups = relatedGroups([a, b, c, d]);
  assert.equal(groups[0], groups[1], "same source, same group");
  assert.notEqual(groups[0], groups[2], "the same group name in another source is another item");
  assert.notEqual(groups[0], groups[3]);
});

test("the group field is validated, kept and written back", () => {
  const ok = checkSample({ text: "hola", label: 0, source: "s", lang: "es", group: "item-7" });
  assert.equal(ok.sample?.group, "item-7");
  assert.deepEqual(Object.keys(sampleRow(ok.sample!)), [
    "text",
    "label",
    "category",
    "source",
    "lang",
    "group",
  ]);
  const none = checkSample({ text: "hola", label: 0 });
  assert.equal("group" in sampleRow(none.sample!), false, "no group, no field");
  for (const bad of ["", 5, "x".repeat(201), ["a"]]) {
    const r = checkSample({ text: "hola", label: 0, group: bad });
    assert.equal(r.problems?.[0]?.field, "group", JSON.stringify(bad));
  }
});
