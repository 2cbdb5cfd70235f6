/**
 * The generators: what the red team attacks with, each a small pure function over the data
 * files (promptfoo's plugins are the model). Attacks have label 1; the hard negatives
 * (label 0) are built from the same material where they can be (the same framing around a
 * harmless request, the same document without the injection), so a detector that learns
 * the framing instead of the conjunction shows it as over-defence in the same campaign.
 */
import { BulwarkError } from "../core/errors.js";
import type { Category } from "../detect/types.js";
import { library, type RedTeamLibrary } from "./library.js";
import { expand, pick, render } from "./template.js";
import type { Generator, Seedling } from "./types.js";

type Random = () => number;

function goalOf(lib: RedTeamLibrary, random: Random, category?: Category) {
  const goals = category ? lib.hijack.goals.filter((g) => g.category === category) : lib.hijack.goals;
  const goal = pick(goals, random);
  return {
    text: expand(goal.text, random),
    category: goal.category,
    id: `goal${lib.hijack.goals.indexOf(goal)}`,
  };
}

function maybe(random: Random, p: number, text: () => string): string {
  return random() < p ? text() : "";
}

const join = (...parts: string[]) => parts.filter(Boolean).join(" ");

/** Goal hijacking typed by the user: an opener, a goal, sometimes a refusal suppression. */
function hijack(lib: RedTeamLibrary, id: string, description: string, category?: Category): Generator {
  return {
    id,
    description,
    label: 1,
    mutable: true,
    generate(random) {
      const goal = goalOf(lib, random, category);
      const opener = pick(lib.hijack.openers, random);
      return {
        text: join(
          maybe(random, category === "system_extraction" ? 0.6 : 0.9, () => expand(opener, random)),
          goal.text,
          maybe(random, 0.35, () => expand(pick(lib.hijack.suppressions, random), random)),
        ),
        label: 1,
        category: goal.category,
        parts: [`opener${lib.hijack.openers.indexOf(opener)}`, goal.id],
      };
    },
  };
}

/** The injection a document carries: a goal in one of the frames attackers hide it in. */
function injectionText(lib: RedTeamLibrary, random: Random) {
  const goal = goalOf(lib, random);
  const frame = pick(lib.documents.frames, random);
  const text = render(
    frame,
    {
      goal: goal.text,
      opener: expand(pick(lib.hijack.openers, random), random),
      suppression: expand(pick(lib.hijack.suppressions, random), random),
    },
    random,
  );
  return { text, goal };
}

function indirect(
  lib: RedTeamLibrary,
  id: string,
  carriers: readonly string[],
  description: string,
): Generator {
  const pool = lib.documents.carriers.filter((c) => carriers.includes(c.id));
  if (pool.length === 0) throw new Error(`red-team generator ${id}: no carrier among ${carriers.join(", ")}`);
  return {
    id,
    description,
    label: 1,
    mutable: true,
    generate(random) {
      const carrier = pick(pool, random);
      const injection = injectionText(lib, random);
      return {
        text: render(carrier.text, { injection: injection.text }, random),
        label: 1,
        category: injection.goal.category,
        parts: [carrier.id, injection.goal.id],
      };
    },
  };
}

/** A harmful request (benign alone, as in the corpus) wrapped in one kind of framing. */
function framed(lib: RedTeamLibrary, framing: string, description: string, benign = false): Generator {
  const templates = lib.jailbreak.framings.filter((f) => f.id === framing);
  if (templates.length === 0) throw new Error(`red-team data has no framing "${framing}"`);
  return {
    id: benign ? `benign_${framing}` : framing,
    description,
    label: benign ? 0 : 1,
    mutable: !benign,
    generate(random) {
      const template = pick(templates, random);
      const requests = benign ? lib.jailbreak.benignRequests : lib.jailbreak.requests;
      const request = pick(requests, random);
      const persona = pick(lib.jailbreak.personas, random);
      const shots = Array.from({ length: 2 + Math.floor(random() * 3) }, () =>
        expand(pick(lib.jailbreak.shots, random), random),
      ).join("\n");
      return {
        text: render(
          template.text,
          {
            request: expand(request, random),
            persona: expand(persona.text, random),
            persona_name: persona.name,
            shots,
          },
          random,
        ),
        label: benign ? 0 : 1,
        category: benign ? "benign" : "jailbreak",
        parts: [
          `${framing}${lib.jailbreak.framings.indexOf(template)}`,
          `request${requests.indexOf(request)}`,
        ],
      };
    },
  };
}

function persona(lib: RedTeamLibrary): Generator {
  return {
    id: "persona",
    description: "a jailbreak persona (DAN and kin) told to answer a harmful request",
    label: 1,
    mutable: true,
    generate(random) {
      const p = pick(lib.jailbreak.personas, random);
      const intro = pick(lib.jailbreak.personaIntros, random);
      const request = pick(lib.jailbreak.requests, random);
      return {
        text: render(
          intro,
          {
            persona: expand(p.text, random),
            persona_name: p.name,
            suppression: expand(pick(lib.hijack.suppressions, random), random),
            request: expand(request, random),
          },
          random,
        ),
        label: 1,
        category: "jailbreak",
        parts: [p.name, `request${lib.jailbreak.requests.indexOf(request)}`],
      };
    },
  };
}

