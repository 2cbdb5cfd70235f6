/**
 * A campaign against a detector over HTTP: a running Bulwark (its batch API) by default, or
 * any detector service through an adapter that says how to ask and how to read the answer.
 * Refusals are reported with the service's own code and message, never retried silently,
 * so a campaign never counts an unanswered case as a bypass.
 */
import { BulwarkError } from "../core/errors.js";
import type { CampaignTarget } from "./campaign.js";
import type { CaseOutcome } from "./types.js";

/** How to talk to one kind of detector service. */
export interface HttpAdapter {
  /** Texts per request. */
  batch: number;
  request(base: URL, texts: readonly string[]): { url: URL; body: unknown };
  parse(body: unknown, count: number): CaseOutcome[];
}

interface BulwarkVerdict {
  score: number;
  flagged: boolean;
  category: CaseOutcome["category"];
  model?: { name: string; version: string; sha256: string };
}

export const bulwarkAdapter: HttpAdapter = {
  batch: 64,
  request: (base, texts) => ({ url: new URL("/v1/detect/batch", base), body: { texts, evidence: false } }),
  parse(body, count) {
    const results = (body as { data?: { results?: BulwarkVerdict[] } }).data?.results;
    if (!Array.isArray(results) || results.length !== count)
      throw new BulwarkError("TARGET_BAD_ANSWER", `the target answered without ${count} results`, 502);
    return results.map((r) => ({ score: r.score, flagged: r.flagged, category: r.category ?? null }));
  },
};

/** Reads a dot path ("result.score") out of a JSON answer. */
function at(body: unknown, path: string): unknown {
  let v: unknown = body;
  for (const part of path.split("."))
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/**
 * Any detector that takes one text in a JSON body and answers a score: the text goes in
 * `textField`, the score is read at `scoreField` (a dot path), and a score at or above
 * `threshold` counts as flagged. The URL given is the endpoint itself.
 */
export function jsonScoreAdapter(o: {
  textField: string;
  scoreField: string;
  threshold: number;
}): HttpAdapter {
  return {
    batch: 1,
    request: (base, texts) => ({ url: base, body: { [o.textField]: texts[0] } }),
    parse(body) {
      const score = at(body, o.scoreField);
      if (typeof score !== "number" || !Number.isFinite(score))
        throw new BulwarkError(
          "TARGET_BAD_ANSWER",
          `the target's answer has no number at "${o.scoreField}"`,
          502,
        );
      return [{ score, flagged: score >= o.threshold, category: null }];
    },
  };
}

export interface HttpTargetOptions {
  url: string;
  /** Sent as a bearer token when given (Bulwark needs one; another detector may not). */
  key?: string;
  adapter?: HttpAdapter;
  timeoutMs?: number;
}

export async function httpTarget(o: HttpTargetOptions): Promise<CampaignTarget> {
  let base: URL;
  try {
    base = new URL(o.url);
  } catch {
    throw new BulwarkError("INVALID_TARGET", `--target ${o.url} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  const adapter = o.adapter ?? bulwarkAdapter;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(o.key ? { authorization: `Bearer ${o.key}` } : {}),
  };

  async function post(url: URL, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new BulwarkError(
        "TARGET_UNREACHABLE",
        `${url.origin} did not answer: ${(err as Error).message}`,
        502,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 200);
      try {
        const e = JSON.parse(text) as { code?: string; error?: string };
        if (e.code) detail = `${e.code}: ${e.error ?? ""}`;
      } catch {
        // not JSON: the excerpt says what the service said
      }
      throw new BulwarkError("TARGET_REFUSED", `${url.pathname} answered ${res.status} (${detail})`, 502);
    }
    return JSON.parse(text) as unknown;
  }

  // A first request of one text says which model answers (Bulwark names it in every verdict).
  // It is also read as a verdict, so a misconfigured adapter fails before the campaign starts.
  const probe = await post(...spread(adapter.request(base, ["hello"])));
  adapter.parse(probe, 1);
  const first = (probe as { data?: { results?: BulwarkVerdict[] } }).data?.results?.[0]?.model;
  const model = first
    ? { ref: `${first.name}@${first.version}`, sha256: first.sha256 }
    : { ref: base.origin, sha256: "unknown" };
  return {
    model,
    async screen(texts) {
      const out: CaseOutcome[] = [];
      for (let i = 0; i < texts.length; i += adapter.batch) {
        const slice = texts.slice(i, i + adapter.batch);
        out.push(...adapter.parse(await post(...spread(adapter.request(base, slice))), slice.length));
      }
      return out;
    },
  };
}

const spread = (r: { url: URL; body: unknown }): [URL, unknown] => [r.url, r.body];
