/**
 * A bounded request loop for the fault tests: a few concurrent clients send requests to
 * local servers until stopped, and every answer is kept (status, code, time, which server)
 * so a test can say which failed, when, and how fast.
 */
export interface Outcome {
  target: string;
  status: number;
  code: string | undefined;
  ms: number;
  startedAt: number;
}

export interface LoadLoop {
  outcomes: Outcome[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<Outcome[]>;
}

export function startLoad(
  targets: () => string[],
  path: string,
  init: { key: string; json: unknown },
  options: { concurrency?: number; maxRequests?: number; timeoutMs?: number } = {},
): LoadLoop {
  const outcomes: Outcome[] = [];
  let stopped = false;
  let sent = 0;
  const max = options.maxRequests ?? 50_000;
  const body = JSON.stringify(init.json);
  const client = async (n: number) => {
    while (!stopped && sent < max) {
      const list = targets();
      const target = list[(sent++ + n) % list.length]!;
      const startedAt = Date.now();
      let status = 0;
      let code: string | undefined;
      try {
        const res = await fetch(`${target}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${init.key}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        status = res.status;
        const text = await res.text();
        if (status !== 200) code = (JSON.parse(text) as { code?: string }).code;
      } catch (err) {
        code = (err as Error).name === "TimeoutError" ? "CLIENT_TIMEOUT" : "CONNECTION_FAILED";
      }
      outcomes.push({ target, status, code, ms: Date.now() - startedAt, startedAt });
      // A short pause keeps two shared cores usable by the servers under test.
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const clients = Array.from({ length: options.concurrency ?? 4 }, (_, i) => client(i));
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

/** "200" or "503 DATABASE_UNAVAILABLE": how a test lists what it saw. */
export const label = (o: Outcome) => (o.code ? `${o.status} ${o.code}` : String(o.status));

export function tally(outcomes: Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[label(o)] = (out[label(o)] ?? 0) + 1;
  return out;
}
