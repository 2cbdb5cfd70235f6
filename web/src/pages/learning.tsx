/**
 * Learning cycles (analysts and admins): each cycle's champion and challenger, the decision
 * and why, and, for a chosen cycle, the figures behind it: the rule's checks suite by suite
 * and the campaign that found the champion's misses (GET /v1/learn/cycles).
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { num, pct, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Check {
  suite: string;
  metric: "recall" | "fpr";
  requirement: string;
  champion: number | null;
  challenger: number | null;
  passed: boolean;
}
interface Cycle {
  id: string;
  model: string;
  status: "running" | "succeeded" | "failed";
  champion: { ref: string } | null;
  challenger: { ref: string } | null;
  decision: "promoted" | "rejected" | null;
  reason: string | null;
  figures: { checks: Check[] } | null;
  campaign: {
    campaign: string;
    cases: number;
    detectionRate: number;
    overDefence: number;
    bypasses: number;
    overDefended: number;
  } | null;
  data: { counts: { rows: number; extraRows: number } } | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const DECISION_KIND = { promoted: "ok", rejected: "warn" } as const;

export function Learning() {
  const [decision, setDecision] = useState("");
  const [open, setOpen] = useState<string | undefined>();
  const list = useLoad(
    () => api<Cycle[]>("/v1/learn/cycles", { query: { decision, limit: 100 } }),
    [decision],
  );
  const chosen = list.data?.find((c) => c.id === open);
  return (
    <>
      <h1>Learning cycles</h1>
      <div class="row">
        <label>
          Decision{" "}
          <select value={decision} onChange={(e) => setDecision(e.currentTarget.value)}>
            <option value="">any</option>
            <option value="promoted">promoted</option>
            <option value="rejected">rejected</option>
          </select>
        </label>
      </div>
      <ErrorLine error={list.error} />
      <div class="scroll">
        <table data-testid="cycles">
          <thead>
            <tr>
              <th scope="col">Started (UTC)</th>
              <th scope="col">Model</th>
              <th scope="col">Champion → challenger</th>
              <th scope="col">Status</th>
              <th scope="col">Decision</th>
              <th scope="col">Figures</th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((c) => (
              <tr key={c.id}>
                <td>{when(c.startedAt)}</td>
                <td>{c.model}</td>
                <td>
                  {c.champion?.ref ?? "–"} → {c.challenger?.ref ?? "–"}
                </td>
                <td>
                  <Badge kind={c.status === "failed" ? "bad" : c.status === "running" ? "plain" : "ok"}>
                    {c.status}
                  </Badge>
                  {c.error ? <div class="error">{c.error}</div> : null}
                </td>
                <td>{c.decision ? <Badge kind={DECISION_KIND[c.decision]}>{c.decision}</Badge> : "–"}</td>
                <td>
                  {c.figures ? (
                    <button type="button" onClick={() => setOpen(c.id)} aria-label={`Figures of ${c.id}`}>
                      Figures
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data && list.data.length === 0 ? <p class="muted">No learning cycles yet.</p> : null}
      </div>
      {chosen ? <Figures cycle={chosen} /> : null}
    </>
  );
}

function Figures({ cycle }: { cycle: Cycle }) {
  const fixed = (x: number | null) => (x === null ? "–" : x.toFixed(3));
  const c = cycle.campaign;
  return (
    <section class="card" aria-labelledby="figures-title" data-testid="cycle-figures">
      <h2 id="figures-title">
        {cycle.id}: {cycle.decision ?? cycle.status}
      </h2>
      {cycle.reason ? <p>{cycle.reason}</p> : null}
      {c ? (
        <p>
          Campaign {c.campaign}: {num(c.cases)} cases, champion detected {pct(c.detectionRate)} (over-defence{" "}
          {pct(c.overDefence)}); {num(c.bypasses)} bypasses and {num(c.overDefended)} over-defended texts
          joined the challenger's data
          {cycle.data
            ? ` (${num(cycle.data.counts.rows)} rows, ${num(cycle.data.counts.extraRows)} from reports)`
            : ""}
          .
        </p>
      ) : null}
      <table>
        <caption>The rule's checks</caption>
        <thead>
          <tr>
            <th scope="col">Suite</th>
            <th scope="col">Metric</th>
            <th scope="col">Challenger must be</th>
            <th scope="col">Champion</th>
            <th scope="col">Challenger</th>
            <th scope="col">Passed</th>
          </tr>
        </thead>
        <tbody>
          {(cycle.figures?.checks ?? []).map((k) => (
            <tr key={`${k.suite}-${k.metric}`}>
              <td>{k.suite}</td>
              <td>{k.metric}</td>
              <td>{k.requirement}</td>
              <td>{fixed(k.champion)}</td>
              <td>{fixed(k.challenger)}</td>
              <td>
                <Badge kind={k.passed ? "ok" : "bad"}>{k.passed ? "yes" : "no"}</Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
