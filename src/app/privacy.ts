/**
 * The application's privacy kit: the keyed-hash secret (given by the operator or generated
 * once and shared by every process through the database), the configured redactor, and
 * the stored form of an end-user id. Everything that keeps text or a subject uses this
 * one kit, so a hash made by the server and one made by the CLI agree.
 */
import type { Kysely } from "kysely";
import { ValidationError } from "../core/errors.js";
import type { Database } from "../db/schema.js";
import { loadOrCreateSecret } from "../db/secrets.js";
import {
  createRedactor,
  subjectHash,
  type PiiType,
  type RedactionMode,
  type Redactor,
} from "../privacy/index.js";
import type { PrivacySettings } from "./settings.js";

export interface Privacy {
  /** Redacts as configured (BULWARK_REDACTION_MODE). */
  redactor: Redactor;
  /** A redactor of another mode, with this app's key; limited to `types` when given. */
  redactorFor(mode: RedactionMode, types?: readonly PiiType[]): Redactor;
  /** The stored form of an end-user id: a keyed hash, found again by hashing the id. */
  subject(id: string): string;
}

const SECRET_NAME = "privacy-hash-key";

export async function openPrivacy(db: Kysely<Database>, settings: PrivacySettings): Promise<Privacy> {
  const key = settings.key ? parseKey(settings.key) : await loadOrCreateSecret(db, SECRET_NAME);
  const redactors = new Map<RedactionMode, Redactor>();
  const redactorFor = (mode: RedactionMode, types?: readonly PiiType[]): Redactor => {
    // A redactor holds no state but its options: one per call is cheap when kinds are chosen.
    if (types) return createRedactor({ mode, key, types });
    let r = redactors.get(mode);
    if (!r) redactors.set(mode, (r = createRedactor({ mode, key })));
    return r;
  };
  return {
    redactor: redactorFor(settings.redactionMode),
    redactorFor,
    subject: (id) => subjectHash(key, id),
  };
}

/** BULWARK_PRIVACY_KEY as bytes: hex or base64, at least 32 bytes, so it cannot be guessed. */
function parseKey(raw: string): Buffer {
  const bytes =
    /^[0-9a-f]+$/i.test(raw) && raw.length % 2 === 0 ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (bytes.length < 32)
    throw new ValidationError(
      "BULWARK_PRIVACY_KEY must hold at least 32 random bytes, as hex or base64 (e.g. `openssl rand -base64 32`)",
    );
  return bytes;
}
