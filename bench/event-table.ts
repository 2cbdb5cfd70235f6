/**
 * A detection_events table of synthetic events for the drift benchmark, the analytics
 * benchmark's generator (bench/analytics.bench.ts, before its roll-ups) with the columns drift
 * reads made realistic (the lead may fold the two into one module): one
 * in ten flagged (a fifth of those with a base64 payload), four categories, three routes,
 * two models, latencies of 0.05-5 ms, lengths of 16-4,096 characters spread on a log scale,
 * languages mostly English, written straight into a migrated database in big statements.
 */
import { randomBytes } from "node:crypto";
import { CompiledQuery } from "kysely";
import { mulberry32 } from "../src/core/random.js";
import type { DatabaseHandle } from "../src/db/open.js";

export const DAY = 86_400_000;
export const END = Date.parse("2026-12-01T00:00:00Z");
export const START = END - 30 * DAY;
const CATEGORIES = ["prompt_injection", "jailbreak", "system_extraction", "code_injection"];
const ROUTES = ["detect", "detect", "detect", "batch", "scan"];
const COLUMNS = ["id", "at", "actor", "subject", "route", "request_id", "flagged", "score"];
const MORE = [
  "category",
  "evidence",
  "model",
  "latency_ms",
  "text_length",
  "text_mode",
  "text",
  "pii",
  "lang",
];
const LANGS = ["en", "en", "en", "en", "en", "en", "fr", "de", "es", "zh", "ru", null];
const ALL = [...COLUMNS, ...MORE];

/** Writes `events` synthetic events spread evenly over the 30 days before END; returns the seconds it took. */
export async function fillEvents(handle: DatabaseHandle, events: number): Promise<number> {
  const random = mulberry32(42);
  const perStatement = 500;
  const sql = `insert into detection_events (${ALL.join(", ")}) values ${Array.from(
    { length: perStatement },
    (_, r) =>
      `(${ALL.map((_, c) => (handle.dialect === "postgres" ? `$${r * ALL.length + c + 1}` : "?")).join(", ")})`,
  ).join(", ")}`;
  const started = performance.now();
  for (let done = 0; done < events; done += perStatement * 20) {
    await handle.db.transaction().execute(async (tx) => {
      for (let s = 0; s < 20 && done + s * perStatement < events; s++) {
        const values: unknown[] = [];
        for (let r = 0; r < perStatement; r++) {
          const i = done + s * perStatement + r;
          const flagged = random() < 0.1;
          const category = flagged ? CATEGORIES[Math.floor(random() * 4)]! : null;
          values.push(
            `evt_${i.toString(36).padStart(8, "0")}`,
            new Date(START + Math.floor(((END - START) * i) / events)).toISOString(),
            "key_bench",
            null,
            ROUTES[Math.floor(random() * ROUTES.length)]!,
            randomBytes(8).toString("hex"),
            flagged ? 1 : 0,
            flagged ? 0.9 + random() / 10 : random() / 2,
            category,
            flagged
              ? `["model:builtin","rule:pi.rule_${Math.floor(random() * 20)}"${random() < 0.2 ? ',"payload:base64"' : ""}]`
              : `["model:builtin"]`,
            random() < 0.5 ? "builtin@1.0.0" : "builtin@1.1.0",
            0.05 + random() * 5,
            Math.floor(16 * 2 ** (random() * 8)),
            "none",
            null,
            "{}",
            LANGS[Math.floor(random() * LANGS.length)],
          );
        }
        await tx.executeQuery(CompiledQuery.raw(sql, values));
      }
    });
  }
  return (performance.now() - started) / 1000;
}
