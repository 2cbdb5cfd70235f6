/**
 * Analytics (analysts and admins): flagged rate by category and requests by key over the
 * last day, week or 30 days; the summary's tables and business figures; drift of live
 * traffic against the production model's validation data; the shadow model's comparison
 * (admins set and clear it); and the security report, opened as the server renders it.
 */
import { useState } from "preact/hooks";
import { api, can, type User } from "../api.js";
import { align, TimeChart } from "../chart.js";
import { Badge, Confirm, ErrorLine } from "../components.js";
import { ms, num, pct, when } from "../format.js";
import { useLoad } from "../hooks.js";

type Point = { bucket_start: string; value: number; group?: string };
type Counts = Record<string, number>;
interface Summary {
  requests: number;
  flagged: number;
  byLanguage: Counts;
  topKeys: { key: string; name: string | null; requests: number; flagged: number }[];
  topEvidence: { id: string; count: number }[];
  topTechniques: { id: string; requests: number; flagged: number }[];
  business: {
    attackRate: number;
    blockRate: number;
    falsePositive: { reports: number; accepted: number; rate: number | null; acceptedRate: number | null };
    missToFix: {
      reported: number;
      fixed: number;
      open: number;
      meanHours: number | null;
      medianHours: number | null;
    };
  };
}
interface Drift {
  model: string | null;
  reference: { available: true; source: string; rows: number } | { available: false; reason: string };
  live: { rows: number; sampled: boolean };
  features: { feature: string; psi: number | null; level: string }[];
  maxPsi: number | null;
}
interface Example {
  at: string;
  productionScore: number;
  shadowScore: number;
  category: string | null;
  text: string | null;
}
interface Shadow {
  compared: number;
  agreed: number;
  agreementRate: number;
  production: { flagged: number; flaggedRate: number };
  shadow: { flagged: number; flaggedRate: number };
  models: { production: Counts; shadow: Counts };
  disagreements: { shadowFlags: number; productionFlags: number };
  examples: { shadowFlags: Example[]; productionFlags: Example[] };
  shadowLatency: { p50: number | null; p95: number | null };
}
interface ShadowStatus {
  setting: { model: string; version: string; sample: number; source: string } | null;
  active: string | null;
  error: string | null;
}

const RANGES = { day: 86400e3, week: 7 * 86400e3, month: 30 * 86400e3 } as const;
type Range = keyof typeof RANGES;
const LEVEL_KIND: Record<string, string> = { stable: "ok", moderate: "warn", major: "bad", unknown: "plain" };

export function Analytics({ user }: { user: User }) {
  const [range, setRange] = useState<Range>("day");
  const data = useLoad(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range]).toISOString();
    const bucket = range === "day" ? "hour" : "day";
    const [summary, rate, byKey, drift, shadow] = await Promise.all([
      api<Summary>("/v1/analytics/summary", { query: { from } }),
      api<Point[]>("/v1/analytics/timeseries", {
        query: { metric: "flagged_rate", bucket, by: "category", from },
      }),
      api<Point[]>("/v1/analytics/timeseries", { query: { metric: "requests", bucket, by: "key", from } }),
      api<Drift>("/v1/analytics/drift", { query: { from } }),
      api<Shadow>("/v1/analytics/shadow", { query: { from } }),
    ]);
    // Keys are ids in the series; the summary's top keys give their names.
    const names = new Map(summary.topKeys.map((k) => [k.key, k.name ?? k.key]));
    return {
      summary,
      drift,
      shadow,
      span: [Date.parse(from) / 1000, to.getTime() / 1000] as [number, number],
      rate: align(rate.filter((p) => p.group !== "none").map((p) => ({ ...p, value: p.value * 100 }))),
      byKey: align(byKey.map((p) => ({ ...p, group: names.get(p.group ?? "") ?? p.group }))),
    };
  }, [range]);
  const d = data.data;
  return (
    <>
      <h1>Analytics</h1>
      <div class="row">
        <label>
          Range{" "}
          <select value={range} onChange={(e) => setRange(e.currentTarget.value as Range)}>
            <option value="day">Last day</option>
            <option value="week">Last week</option>
            <option value="month">Last 30 days</option>
          </select>
        </label>
        <a href="/v1/analytics/report?format=html" target="_blank" rel="noopener">
          Open the security report (last 7 days)
        </a>
        <a href="/v1/analytics/report?format=md" download="bulwark-report.md">
          Download it as Markdown
        </a>
      </div>
      <ErrorLine error={data.error} />
      {d ? (
        <>
          <Business summary={d.summary} />
          <div class="charts">
            <TimeChart title="Flagged rate by category (%)" unit="%" span={d.span} {...d.rate} />
            <TimeChart title="Requests by key" span={d.span} {...d.byKey} />
          </div>
          <Tables summary={d.summary} />
          <DriftCard drift={d.drift} />
          <ShadowCard shadow={d.shadow} admin={can.admin(user.role)} />
        </>
      ) : data.loading ? (
        <p class="loading">Loading…</p>
      ) : null}
    </>
  );
}

