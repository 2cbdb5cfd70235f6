/**
 * The local store's presigned links: GET (or HEAD) downloads a version, PUT uploads a new
 * one, with no credentials but the link's own HMAC signature, checked for expiry, method
 * and bucket. Only for the local-disk backend; S3's links point at S3 itself.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { PRESIGN_PATH } from "../../storage/fs/presign.js";
import { FsObjectStore } from "../../storage/fs/store.js";
import type { ServerContext } from "../context.js";
import { ok, responses } from "../replies.js";
import { sendError } from "../errors.js";
import { fileResponses } from "../schemas/shape.js";
import { PutResult } from "../schemas/storage.js";

export function presignedRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const store = ctx.store;
    // The body of an upload is streamed into the store as it comes, whatever its type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_request, _payload, done) => done(null));

    const verify = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!(store instanceof FsObjectStore)) {
        sendError(
          reply,
          404,
          "NOT_FOUND",
          "presigned links of this store are served by the S3 server itself",
        );
        return undefined;
      }
      try {
        return await store.verifyPresignedUrl(new URL(request.url, "http://bulwark.invalid"), request.method);
      } catch (err) {
        // A refused link is a refused credential: audited like any other.
        ctx.audit
          .record({
            actor: `anonymous@${request.ip}`,
            action: "auth.refused",
            target: `${request.method} ${PRESIGN_PATH}`,
            outcome: "denied",
            details: {
              reason: (err as { code?: string }).code ?? "PRESIGN_INVALID",
              ip: request.ip,
              requestId: request.id,
            },
          })
          .catch((e: unknown) => request.log.error({ err: e }, "could not audit a refused presigned link"));
        throw err;
      }
    };

    const config = { access: "public" as const };
    const schema = {
      tags: ["storage"],
      security: [],
      summary: "Serve a presigned link (the signature is the credential)",
    };
    const download = {
      ...schema,
      response: fileResponses(
        "The version's content with its stored content type; x-bulwark-version-id and x-bulwark-sha256 name it",
        ["application/octet-stream"],
      ),
    };
    const upload = { ...schema, response: responses(PutResult, 201) };

    app.route({
      method: ["GET", "HEAD"],
      url: `${PRESIGN_PATH}*`,
      config,
      schema: download,
      handler: async (request, reply) => {
        const link = await verify(request, reply);
        if (!link) return reply;
        const info = await store.head(link.key, link.versionId ? { versionId: link.versionId } : {});
        reply
          .header("content-type", info.contentType)
          .header("content-length", String(info.size))
          .header("etag", `"${info.sha256 || info.versionId}"`)
          .header("x-bulwark-version-id", info.versionId)
          .header("x-bulwark-sha256", info.sha256)
          .header("cache-control", "private, no-store");
        if (request.method === "HEAD") return reply.send();
        return reply.send(await store.get(link.key, { versionId: info.versionId }));
      },
    });

    app.put(`${PRESIGN_PATH}*`, { config, schema: upload }, async (request, reply) => {
      const link = await verify(request, reply);
      if (!link) return reply;
      const type = request.headers["content-type"];
      const result = await store.put(link.key, request.raw, {
        ...(typeof type === "string" && type.length <= 200 ? { contentType: type } : {}),
      });
      await ctx.audit.record({
        actor: `presigned@${request.ip}`,
        action: "storage.put",
        target: `object:${link.key}`,
        outcome: "success",
        details: { versionId: result.versionId, size: result.size, sha256: result.sha256 },
      });
      return reply.code(201).send(ok(result));
    });
  };
}
