/**
 * Red team (analysts and admins): start a campaign against the production model, watch
 * its job, and read campaigns: detection rate and over-defence, the generator x mutator
 * heat map of the weakest combinations, and bypass examples
 * (POST/GET /v1/redteam/campaigns, GET /v1/redteam/campaigns/:id/report).
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { pct, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Summary {
  campaign: string;
  model: { ref: string };
  seed: number;
  cases: number;
  detectionRate: number;
  overDefence: number;
  startedAt: string;
  previous?: { campaign: string; detectionRate: number };
}
type Tally = { cases: number; detectionRate: number | null; overDefence: number | null };
interface Report extends Summary {
  byGenerator: Record<string, Tally>;
  byMutator: Record<string, Tally>;
  worst: { generator: string; mutator: string; cases: number; detectionRate: number; examples: string[] }[];
}
interface Job {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  result: { campaign?: string } | null;
}
const LIVE = new Set(["queued", "running"]);

/** Red for a low detection rate, green for a high one, keeping dark text readable on it. */
function heat(rate: number): string {
  const hue = Math.round(rate * 120);
  return `hsl(${hue} 70% 82%)`;
}

export function RedTeam() {
  const list = useLoad(() => api<Summary[]>("/v1/redteam/campaigns"), []);
  const [cases, setCases] = useState("300");
  const [seed, setSeed] = useState("1");
  const [job, setJob] = useState<Job | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!job || !LIVE.has(job.status)) return;
    const timer = window.setTimeout(async () => {
      try {
        const next = await api<Job>(`/v1/jobs/${job.id}`);
        setJob(next);
        if (!LIVE.has(next.status)) {
          list.reload();
          if (next.result?.campaign) setOpen(next.result.campaign);
        }
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [job]);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setJob(await api<Job>("/v1/redteam/campaigns", { json: { cases: Number(cases), seed: Number(seed) } }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <>
      <h1>Red team</h1>
      <form class="card fields" onSubmit={start} aria-label="New campaign">
        <label>
          Cases
          <input
            type="number"
            min={1}
            max={100000}
            value={cases}
            onInput={(e) => setCases(e.currentTarget.value)}
          />
        </label>
        <label>
          Seed
          <input type="number" min={0} value={seed} onInput={(e) => setSeed(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          Start campaign
        </button>
        {job ? (
          <span role="status" data-testid="campaign-job">
            Job {job.id}:{" "}
            <Badge kind={job.status === "succeeded" ? "ok" : LIVE.has(job.status) ? "warn" : "bad"}>
              {job.status}
            </Badge>{" "}
            {pct(job.progress, 0)}
            {job.error ? ` — ${job.error}` : ""}
          </span>
        ) : null}
      </form>
      <ErrorLine error={error ?? list.error} />
      <div class="scroll">
        <table data-testid="campaigns">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Model</th>
              <th scope="col">Cases</th>
              <th scope="col">Detection rate</th>
              <th scope="col">Over-defence</th>
              <th scope="col">Started</th>
              <th scope="col">Report</th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((c) => (
              <tr key={c.campaign}>
                <td>
                  <code>{c.campaign}</code>
                </td>
                <td>{c.model.ref}</td>
                <td>{c.cases}</td>
                <td>
                  {pct(c.detectionRate)}
                  {c.previous ? <span class="muted"> (was {pct(c.previous.detectionRate)})</span> : null}
                </td>
                <td>{pct(c.overDefence)}</td>
                <td>{when(c.startedAt)}</td>
                <td>
                  <button type="button" onClick={() => setOpen(c.campaign)}>
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open ? <CampaignReport id={open} /> : null}
    </>
  );
}

function CampaignReport({ id }: { id: string }) {
  const report = useLoad(() => api<Report>(`/v1/redteam/campaigns/${encodeURIComponent(id)}/report`), [id]);
  const r = report.data;
  if (report.error) return <ErrorLine error={report.error} />;
  if (!r) return <p class="loading">Loading…</p>;
  const generators = Object.keys(r.byGenerator).sort();
  const mutators = Object.keys(r.byMutator).sort();
  const cell = new Map(r.worst.map((w) => [`${w.generator}|${w.mutator}`, w]));
  return (
    <section class="card" aria-labelledby="report-title" data-testid="campaign-report">
      <h2 id="report-title">
        Campaign {r.campaign}: {pct(r.detectionRate)} detected, {pct(r.overDefence)} over-defence
      </h2>
      <h3>Weakest generator x mutator combinations (detection rate)</h3>
      <div class="scroll">
        <table class="heat">
          <thead>
            <tr>
              <th scope="col">Generator \ mutator</th>
              {mutators.map((m) => (
                <th key={m} scope="col">
                  {m}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {generators.map((g) => (
              <tr key={g}>
                <th scope="row">{g}</th>
                {mutators.map((m) => {
                  const w = cell.get(`${g}|${m}`);
                  return w ? (
                    <td key={m} style={{ background: heat(w.detectionRate) }} title={`${w.cases} cases`}>
                      {pct(w.detectionRate, 0)}
                    </td>
                  ) : (
                    <td key={m} class="muted">
                      ·
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">Cells left blank are not among the weakest combinations the report lists.</p>
      <h3>Bypass examples</h3>
      <ul class="examples">
        {r.worst
          .filter((w) => w.examples.length > 0)
          .slice(0, 5)
          .map((w) => (
            <li key={`${w.generator}|${w.mutator}`}>
              <strong>
                {w.generator} + {w.mutator}
              </strong>{" "}
              ({pct(w.detectionRate, 0)} detected)
              <pre>{w.examples[0]}</pre>
            </li>
          ))}
      </ul>
    </section>
  );
}
