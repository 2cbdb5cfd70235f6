/**
 * `dataset.import`: http(s):// and s3:// sources read into a new dataset version. Never
 * the server's own files: a caller must not be able to make the service read its disk.
 * Nor its network: URLs are held to the import policy (no loopback, private, link-local
 * or metadata address unless an operator allowed the host; checked here for addresses
 * written in the URL, and on every connection for what names resolve to and where
 * redirects go), and s3:// to the configured buckets. The payload stored and shown keeps
 * URLs masked; credentials written into them travel sealed (`data/import/credentials.ts`).
 */
import { Type, type Static } from "@sinclair/typebox";
import { BulwarkError, describeError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import { parseWith } from "../../core/schema.js";
import { openSources, sealSources } from "../../data/import/credentials.js";
import { checkBucket, checkUrl, importData, parseS3Url, sourceKind } from "../../data/import/index.js";
import { InvalidSourceError } from "../../data/errors.js";
import { DECLARABLE, parseLegalBasis, parsePurpose } from "../../data/privacy.js";
import { REDACTION_MODES } from "../../privacy/index.js";
import type { ObjectStore } from "../../storage/types.js";
import { withWorkspace, type JobServices } from "../services.js";
import type { JobType } from "../types.js";

export const DATASET_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

export const DatasetImportPayload = Type.Object(
  {
    sources: Type.Array(
      Type.String({ minLength: 1, maxLength: 4096, pattern: "^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ss]3)://" }),
      {
        minItems: 1,
        maxItems: 100,
        description: "http(s):// URLs or s3://bucket/prefix addresses (an upload's `source` too)",
      },
    ),
    name: Type.Optional(Type.String({ pattern: DATASET_NAME_PATTERN })),
    skipInvalid: Type.Optional(Type.Boolean()),
    redact: Type.Optional(
      Type.Boolean({ description: "Take personal data out of every row's text before it is stored" }),
    ),
    redactionMode: Type.Optional(
      Type.Union(
        REDACTION_MODES.map((m) => Type.Literal(m)),
        { description: "How, with redact (default: the service's BULWARK_REDACTION_MODE); implies redact" },
      ),
    ),
    personalData: Type.Optional(
      Type.Union(
        DECLARABLE.map((m) => Type.Literal(m)),
        {
          description:
            'What the rows hold: "none" (the import fails if its scan finds any) or "present" (training then needs allowPersonalData)',
        },
      ),
    ),
    legalBasis: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description:
          "consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests (GDPR Art. 6), or free text",
      }),
    ),
    purpose: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: "What the rows are kept for" }),
    ),
  },
  { additionalProperties: false },
);
/** As stored: the sources masked, and the real ones sealed when any carried credentials. */
type StoredPayload = Static<typeof DatasetImportPayload> & { sealed?: string };

/** Refuses, before anything is queued, what can be refused without the network. */
function checkSource(source: string, services: JobServices): void {
  if (sourceKind(source) === "s3") return checkBucket(parseS3Url(source).bucket, services.imports.policy);
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new InvalidSourceError(`"${redactText(source)}" is not a valid URL`);
  }
  checkUrl(url, services.imports.policy);
}

/**
 * The error a job records: masked, and led by its code, so a refusal found only when a
 * name resolved or a redirect arrived reads `IMPORT_ADDRESS_REFUSED: ...` in the job.
 */
function jobError(err: unknown): Error {
  const message = redactText(describeError(err));
  if (err instanceof BulwarkError) return new BulwarkError(err.code, `${err.code}: ${message}`, err.status);
  return new Error(message);
}

/** A store handed to the importer that the importer may "close" without closing ours. */
function borrowed(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get: (target, prop, receiver) =>
      prop === "close" ? async () => undefined : Reflect.get(target, prop, receiver),
  });
}

export function datasetImportJob(services: JobServices): JobType {
  return {
    validate(payload): StoredPayload {
      const p = parseWith(DatasetImportPayload, payload);
      for (const source of p.sources) checkSource(source, services);
      return {
        ...p,
        ...sealSources(p.sources, services.sealer),
        skipInvalid: p.skipInvalid === true,
        ...(p.legalBasis !== undefined ? { legalBasis: parseLegalBasis(p.legalBasis) } : {}),
        ...(p.purpose !== undefined ? { purpose: parsePurpose(p.purpose) } : {}),
      };
    },
    async run(ctx) {
      const p = ctx.payload as StoredPayload;
      let invalid = 0;
      return withWorkspace(services, ctx.job.createdBy, async (w) => {
        const sources = await openSources(p, services.sealer);
        // A mode asks for redaction by itself: taking out more than asked is the safe reading.
        const redact = p.redactionMode ?? (p.redact ? services.privacy.redactionMode : undefined);
        const result = await importData(w.catalog, sources, {
          ...(p.name ? { name: p.name } : {}),
          privacyKit: services.privacy,
          privacy: {
            redact,
            declared: p.personalData,
            legalBasis: p.legalBasis,
            purpose: p.purpose,
          },
          skipInvalid: p.skipInvalid === true,
          onInvalid: (problem) => {
            if (invalid++ < 20)
              ctx.log(
                `skipped ${problem.file}:${problem.line}: ${problem.field}: ${problem.message}`,
                "warn",
              );
          },
          http: { timeoutMs: services.imports.timeoutMs, maxBytes: services.imports.maxBytes },
          policy: services.imports.policy,
          s3: services.s3,
          s3Store: (bucket) =>
            (bucket === services.store.bucket ? borrowed(services.store) : undefined) as ObjectStore,
          onSource: (location) => {
            ctx.log(`reading ${location}`);
            ctx.progress(0.5, `reading ${location}`);
          },
        }).catch((err: unknown) => {
          throw jobError(err);
        });
        const d = result.dataset;
        ctx.log(
          `created ${d.ref} (${d.rows} rows, ${result.skippedRows} skipped, sha256 ${d.sha256}, personal data ${d.privacy.personalData})`,
        );
        return {
          dataset: d.ref,
          id: d.id,
          rows: d.rows,
          skippedRows: result.skippedRows,
          sha256: d.sha256,
          sources: result.sources,
          privacy: d.privacy,
        };
      });
    },
  };
}
