/**
 * Counts object-store operations and errors without the store knowing: a Proxy that
 * wraps every method returning a promise, so a new ObjectStore method is counted too.
 */
import { isBulwarkError } from "../../core/errors.js";
import type { ObjectStore } from "../../storage/types.js";
import type { ServiceMetrics } from "./registry.js";

const UNCOUNTED = new Set(["close", "kind", "bucket"]);

export function instrumentStore(store: ObjectStore, metrics: ServiceMetrics): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || UNCOUNTED.has(prop)) return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (ok: unknown) => {
            metrics.storageOps.inc({ operation: prop, outcome: "ok" });
            return ok;
          },
          (err: unknown) => {
            const code = isBulwarkError(err) ? err.code : "INTERNAL";
            metrics.storageOps.inc({ operation: prop, outcome: "error" });
            metrics.storageErrors.inc({ operation: prop, code });
            throw err;
          },
        );
      };
    },
  });
}
