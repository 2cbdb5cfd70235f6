/**
 * /v1/datasets: the dataset catalogue remotely: list, show, stats, export (streamed), and
 * import as a job from http(s):// or s3:// sources, or from a file uploaded here first.
 */
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { Readable, Transform } from "node:stream";
import { BulwarkError, ValidationError } from "../../core/errors.js";
import { ENVELOPE_VERSION, EnvelopeWriter, localMetadata } from "../../data/envelope.js";
import { lineageOf } from "../../data/dataset-record.js";
import { DATA_FILE_PATTERN } from "../../data/formats.js";
import { newId } from "../../db/ids.js";
import { DATASET_NAME_PATTERN, DatasetImportPayload } from "../../jobs/handlers/dataset-import.js";
import { actorOf } from "../auth/roles.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { DatasetRef, DatasetStats, Upload } from "../schemas/datasets.js";
import { fileResponses } from "../schemas/shape.js";
import { enqueueAudited } from "./enqueue.js";
import { workspaceFor } from "./workspace.js";

const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 200 }) });
const ListQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal("jsonl"), Type.Literal("envelope")])) },
  { additionalProperties: false },
);
const UploadParams = Type.Object({
  filename: Type.String({ pattern: DATASET_NAME_PATTERN }),
});

const UPLOAD_LIMIT = Number(process.env.BULWARK_UPLOAD_LIMIT ?? 512 * 1024 * 1024);

/** Counts bytes on their way to the store and stops the upload past the limit. */
function limiter(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit)
        done(new BulwarkError("BODY_TOO_LARGE", `uploads are limited to ${limit} bytes`, 413));
      else done(null, chunk);
    },
  });
}

export function datasetRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const read = { access: "read" as const };

    app.get<{ Querystring: Static<typeof ListQuery> }>(
      "/v1/datasets",
      {
        config: read,
        schema: {
          tags: ["datasets"],
          summary: "Dataset versions, newest first",
          querystring: ListQuery,
          response: responses(Type.Array(DatasetRef)),
        },
      },
      async (request) => {
        const r = await workspaceFor(ctx, request);
        return ok(
          await r.catalog.list({
            ...(request.query.name ? { name: request.query.name } : {}),
            limit: request.query.limit ?? 100,
          }),
        );
      },
    );

    app.get<{ Params: Static<typeof Ref> }>(
      "/v1/datasets/:ref",
      {
        config: read,
        schema: {
          tags: ["datasets"],
          summary: 'One dataset version: id, name, name@version or "bundled"',
          params: Ref,
          response: responses(DatasetRef),
        },
      },
      async (request) => ok(await (await workspaceFor(ctx, request)).catalog.resolve(request.params.ref)),
    );

    app.get<{ Params: Static<typeof Ref> }>(
      "/v1/datasets/:ref/stats",
      {
        config: read,
        schema: {
          tags: ["datasets"],
          summary: "Counts by label, category, language and source",
          params: Ref,
          response: responses(DatasetStats),
        },
      },
      async (request) => {
        const d = await (await workspaceFor(ctx, request)).catalog.resolve(request.params.ref);
        return ok({ ref: d.ref, sha256: d.sha256, rows: d.rows, counts: d.counts });
      },
    );

    app.get<{ Params: Static<typeof Ref>; Querystring: Static<typeof ExportQuery> }>(
      "/v1/datasets/:ref/export",
      {
        config: read,
        schema: {
          tags: ["datasets"],
          summary: "Download a dataset as JSONL (default) or as an envelope with its metadata",
          params: Ref,
          querystring: ExportQuery,
          response: fileResponses(
            "The rows, one JSON object a line (jsonl), or one JSON envelope with the dataset's metadata; " +
              "x-bulwark-dataset-sha256 is the dataset's SHA-256",
            ["application/x-ndjson", "application/json"],
          ),
        },
      },
      async (request, reply) => {
        const r = await workspaceFor(ctx, request);
        const d = await r.catalog.resolve(request.params.ref);
        const format = request.query.format ?? "jsonl";
        // The catalogue checks the whole dataset against its SHA-256 before it yields the
        // first row, so awaiting that row here makes an altered dataset an error reply
        // (422 INTEGRITY_ERROR) before the status line, and no row of it is ever sent.
        const rows = r.catalog.samples(d, { verifyFirst: true });
        const first = await rows.next();
        async function* body(): AsyncGenerator<string> {
          const parts: string[] = [];
          const writer =
            format === "envelope"
              ? new EnvelopeWriter((chunk) => void parts.push(chunk), {
                  version: ENVELOPE_VERSION,
                  metadata: localMetadata({ source: d.ref, total_samples: d.rows, dataset: lineageOf(d) }),
                })
              : undefined;
          try {
            await writer?.begin();
            for (let next = first; !next.done; next = await rows.next()) {
              if (writer) await writer.sample(next.value);
              else parts.push(`${JSON.stringify(next.value)}\n`);
              if (parts.length >= 256) yield parts.splice(0).join("");
            }
            await writer?.end();
            if (parts.length > 0) yield parts.join("");
          } finally {
            // A client that hangs up ends the read, and the catalogue removes its verified copy.
            await rows.return(undefined);
          }
        }
        const out = Readable.from(body(), { objectMode: false });
        const file = `${d.name}-v${d.version}.${format === "envelope" ? "json" : "jsonl"}`;
        return reply
          .header("content-type", format === "envelope" ? "application/json" : "application/x-ndjson")
          .header("content-disposition", `attachment; filename="${file}"`)
          .header("x-bulwark-dataset-sha256", d.sha256)
          .send(out);
      },
    );

    app.post<{ Body: Static<typeof DatasetImportPayload> }>(
      "/v1/datasets/import",
      {
        config: { access: "operate" },
        schema: {
          tags: ["datasets"],
          summary: "Start a job importing http(s):// or s3:// sources as a new dataset version",
          body: DatasetImportPayload,
          response: responses(Type.Ref("Job"), 202),
        },
      },
      async (request, reply) => {
        const job = await enqueueAudited(ctx, request.principal, "dataset.import", request.body, {
          sources: request.body.sources.length,
        });
        return reply.code(202).send(ok(job));
      },
    );

    // Uploads stream into the store as they arrive, whatever their type.
    await app.register(async (uploads) => {
      uploads.removeAllContentTypeParsers();
      uploads.addContentTypeParser("*", (_request, _payload, done) => done(null));
      uploads.put<{ Params: Static<typeof UploadParams> }>(
        "/v1/datasets/uploads/:filename",
        {
          config: { access: "operate" },
          schema: {
            tags: ["datasets"],
            summary:
              "Upload a data file (JSONL, JSON envelope, optionally gzip) to import it with its `source`",
            params: UploadParams,
            response: responses(Upload, 201),
          },
        },
        async (request, reply) => {
          const { filename } = request.params;
          if (!DATA_FILE_PATTERN.test(filename))
            throw new ValidationError("the file name must end in .jsonl, .ndjson or .json (optionally .gz)");
          const key = `uploads/${newId("up")}/${filename}`;
          const put = await ctx.store.put(key, request.raw.pipe(limiter(UPLOAD_LIMIT)), {
            contentType: "application/octet-stream",
          });
          await ctx.audit.record({
            actor: actorOf(request.principal),
            action: "dataset.upload",
            target: `object:${key}`,
            outcome: "success",
            details: { size: put.size, sha256: put.sha256 },
          });
          return reply
            .code(201)
            .send(ok({ key, source: `s3://${ctx.store.bucket}/${key}`, size: put.size, sha256: put.sha256 }));
        },
      );
    });
  };
}
