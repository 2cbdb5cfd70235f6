/** `bulwark keys ...`: API keys on the configured database, without the HTTP API. */
import { withAdmin } from "../../server/admin.js";
import { creationAuditEntry, rotationAuditEntry } from "../../server/auth/keys.js";
import type { Role } from "../../server/auth/roles.js";
import { parseGrace } from "../../server/auth/rotation.js";
import { formatRateLimit, type KeyQuota, type KeyRateLimit } from "../../server/auth/budgets.js";
import { printable, table } from "../format.js";
import { printJson, printLine } from "../output.js";

export async function keysCreate(opts: {
  role: Role;
  name: string;
  expiresInDays?: number;
  rateLimit?: KeyRateLimit;
  quota?: KeyQuota;
  json?: boolean;
}): Promise<void> {
  await withAdmin(async (a) => {
    const created = await a.keys.create({
      name: opts.name,
      role: opts.role,
      createdBy: a.actor,
      expiresAt: opts.expiresInDays
        ? new Date(Date.now() + opts.expiresInDays * 86_400_000).toISOString()
        : null,
      rateLimit: opts.rateLimit ?? null,
      quota: opts.quota ?? null,
    });
    await a.audit.record(creationAuditEntry(a.actor, created.info));
    if (opts.json) return printJson(created);
    printLine(created.key);
    process.stderr.write(
      `bulwark: key "${printable(created.info.name)}" (${created.info.role}, id ${created.info.id}) created; it is not shown again\n`,
    );
  });
}

export async function keysList(opts: { all?: boolean; json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const list = await a.keys.list({ includeRevoked: opts.all === true });
    if (opts.json) return printJson(list);
    if (list.length === 0) return printLine("no API keys");
    printLine(
      table(
        ["id", "name", "role", "prefix", "rate limit", "quota", "created", "last used", "state"],
        list.map((k) => [
          k.id,
          k.name,
          k.role,
          k.prefix,
          k.rateLimit ? formatRateLimit(k.rateLimit) : "default",
          k.quota ? `${k.quota.limit}/day` : "-",
          k.createdAt.slice(0, 19),
          k.lastUsedAt?.slice(0, 19) ?? "-",
          k.revokedAt
            ? "revoked"
            : k.expiresAt && Date.parse(k.expiresAt) <= Date.now()
              ? "expired"
              : "active",
        ]),
      ),
    );
  });
}

export async function keysRevoke(id: string, opts: { json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const info = await a.keys.revoke(id);
    await a.audit.record({
      actor: a.actor,
      action: "key.revoke",
      target: `key:${info.name}`,
      outcome: "success",
      details: { id: info.id },
    });
    if (opts.json) return printJson(info);
    printLine(`revoked ${info.name} (${info.id}); servers stop accepting it within seconds`);
  });
}

export async function keysRotate(
  id: string,
  opts: { grace: number | string; json?: boolean },
): Promise<void> {
  // commander hands over the default as written ("24h") and a given value parsed.
  const graceMs = typeof opts.grace === "number" ? opts.grace : parseGrace(opts.grace);
  await withAdmin(async (a) => {
    const rotated = await a.keys.rotate(id, graceMs);
    await a.audit.record(rotationAuditEntry(a.actor, rotated));
    if (opts.json) return printJson({ key: rotated.key, info: rotated.info });
    printLine(rotated.key);
    process.stderr.write(
      `bulwark: key "${rotated.info.name}" (id ${rotated.info.id}) rotated; the new key is not shown again; ` +
        `the previous one (${rotated.previousPrefix}...) is accepted until ${rotated.info.previousValidUntil}\n`,
    );
  });
}
