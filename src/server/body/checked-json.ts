/**
 * JSON bodies read and checked the same way wherever they are parsed (the request thread,
 * or a detection worker for a large body): secure-json-parse refusing `__proto__` and
 * `constructor.prototype` keys (as fastify's own parser does), then a refusal of duplicate
 * keys, with the same codes and messages in both places.
 */
import secureJson from "secure-json-parse";
import { BulwarkError } from "../../core/errors.js";
import { firstDuplicateKey } from "../../core/duplicate-keys.js";

export function duplicateKeyError(key: string): BulwarkError {
  const shown = key.slice(0, 100);
  return new BulwarkError(
    "DUPLICATE_KEY",
    `the body has the key ${JSON.stringify(shown)} twice in one object: send each key once`,
    400,
    { key: shown },
  );
}

export function invalidJsonError(): BulwarkError {
  return new BulwarkError("INVALID_JSON", "the body is not valid JSON", 400);
}

/** The value of a JSON body, or a BulwarkError saying why it is refused. */
export function parseCheckedJson(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch {
    throw invalidJsonError();
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw duplicateKeyError(duplicate);
  return value;
}
