/**
 * JSON bodies: fastify's own parser (secure-json-parse, refusing __proto__ and
 * constructor.prototype keys), then a refusal of duplicate keys: `400 DUPLICATE_KEY`
 * rather than last-one-wins, so no two readers of one body can disagree on its meaning.
 * A scope may keep some bodies as bytes instead (`defer`): the detection routes hand
 * their large bodies to a worker, which parses and checks them the same way.
 */
import type { FastifyInstance } from "fastify";
import { firstDuplicateKey } from "../../core/duplicate-keys.js";
import { duplicateKeyError } from "../body/checked-json.js";

/** Returns a value to use as the body as it is (unparsed), or undefined to parse it here. */
export type DeferBody = (raw: Buffer) => unknown;

export function installJsonBody(app: FastifyInstance, defer?: DeferBody): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  // Read as bytes and decoded once: as a string, a 7 MB body arrives as a hundred 64 KiB
  // strings joined one by one, and the young-generation collections that copy them held
  // the request thread for 20-26 ms at a time under megabyte batches.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, raw, done) => {
    const bytes = raw as Buffer; // parseAs: "buffer"
    const deferred = defer?.(bytes);
    if (deferred !== undefined) return done(null, deferred);
    const body = bytes.toString("utf8");
    parse(request, body, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      const duplicate = firstDuplicateKey(body);
      if (duplicate === undefined) done(null, value);
      else done(duplicateKeyError(duplicate), undefined);
    });
  });
}
