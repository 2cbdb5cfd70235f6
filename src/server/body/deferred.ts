/**
 * A request body kept as the bytes it arrived as. Large detection bodies (megabyte batches
 * and documents) are parsed, checked and screened in a detection worker: on the request
 * thread, decoding and parsing seven megabytes of JSON held every other request for tens
 * of milliseconds. Schema validation lets a deferred body through; the worker applies the
 * very same schema (see checked-json.ts) before it screens anything.
 */
export class DeferredBody {
  constructor(readonly bytes: Buffer) {}
}