function Business({ summary }: { summary: Summary }) {
  const b = summary.business;
  const hours = (h: number | null) => (h === null ? "–" : `${h.toFixed(1)} h`);
  return (
    <div class="tiles" data-testid="business">
      <div class="tile">
        <span>Requests / flagged</span>
        <strong>
          {num(summary.requests)} / {num(summary.flagged)}
        </strong>
      </div>
      <div class="tile">
        <span>Attack rate</span>
        <strong>{pct(b.attackRate)}</strong>
      </div>
      <div class="tile">
        <span>Block rate</span>
        <strong>{pct(b.blockRate)}</strong>
      </div>
      <div class="tile">
        <span>False positives reported (accepted)</span>
        <strong>
          {num(b.falsePositive.reports)} ({num(b.falsePositive.accepted)}), {pct(b.falsePositive.rate)}
        </strong>
      </div>
      <div class="tile">
        <span>Misses reported / fixed / open</span>
        <strong>
          {num(b.missToFix.reported)} / {num(b.missToFix.fixed)} / {num(b.missToFix.open)}
        </strong>
      </div>
      <div class="tile">
        <span>Miss to fix (median / mean)</span>
        <strong>
          {hours(b.missToFix.medianHours)} / {hours(b.missToFix.meanHours)}
        </strong>
      </div>
    </div>
  );
}

