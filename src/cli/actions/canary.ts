/** `bulwark canary create|list`: canary tokens on the configured database, without the HTTP API. */
import { ValidationError } from "../../core/errors.js";
import { withAdmin } from "../../server/admin.js";
import { canaryCreationAuditEntry, CANARY_LABEL_PATTERN } from "../../server/canaries.js";
import { table } from "../format.js";
import { printJson, printLine } from "../output.js";

const LABEL = new RegExp(CANARY_LABEL_PATTERN);

export async function canaryCreate(opts: { label?: string; json?: boolean }): Promise<void> {
  if (opts.label !== undefined && !LABEL.test(opts.label))
    throw new ValidationError("a label is 1-200 characters without control characters");
  await withAdmin(async (a) => {
    const created = await a.canaries.create({ label: opts.label ?? null, createdBy: a.actor });
    await a.audit.record(canaryCreationAuditEntry(a.actor, created));
    if (opts.json) return printJson(created);
    printLine(created.token);
    process.stderr.write(
      `bulwark: canary ${created.id} created; it is not shown again. Put it in the system prompt, e.g.:\n` +
        `  ${created.instruction}\n`,
    );
  });
}

export async function canaryList(opts: { json?: boolean }): Promise<void> {
  await withAdmin(async (a) => {
    const list = await a.canaries.list();
    if (opts.json) return printJson(list);
    if (list.length === 0) return printLine("no canary tokens");
    printLine(
      table(
        ["id", "prefix", "label", "created by", "created", "leaks", "last leak"],
        list.map((c) => [
          c.id,
          c.prefix,
          c.label ?? "-",
          c.createdBy,
          c.createdAt.slice(0, 19),
          String(c.leakCount),
          c.lastLeakAt?.slice(0, 19) ?? "-",
        ]),
      ),
    );
  });
}