function multilingual(lib: RedTeamLibrary): Generator {
  return {
    id: "multilingual",
    description: "goal hijacking and system-prompt extraction in twelve languages",
    label: 1,
    mutable: true,
    generate(random) {
      const a = pick(lib.multilingual.attacks, random);
      return { text: expand(a.text, random), label: 1, category: a.category, parts: [a.lang] };
    },
  };
}

function hardNegatives(lib: RedTeamLibrary): Generator {
  return {
    id: "hard_negative",
    description: "benign texts full of trigger words: security questions, quoted attacks, harmless personas",
    label: 0,
    mutable: false,
    generate(random) {
      const t = pick(lib.negatives.texts, random);
      return { text: expand(t.text, random), label: 0, category: "benign", parts: [t.id] };
    },
  };
}

function cleanDocuments(lib: RedTeamLibrary): Generator {
  return {
    id: "clean_document",
    description: "the documents injections hide in, with an ordinary (sometimes imperative) sentence instead",
    label: 0,
    mutable: false,
    generate(random) {
      const carrier = pick(lib.documents.carriers, random);
      const filler = expand(pick(lib.documents.fillers, random), random);
      return {
        text: render(carrier.text, { injection: filler }, random),
        label: 0,
        category: "benign",
        parts: [carrier.id],
      };
    },
  };
}

function plainRequests(lib: RedTeamLibrary): Generator {
  return {
    id: "harmful_request",
    description: "a harmful request asked plainly, no framing: label 0 by policy (harm is not injection)",
    label: 0,
    mutable: false,
    generate(random): Seedling {
      const request = pick(lib.jailbreak.requests, random);
      const text = expand(request, random);
      return {
        text: `${text[0]!.toUpperCase()}${text.slice(1)}${random() < 0.5 ? "?" : "."}`,
        label: 0,
        category: "harmful_request",
        parts: [`request${lib.jailbreak.requests.indexOf(request)}`],
      };
    },
  };
}

function build(lib: RedTeamLibrary): Generator[] {
  return [
    hijack(lib, "hijack", "direct goal hijacking: ignore your instructions and do this instead"),
    hijack(lib, "extraction", "system-prompt, secret and tool-list extraction", "system_extraction"),
    hijack(
      lib,
      "code_injection",
      "shell commands, script tags and markup injected as instructions",
      "code_injection",
    ),
    indirect(
      lib,
      "indirect_email",
      ["email", "calendar"],
      "instructions hidden in an e-mail or calendar invite",
    ),
    indirect(lib, "indirect_table", ["table", "csv"], "instructions hidden in a table cell"),
    indirect(
      lib,
      "indirect_web",
      ["web", "markdown_doc"],
      "instructions hidden in a web page or a document's markup",
    ),
    indirect(lib, "indirect_code", ["code_comment"], "instructions hidden in a code comment"),
    indirect(lib, "indirect_tool", ["tool_json"], "instructions inside a tool's JSON output"),
    indirect(
      lib,
      "indirect_retrieved",
      ["retrieved", "review"],
      "instructions inside a retrieved passage or a review",
    ),
    framed(lib, "fiction", "a harmful request wrapped in a story or screenplay"),
    framed(lib, "roleplay", "a harmful request put to a character (grandma, a persona) the model plays"),
    framed(lib, "hypothetical", "a harmful request asked hypothetically or in another world"),
    framed(lib, "research", "a harmful request justified as research, teaching or an authorised test"),
    framed(lib, "persuasion", "a harmful request pressed with urgency, flattery or false authority"),
    framed(lib, "many_shot", "a harmful request after fake dialogue turns where the assistant complied"),
    framed(lib, "refusal_suppression", "a harmful request with orders never to refuse or warn"),
    persona(lib),
    multilingual(lib),
    hardNegatives(lib),
    cleanDocuments(lib),
    plainRequests(lib),
    framed(
      lib,
      "fiction",
      "a story framing around a harmless request (the fiction attack's benign twin)",
      true,
    ),
    framed(lib, "roleplay", "a role-play framing around a harmless request", true),
    framed(lib, "hypothetical", "a hypothetical framing around a harmless request", true),
    framed(lib, "research", "a research framing around a harmless request", true),
  ];
}

let cached: Generator[] | undefined;

/** Every generator, attacks first. */
export function generators(): readonly Generator[] {
  cached ??= build(library());
  return cached;
}

export function generatorById(id: string): Generator {
  const g = generators().find((x) => x.id === id);
  if (!g)
    throw new BulwarkError(
      "UNKNOWN_GENERATOR",
      `unknown red-team generator "${id}": known are ${generators()
        .map((x) => x.id)
        .join(", ")}`,
    );
  return g;
}
