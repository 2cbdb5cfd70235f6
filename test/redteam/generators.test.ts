/** The red team's generators and data files: every text complete, labelled, reproducible. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../../src/core/random.js";
import { SAMPLE_CATEGORIES } from "../../src/data/sample.js";
import { generatorById, generators } from "../../src/redteam/generators.js";
import { loadLibrary, REDTEAM_DATA_DIR } from "../../src/redteam/library.js";
import { expand, render } from "../../src/redteam/template.js";
import { tempDir } from "../helpers/tmp.js";

test("alternatives are drawn, literal brackets and JSON braces survive, slots are filled", () => {
  const r = mulberry32(1);
  for (let i = 0; i < 20; i++) assert.match(expand("[a|b|c] x", r), /^[abc] x$/);
  assert.equal(expand("![img](https://x.example/?q=1)", r), "![img](https://x.example/?q=1)");
  assert.equal(render('{"k": "{v}"}', { v: "1" }, r), '{"k": "1"}');
  assert.throws(() => render("say {goal}", {}, r), /\{goal\}, which has no value/);
});

test("every generator writes finished texts of its label and a known category, for many seeds", () => {
  const seen = new Set<string>();
  for (const g of generators()) {
    const texts = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const s = g.generate(mulberry32(seed));
      assert.equal(s.label, g.label, g.id);
      assert.ok((SAMPLE_CATEGORIES as readonly string[]).includes(s.category), `${g.id}: ${s.category}`);
      assert.equal(s.category === "benign" || s.category === "harmful_request", g.label === 0, g.id);
      // Nothing of the template language is left in what is sent.
      assert.doesNotMatch(s.text, /\{[a-z_]+\}|\[[^\]\n]*\|[^\]\n]*\]/, `${g.id}: ${s.text}`);
      assert.ok(s.text.length > 10 && s.parts.length > 0, g.id);
      texts.add(s.text);
    }
    // Data files plus alternatives give variety, not one text repeated.
    assert.ok(texts.size >= 15, `${g.id} made only ${texts.size} distinct texts in 60 draws`);
    seen.add(g.id);
  }
  for (const family of [
    "hijack",
    "extraction",
    "code_injection",
    "indirect_email",
    "indirect_table",
    "indirect_web",
  ])
    assert.ok(seen.has(family), family);
  for (const family of [
    "indirect_code",
    "indirect_tool",
    "indirect_retrieved",
    "fiction",
    "roleplay",
    "hypothetical",
  ])
    assert.ok(seen.has(family), family);
  for (const family of [
    "research",
    "persuasion",
    "many_shot",
    "refusal_suppression",
    "persona",
    "multilingual",
  ])
    assert.ok(seen.has(family), family);
  for (const negative of ["hard_negative", "clean_document", "harmful_request", "benign_fiction"])
    assert.equal(generatorById(negative).label, 0);
});

test("the same random stream gives the same text", () => {
  for (const g of generators())
    assert.deepEqual(g.generate(mulberry32(99)), g.generate(mulberry32(99)), g.id);
});

test("a framed attack and its benign twin share the framing, not the request", () => {
  const attack = generatorById("fiction").generate(mulberry32(5));
  const twin = generatorById("benign_fiction").generate(mulberry32(5));
  assert.equal(attack.parts[0], twin.parts[0]);
  assert.notEqual(attack.text, twin.text);
  assert.equal(attack.category, "jailbreak");
  assert.equal(twin.category, "benign");
});

test("an unknown generator is refused naming the known ones", () => {
  assert.throws(
    () => generatorById("nope"),
    (e: Error & { code?: string }) =>
      e.code === "UNKNOWN_GENERATOR" && /known are hijack, extraction/.test(e.message),
  );
});

test("a data file with a slot its generator does not fill fails at load, naming the file", () => {
  const dir = tempDir("bulwark-rtdata-");
  cpSync(REDTEAM_DATA_DIR, dir, { recursive: true });
  const file = join(dir, "documents.json");
  const doc = JSON.parse(readFileSync(file, "utf8"));
  doc.carriers[0].text += " {victim}";
  writeFileSync(file, JSON.stringify(doc));
  assert.throws(() => loadLibrary(dir), /documents\.json: \{victim\} is not one of injection/);
  writeFileSync(file, "{ not json");
  assert.throws(() => loadLibrary(dir), /red-team data .*documents\.json/);
});
