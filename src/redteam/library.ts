/**
 * The red team's data files (data/redteam/*.json), read once and checked: every template's
 * slots must be ones its generator fills, and every category one the corpus knows, so a
 * mistake in the data fails loudly at load and not as a strange case in a campaign.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { parseWith } from "../core/schema.js";
import { PACKAGE_ROOT } from "../core/paths.js";
import { CATEGORIES } from "../detect/types.js";
import { slotsOf } from "./template.js";

export const REDTEAM_DATA_DIR = join(PACKAGE_ROOT, "data", "redteam");

const Category = Type.Union(CATEGORIES.map((c) => Type.Literal(c)));
const Text = Type.String({ minLength: 1, maxLength: 4000 });

const Hijack = Type.Object({
  $comment: Type.String(),
  openers: Type.Array(Text, { minItems: 1 }),
  goals: Type.Array(Type.Object({ text: Text, category: Category }), { minItems: 1 }),
  suppressions: Type.Array(Text, { minItems: 1 }),
});
const Jailbreak = Type.Object({
  $comment: Type.String(),
  requests: Type.Array(Text, { minItems: 1 }),
  benignRequests: Type.Array(Text, { minItems: 1 }),
  framings: Type.Array(Type.Object({ id: Type.String(), text: Text }), { minItems: 1 }),
  personas: Type.Array(Type.Object({ name: Type.String(), text: Text }), { minItems: 1 }),
  personaIntros: Type.Array(Text, { minItems: 1 }),
  shots: Type.Array(Text, { minItems: 1 }),
});
const Documents = Type.Object({
  $comment: Type.String(),
  carriers: Type.Array(Type.Object({ id: Type.String(), text: Text }), { minItems: 1 }),
  frames: Type.Array(Text, { minItems: 1 }),
  fillers: Type.Array(Text, { minItems: 1 }),
});
const Multilingual = Type.Object({
  $comment: Type.String(),
  attacks: Type.Array(Type.Object({ lang: Type.String(), category: Category, text: Text }), { minItems: 1 }),
});
const Negatives = Type.Object({
  $comment: Type.String(),
  texts: Type.Array(Type.Object({ id: Type.String(), text: Text }), { minItems: 1 }),
});

export interface RedTeamLibrary {
  hijack: Static<typeof Hijack>;
  jailbreak: Static<typeof Jailbreak>;
  documents: Static<typeof Documents>;
  multilingual: Static<typeof Multilingual>;
  negatives: Static<typeof Negatives>;
}

function readData<S extends TSchema>(dir: string, file: string, schema: S): Static<S> {
  const path = join(dir, file);
  try {
    return parseWith(schema, JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new Error(`red-team data ${path}: ${(err as Error).message}`);
  }
}

function checkSlots(file: string, templates: readonly string[], allowed: readonly string[]): void {
  for (const t of templates)
    for (const slot of slotsOf(t))
      if (!allowed.includes(slot))
        throw new Error(`red-team data ${file}: {${slot}} is not one of ${allowed.join(", ")} in "${t}"`);
}

export function loadLibrary(dir = REDTEAM_DATA_DIR): RedTeamLibrary {
  const lib: RedTeamLibrary = {
    hijack: readData(dir, "hijack.json", Hijack),
    jailbreak: readData(dir, "jailbreak.json", Jailbreak),
    documents: readData(dir, "documents.json", Documents),
    multilingual: readData(dir, "multilingual.json", Multilingual),
    negatives: readData(dir, "negatives.json", Negatives),
  };
  checkSlots("hijack.json", [...lib.hijack.openers, ...lib.hijack.goals.map((g) => g.text)], []);
  checkSlots(
    "jailbreak.json",
    lib.jailbreak.framings.map((f) => f.text),
    ["request", "persona", "persona_name", "shots"],
  );
  checkSlots("jailbreak.json", lib.jailbreak.personaIntros, [
    "persona",
    "persona_name",
    "suppression",
    "request",
  ]);
  checkSlots("jailbreak.json", [...lib.jailbreak.requests, ...lib.jailbreak.benignRequests], []);
  checkSlots(
    "documents.json",
    lib.documents.carriers.map((c) => c.text),
    ["injection"],
  );
  checkSlots("documents.json", lib.documents.frames, ["goal", "opener", "suppression"]);
  checkSlots(
    "negatives.json",
    lib.negatives.texts.map((t) => t.text),
    [],
  );
  return lib;
}

let cached: RedTeamLibrary | undefined;

/** The shipped library, read on first use. */
export function library(): RedTeamLibrary {
  cached ??= loadLibrary();
  return cached;
}
