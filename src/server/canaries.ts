/**
 * The canary table: tokens are made here and stored as their SHA-256 with who made them
 * and a label; the token itself is returned once, to be placed in a system prompt. A
 * token found later (in an answer screened by /v1/detect/output) is looked up by hash and
 * its leak counted, so a leak names the prompt, and the caller, it came from.
 */
import type { Kysely } from "kysely";
import { newId } from "../db/ids.js";
import type { CanariesTable, Database } from "../db/schema.js";
import {
  canaryInstruction,
  canaryPrefix,
  hashCanary,
  isCanaryToken,
  newCanaryToken,
} from "../detect/output/canary-token.js";
import type { OutputVerdict } from "../detect/output/types.js";
import type { AuditEntry, AuditSink } from "../audit/sink.js";
import { actorOf, type Principal } from "./auth/roles.js";

/** 1-200 printable characters: what the token marks, e.g. "support bot prompt v3". */
export const CANARY_LABEL_PATTERN = "^[^\\u0000-\\u001f\\u007f]{1,200}$";

export interface CanaryInfo {
  id: string;
  prefix: string;
  label: string | null;
  createdBy: string;
  createdAt: string;
  leakCount: number;
  lastLeakAt: string | null;
}

export interface CreatedCanary {
  /** The token: shown this once, stored only as its SHA-256. */
  token: string;
  /** A sentence to paste into the system prompt, with the token in it. */
  instruction: string;
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
}

function toInfo(row: CanariesTable): CanaryInfo {
  return {
    id: row.id,
    prefix: row.prefix,
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at,
    leakCount: Number(row.leak_count),
    lastLeakAt: row.last_leak_at,
  };
}

/** The audit entry of a new canary, the same from the API and the CLI (no token in it). */
export function canaryCreationAuditEntry(actor: string, created: CreatedCanary): AuditEntry {
  return {
    actor,
    action: "canary.create",
    target: `canary:${created.id}`,
    outcome: "success",
    details: { prefix: created.prefix, label: created.label },
  };
}

export class CanaryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: {
    label?: string | null;
    createdBy: string;
    principalId?: string | null;
  }): Promise<CreatedCanary> {
    const token = newCanaryToken();
    const row: CanariesTable = {
      id: newId("cny"),
      token_hash: hashCanary(token),
      prefix: canaryPrefix(token),
      label: input.label ?? null,
      created_by: input.createdBy,
      principal_id: input.principalId ?? null,
      created_at: new Date().toISOString(),
      leak_count: 0,
      last_leak_at: null,
    };
    await this.db.insertInto("canaries").values(row).execute();
    return {
      token,
      instruction: canaryInstruction(token),
      id: row.id,
      prefix: row.prefix,
      label: row.label,
      createdAt: row.created_at,
    };
  }

  /** The stored canaries among these tokens, by token (unknown ones are left out). */
  async lookup(tokens: readonly string[]): Promise<Map<string, CanariesTable>> {
    const byHash = new Map(tokens.map((t) => [hashCanary(t), t]));
    const out = new Map<string, CanariesTable>();
    if (byHash.size === 0) return out;
    const rows = await this.db
      .selectFrom("canaries")
      .selectAll()
      .where("token_hash", "in", [...byHash.keys()])
      .execute();
    for (const row of rows) out.set(byHash.get(row.token_hash)!, row);
    return out;
  }

  /** Counts a leak of each of these canaries (by id), now. */
  async recordLeaks(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("canaries")
      .set((eb) => ({ leak_count: eb("leak_count", "+", 1), last_leak_at: new Date().toISOString() }))
      .where("id", "in", [...ids])
      .execute();
  }

  async list(options: { createdBy?: string } = {}): Promise<CanaryInfo[]> {
    let q = this.db.selectFrom("canaries").selectAll();
    if (options.createdBy) q = q.where("created_by", "=", options.createdBy);
    return (await q.orderBy("created_at").execute()).map(toInfo);
  }
}

/**
 * Marks each canary of `verdict` that this service made (`known`), shows its record to a
 * caller allowed to see it (its maker; analysts and admins see all: a client does not
 * learn another client's labels), counts the leak on the row and writes it to the audit
 * trail, where the leak is attributed whoever screened it.
 */
export async function traceCanaries(
  store: CanaryStore,
  audit: AuditSink,
  verdict: OutputVerdict,
  caller: Principal | undefined,
): Promise<void> {
  const tokens = [...new Set(verdict.canaries.map((f) => f.token).filter(isCanaryToken))];
  if (tokens.length === 0) return;
  const known = await store.lookup(tokens);
  for (const f of verdict.canaries) {
    if (!isCanaryToken(f.token)) continue;
    const row = known.get(f.token);
    f.known = row !== undefined;
    if (row && caller && (caller.role !== "client" || row.principal_id === caller.id))
      f.record = { id: row.id, label: row.label, createdAt: row.created_at, createdBy: row.created_by };
  }
  if (known.size === 0) return;
  await store.recordLeaks([...known.values()].map((row) => row.id));
  for (const [token, row] of known)
    await audit.record({
      actor: actorOf(caller),
      action: "canary.leak",
      target: `canary:${row.id}`,
      outcome: "success",
      details: {
        prefix: row.prefix,
        label: row.label,
        createdBy: row.created_by,
        forms: [...new Set(verdict.canaries.filter((f) => f.token === token).map((f) => f.form))],
      },
    });
}
