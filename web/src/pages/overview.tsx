/**
 * Overview: service health and the production model for everyone; for analysts and admins,
 * requests, flagged rate by category and latency percentiles over the last hour, day or
 * week (GET /v1/analytics/summary and /timeseries).
 */
import { useState } from "preact/hooks";
import { api, can, type User } from "../api.js";
import { align, TimeChart } from "../chart.js";
import { Badge, ErrorLine } from "../components.js";
import { ms, num, pct, short } from "../format.js";
import { useLoad } from "../hooks.js";

interface Ready {
  ready: boolean;
  checks: { name: string; ok: boolean; error?: string }[];
  model: { name: string; version: string; sha256: string } | null;
  detectors: string[];
}
interface Summary {
  requests: number;
  flagged: number;
  flaggedRate: number;
  byCategory: Record<string, number>;
  latency: { p50: number | null; p95: number | null; p99: number | null; under10msShare: number | null };
  topEvidence: { id: string; count: number }[];
}
type Point = { bucket_start: string; value: number; group?: string };

const RANGES = { hour: 3600e3, day: 86400e3, week: 7 * 86400e3 } as const;
type Range = keyof typeof RANGES;

export function Overview({ user }: { user: User }) {
  return (
    <>
      <h1>Overview</h1>
      <Health />
      {can.read(user.role) ? <Traffic /> : null}
    </>
  );
}

function Health() {
  const ready = useLoad(async () => {
    const res = await fetch("/ready", { headers: { accept: "application/json" } });
    const body = (await res.json()) as { data?: Ready; details?: { checks: Ready["checks"] } };
    return body.data ?? { ready: false, checks: body.details?.checks ?? [], model: null, detectors: [] };
  }, []);
  const r = ready.data;
  return (
    <section aria-labelledby="health-title" class="card">
      <h2 id="health-title">Service health</h2>
      <ErrorLine error={ready.error} />
      {r ? (
        <div class="health">
          <ul class="checks">
            {r.checks.map((c) => (
              <li key={c.name}>
                <Badge kind={c.ok ? "ok" : "bad"}>{c.ok ? "ok" : "down"}</Badge> {c.name}
                {c.error ? <span class="muted"> — {c.error}</span> : null}
              </li>
            ))}
          </ul>
          <dl class="facts">
            <dt>Production model</dt>
            <dd>{r.model ? `${r.model.name}@${r.model.version}` : "none"}</dd>
            {r.model ? (
              <>
                <dt>SHA-256</dt>
                <dd title={r.model.sha256}>
                  <code>{short(r.model.sha256)}</code>
                </dd>
              </>
            ) : null}
            <dt>Detectors</dt>
            <dd>{r.detectors.join(", ") || "–"}</dd>
          </dl>
        </div>
      ) : null}
    </section>
  );
}

function Traffic() {
  const [range, setRange] = useState<Range>("day");
  const data = useLoad(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range]).toISOString();
    const bucket = range === "week" ? "day" : "hour";
    const series = (metric: string, by?: string) =>
      api<Point[]>("/v1/analytics/timeseries", { query: { metric, bucket, by, from } });
    const [summary, requests, flagged, rate, p50, p95, p99] = await Promise.all([
      api<Summary>("/v1/analytics/summary", { query: { from } }),
      series("requests"),
      series("flagged"),
      series("flagged_rate", "category"),
      series("latency_p50"),
      series("latency_p95"),
      series("latency_p99"),
    ]);
    const volume = align([
      ...requests.map((p) => ({ ...p, group: "requests" })),
      ...flagged.map((p) => ({ ...p, group: "flagged" })),
    ]);
    const latency = align([
      ...p50.map((p) => ({ ...p, group: "p50" })),
      ...p95.map((p) => ({ ...p, group: "p95" })),
      ...p99.map((p) => ({ ...p, group: "p99" })),
    ]);
    const byCategory = align(
      rate.filter((p) => p.group !== "none").map((p) => ({ ...p, value: p.value * 100 })),
    );
    const span: [number, number] = [Date.parse(from) / 1000, to.getTime() / 1000];
    return { summary, volume, latency, byCategory, span };
  }, [range]);
  const s = data.data?.summary;
  return (
    <section aria-labelledby="traffic-title">
      <div class="row">
        <h2 id="traffic-title">Traffic</h2>
        <label>
          Range{" "}
          <select value={range} onChange={(e) => setRange(e.currentTarget.value as Range)}>
            <option value="hour">Last hour</option>
            <option value="day">Last day</option>
            <option value="week">Last week</option>
          </select>
        </label>
      </div>
      <ErrorLine error={data.error} />
      {s ? (
        <div class="tiles">
          <div class="tile">
            <span>Requests</span>
            <strong>{num(s.requests)}</strong>
          </div>
          <div class="tile">
            <span>Flagged</span>
            <strong>{num(s.flagged)}</strong>
          </div>
          <div class="tile">
            <span>Flagged rate</span>
            <strong>{pct(s.flaggedRate)}</strong>
          </div>
          <div class="tile">
            <span>Latency p50 / p99</span>
            <strong>
              {ms(s.latency.p50)} / {ms(s.latency.p99)}
            </strong>
          </div>
          <div class="tile">
            <span>Under 10 ms</span>
            <strong>{pct(s.latency.under10msShare)}</strong>
          </div>
        </div>
      ) : null}
      {data.data ? (
        <div class="charts">
          <TimeChart title="Requests and flagged" span={data.data.span} {...data.data.volume} />
          <TimeChart
            title="Flagged rate by category (%)"
            unit="%"
            span={data.data.span}
            {...data.data.byCategory}
          />
          <TimeChart
            title="Latency percentiles (ms)"
            unit=" ms"
            span={data.data.span}
            {...data.data.latency}
          />
          <section class="card" aria-labelledby="cat-title">
            <h3 id="cat-title">Flagged by category</h3>
            <table>
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col">Events</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(s?.byCategory ?? {})
                  .sort((a, b) => b[1] - a[1])
                  .map(([c, n]) => (
                    <tr key={c}>
                      <td>{c}</td>
                      <td>{num(n)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        </div>
      ) : data.loading ? (
        <p class="loading">Loading…</p>
      ) : null}
    </section>
  );
}
