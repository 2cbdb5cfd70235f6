/**
 * Person names, where the text introduces them. Names have no checksum and no shape, so
 * this detector only looks where a name is announced:
 * - "my name is X Y", "call me X", "je m'appelle", "ich heiße", "me llamo", "mijn naam is";
 * - a title: Mr, Mrs, Ms, Miss, Dr, Prof, Herr, Frau, Mme, Mlle, Sr, Sra (the title is kept);
 * - a label at the start of a line or sentence: "Name: X Y", "Full name:", "Nom :", "Vorname:", "Nombre:", "Naam:";
 * - a sign-off on its own line: "Regards,\nX Y", "Thanks,\nX", "Mit freundlichen Grüßen\nX Y";
 * - "I am X", "I'm X", "this is X", but only when X is in the small first-name lexicon
 *   below ("I am Happy" is no name).
 * A first name from the lexicon raises the confidence. The name itself must be written
 * with capitals (one to four words, particles such as van, de, von allowed between them).
 *
 * What it cannot find: a name with no such cue ("forward this to Anna Schmidt"), a name
 * written in lower case, names in scripts without capitals (Chinese, Japanese, Arabic...),
 * and it cannot tell a name from a capitalised word after a cue ("Name: Premium Plan").
 */
import type { PiiDetector, PiiFinding } from "../types.js";
import { afterCue } from "./context.js";

const WORD = String.raw`\p{Lu}[\p{Ll}\p{Lu}'’-]*\p{Ll}[\p{Ll}'’-]*`;
const PARTICLE = String.raw`(?:van|von|der|den|de|la|le|du|da|di|del|dos|ter|ten|bin|al)`;
/** One to four capitalised words, particles between them; sticky, tried where a cue ends. */
const NAME = new RegExp(String.raw`${WORD}(?:[ \t]+(?:${PARTICLE}[ \t]+){0,2}${WORD}){0,3}`, "uy");

const INTRO =
  /\b(?:my name is|my name's|name is|call me|je m'appelle|je m’appelle|ich heiße|ich heisse|mein name ist|me llamo|mi nombre es|mijn naam is|ik heet)\s+/gi;
const TITLE = /\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Dhr|Mevr)\.?[ \t]+/g;
const LABEL =
  /(?:^|[\n.!?;|])[ \t]*(?:name|full name|first name|last name|nom|prénom|vorname|nachname|nombre|apellidos|naam|contact person)[ \t]*:[ \t]*/gim;
const SIGN_OFF =
  /(?:^|\n)[ \t]*(?:regards|best regards|kind regards|warm regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely|yours sincerely|yours truly|yours|mit freundlichen grüßen|viele grüße|liebe grüße|beste grüße|cordialement|bien à vous|saludos|atentamente|met vriendelijke groet|groeten)[ \t]*,?[ \t]*\r?\n[ \t]*/gi;
const SELF = /\b(?:i am|i'm|i’m|this is|ich bin|je suis|soy|ik ben)\s+/gi;

/** Capitalised words that follow these cues and are no names. */
const NOT_NAMES = new Set(
  "The A An This That Your Our My Not Sure Here There Happy Sorry Going Just Also Very Yes No Ready Glad Writing Looking Interested Trying Unable Available New Please Thanks Hello Hi Dear Team Support Customer Admin User Manager Director Project Product Premium Plan Order Account Company Inc Ltd GmbH Sent From".split(
    " ",
  ),
);

/** Common given names across languages, to raise confidence (not a list of all names). */
const FIRST_NAMES = new Set(
  (
    "James John Robert Michael William David Richard Joseph Thomas Charles Daniel Matthew Anthony Mark Paul Steven Andrew Kevin Brian George Edward Peter " +
    "Maria Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty Margaret Sandra Ashley Emily Emma Olivia Sophia Anna Laura " +
    "Hans Jürgen Klaus Stefan Andreas Michael Thomas Wolfgang Uwe Sabine Ursula Petra Monika Claudia Julia Katharina Lena Lukas Jonas Felix Maximilian Leon " +
    "Jean Pierre Michel Philippe Alain Nicolas François Marie Nathalie Isabelle Sophie Camille Chloé Louis Hugo Léa Manon Julien Antoine " +
    "José Antonio Manuel Francisco Juan Javier Carlos Miguel Carmen María Lucía Ana Isabel Elena Pablo Sergio Alejandro Marta Sofía " +
    "Jan Pieter Kees Henk Willem Daan Sem Bram Sanne Fleur Eva Lotte Anouk Femke Johan Maarten Sven Lars Erik Ingrid Astrid Nils " +
    "Giulia Marco Giuseppe Luca Francesca Alessandro Chiara Matteo Paolo Anja Tomasz Piotr Katarzyna Agnieszka Ivan Olga Dmitri Natalia " +
    "Mohammed Ahmed Ali Fatima Aisha Omar Yusuf Priya Rahul Amit Anjali Wei Li Chen Hiroshi Yuki Kenji Min Ji Tom Ben Sam Alex Max Chris Kate Amy Ella Noah Liam Mia Zoe"
  ).split(" "),
);

interface Rule {
  cue: RegExp;
  detector: string;
  base: number;
  needsLexicon?: boolean;
  /** The rule runs only when one of these is in the text (lower-cased, but for titles): a cheap pre-check. */
  hints: readonly string[];
  caseSensitiveHints?: boolean;
}

const RULES: readonly Rule[] = [
  {
    cue: INTRO,
    detector: "person.intro",
    base: 0.8,
    hints: ["name", "call me", "appelle", "heiß", "heiss", "llamo", "nombre", "naam", "heet"],
  },
  {
    cue: TITLE,
    detector: "person.title",
    base: 0.75,
    hints: ["Mr", "Ms", "Miss", "Dr", "Prof", "Herr", "Frau", "Mme", "Mlle", "Sr", "Dhr", "Mevr"],
    caseSensitiveHints: true,
  },
  { cue: LABEL, detector: "person.label", base: 0.75, hints: [":"] },
  { cue: SIGN_OFF, detector: "person.signature", base: 0.65, hints: ["\n"] },
  {
    cue: SELF,
    detector: "person.self",
    base: 0.7,
    needsLexicon: true,
    hints: ["i am", "i'm", "i’m", "this is", "ich bin", "je suis", "soy", "ik ben"],
  },
];

export const personDetector: PiiDetector = {
  id: "person",
  type: "person",
  find(text: string): PiiFinding[] {
    const out: PiiFinding[] = [];
    const lower = text.toLowerCase();
    for (const rule of RULES) {
      const haystack = rule.caseSensitiveHints ? text : lower;
      if (!rule.hints.some((h) => haystack.includes(h))) continue;
      for (const { value } of afterCue(text, rule.cue, NAME)) {
        let name = value[0];
        const words = name.split(/[ \t]+/);
        // A trailing capitalised word that is no name ("Anna Schmidt Please ...") is cut off.
        while (words.length > 1 && NOT_NAMES.has(words[words.length - 1]!)) words.pop();
        if (NOT_NAMES.has(words[0]!)) continue;
        name = words.join(" ");
        if (value[0].slice(0, name.length) !== name) continue; // tabs or doubled spaces: keep it simple
        const known = FIRST_NAMES.has(words[0]!);
        if (rule.needsLexicon && !known) continue;
        out.push({
          type: "person",
          detector: rule.detector,
          start: value.index,
          end: value.index + name.length,
          confidence: Math.min(0.92, rule.base + (known ? 0.15 : 0)),
        });
      }
    }
    return out;
  },
};