function Tally(props: { caption: string; head: string[]; rows: (string | number)[][]; testid: string }) {
  return (
    <table data-testid={props.testid}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.length === 0 ? (
          <tr>
            <td colSpan={props.head.length} class="muted">
              none
            </td>
          </tr>
        ) : (
          props.rows.map((r) => (
            <tr key={String(r[0])}>
              {r.map((c, i) => (
                <td key={i}>{typeof c === "number" ? num(c) : c}</td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

function Tables({ summary }: { summary: Summary }) {
  return (
    <section class="card tallies" aria-label="Breakdowns">
      <Tally
        testid="top-keys"
        caption="Top keys"
        head={["Key", "Requests", "Flagged"]}
        rows={summary.topKeys.map((k) => [k.name ?? `${k.key} (deleted)`, k.requests, k.flagged])}
      />
      <Tally
        testid="languages"
        caption="By language"
        head={["Language", "Events"]}
        rows={Object.entries(summary.byLanguage).sort((a, b) => b[1] - a[1])}
      />
      <Tally
        testid="techniques"
        caption="Top techniques"
        head={["Technique", "Seen", "Flagged"]}
        rows={summary.topTechniques.map((t) => [t.id, t.requests, t.flagged])}
      />
      <Tally
        testid="evidence"
        caption="Top evidence (flagged)"
        head={["Evidence", "Count"]}
        rows={summary.topEvidence.map((e) => [e.id, e.count])}
      />
    </section>
  );
}

function DriftCard({ drift }: { drift: Drift }) {
  return (
    <section class="card" aria-labelledby="drift-title" data-testid="drift">
      <h2 id="drift-title">Drift</h2>
      <p>
        Production model {drift.model ?? "none"}: {num(drift.live.rows)} live events
        {drift.live.sampled ? " (the most recent sampled)" : ""}
        {drift.reference.available
          ? `, against ${num(drift.reference.rows)} validation rows (${drift.reference.source}).`
          : "."}
      </p>
      {drift.reference.available ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">PSI</th>
              <th scope="col">Level</th>
            </tr>
          </thead>
          <tbody>
            {drift.features.map((f) => (
              <tr key={f.feature}>
                <td>{f.feature}</td>
                <td>{f.psi === null ? "–" : f.psi.toFixed(3)}</td>
                <td>
                  <Badge kind={LEVEL_KIND[f.level] ?? "plain"}>{f.level}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No reference: {drift.reference.reason}</p>
      )}
    </section>
  );
}

function ShadowCard({ shadow, admin }: { shadow: Shadow; admin: boolean }) {
  const status = useLoad(() => api<ShadowStatus>("/v1/shadow"), []);
  const s = status.data;
  const examples = [
    ...shadow.examples.shadowFlags.map((e) => ({ ...e, who: "shadow flagged" })),
    ...shadow.examples.productionFlags.map((e) => ({ ...e, who: "production flagged" })),
  ];
  return (
    <section class="card" aria-labelledby="shadow-title" data-testid="shadow">
      <h2 id="shadow-title">Shadow model</h2>
      <ErrorLine error={status.error} />
      {s ? (
        <p>
          {s.setting
            ? `In force: ${s.setting.model}@${s.setting.version}, ${pct(s.setting.sample, 0)} of traffic (${s.setting.source})`
            : "No shadow model is set."}
          {s.error ? <span class="error"> {s.error}</span> : null}
        </p>
      ) : null}
      {admin && s ? <ShadowControls status={s} onChanged={status.reload} /> : null}
      {shadow.compared === 0 ? (
        <p class="muted">No comparisons in this range.</p>
      ) : (
        <>
          <div class="tiles">
            <div class="tile">
              <span>Compared / agreement</span>
              <strong>
                {num(shadow.compared)} / {pct(shadow.agreementRate)}
              </strong>
            </div>
            <div class="tile">
              <span>Production flagged</span>
              <strong>{pct(shadow.production.flaggedRate)}</strong>
            </div>
            <div class="tile">
              <span>Shadow flagged</span>
              <strong>{pct(shadow.shadow.flaggedRate)}</strong>
            </div>
            <div class="tile">
              <span>Shadow scoring p50 / p95</span>
              <strong>
                {ms(shadow.shadowLatency.p50)} / {ms(shadow.shadowLatency.p95)}
              </strong>
            </div>
          </div>
          {examples.length === 0 ? (
            <p class="muted">The two models agreed on every text compared.</p>
          ) : (
            <table>
              <caption>Disagreements (latest)</caption>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Which</th>
                  <th scope="col">Production</th>
                  <th scope="col">Shadow</th>
                  <th scope="col">Category</th>
                  <th scope="col">Text (as kept)</th>
                </tr>
              </thead>
              <tbody>
                {examples.map((e, i) => (
                  <tr key={i}>
                    <td>{when(e.at)}</td>
                    <td>{e.who}</td>
                    <td>{e.productionScore.toFixed(3)}</td>
                    <td>{e.shadowScore.toFixed(3)}</td>
                    <td>{e.category ?? "–"}</td>
                    <td>{e.text ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function ShadowControls({ status, onChanged }: { status: ShadowStatus; onChanged: () => void }) {
  const [form, setForm] = useState({ ref: "", sample: "0.1" });
  const [asking, setAsking] = useState<"set" | "clear" | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [model = "", version = ""] = form.ref.split("@");
  const versions = useLoad(() => api<{ ref: string }[]>("/v1/models"), []);
  const run = async () => {
    const what = asking;
    setAsking(undefined);
    setError(undefined);
    try {
      if (what === "set")
        await api("/v1/shadow", { method: "PUT", json: { model, version, sample: Number(form.sample) } });
      else await api("/v1/shadow", { method: "DELETE" });
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <>
      <form
        class="fields"
        aria-label="Shadow model"
        onSubmit={(e) => {
          e.preventDefault();
          setAsking("set");
        }}
      >
        <label>
          Shadow version (name@version)
          <input
            value={form.ref}
            placeholder="builtin@1.1.0"
            list="shadow-versions"
            required
            pattern="[a-z0-9][a-z0-9._\-]*@.+"
            onInput={(e) => setForm({ ...form, ref: e.currentTarget.value })}
          />
        </label>
        <label>
          Sample (0–1)
          <input
            type="number"
            min="0"
            max="1"
            step="0.01"
            value={form.sample}
            onInput={(e) => setForm({ ...form, sample: e.currentTarget.value })}
          />
        </label>
        <datalist id="shadow-versions">
          {(versions.data ?? []).map((v) => (
            <option key={v.ref} value={v.ref} />
          ))}
        </datalist>
        <button type="submit">Set shadow model</button>
        {status.setting?.source === "api" ? (
          <button type="button" onClick={() => setAsking("clear")}>
            Clear shadow model
          </button>
        ) : null}
      </form>
      <ErrorLine error={error} />
      {asking ? (
        <Confirm
          title={asking === "set" ? `Shadow ${form.ref}?` : "Clear the shadow model?"}
          confirmLabel={asking === "set" ? "Set shadow" : "Clear"}
          onConfirm={run}
          onCancel={() => setAsking(undefined)}
        >
          {asking === "set"
            ? `Every replica will also score ${pct(Number(form.sample), 0)} of live traffic with it, off the request path.`
            : "Replicas stop scoring with it (BULWARK_SHADOW applies again when set)."}
        </Confirm>
      ) : null}
    </>
  );
}
