/**
 * Training and jobs: start a training run, watch its progress live (the job is polled
 * every second while it runs), cancel it, and see recent jobs and runs with their metrics
 * (POST /v1/training, GET /v1/jobs, /v1/jobs/:id, POST /v1/jobs/:id/cancel, GET /v1/runs).
 */
import { useEffect, useState } from "preact/hooks";
import { api, can, type User } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { pct, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Job {
  id: string;
  type: string;
  status: string;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  result: { run?: string; model?: string; stage?: string } | null;
  createdAt: string;
  createdBy: string;
  cancelRequested: boolean;
}
interface Run {
  id: string;
  status: string;
  modelName: string;
  modelVersion?: string | null;
  metrics?: Record<string, unknown> | null;
  startedAt?: string;
  finishedAt?: string | null;
}

const LIVE = new Set(["queued", "running"]);
const statusKind = (s: string) => (s === "succeeded" ? "ok" : LIVE.has(s) ? "warn" : "bad");

export function Training({ user }: { user: User }) {
  const [datasets, setDatasets] = useState("bundled");
  const [stage, setStage] = useState("staging");
  const [epochs, setEpochs] = useState("");
  const [watching, setWatching] = useState<Job | undefined>();
  const [error, setError] = useState<string | undefined>();
  const jobs = useLoad(() => api<Job[]>("/v1/jobs", { query: { limit: 20 } }), []);
  const runs = useLoad(() => api<Run[]>("/v1/runs", { query: { limit: 20 } }), []);

  // While the watched job runs, read it again every second.
  useEffect(() => {
    if (!watching || !LIVE.has(watching.status)) return;
    const timer = window.setTimeout(async () => {
      try {
        const next = await api<Job>(`/v1/jobs/${watching.id}`);
        setWatching(next);
        if (!LIVE.has(next.status)) {
          jobs.reload();
          runs.reload();
        }
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [watching]);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const list = datasets
        .split(",")
        .map((d) => d.trim())
        .filter(Boolean);
      const job = await api<Job>("/v1/training", {
        json: {
          datasets: list,
          stage,
          ...(epochs ? { params: { epochs: Number(epochs) } } : {}),
          allowPersonalData: true,
        },
      });
      setWatching(job);
      jobs.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const cancel = async (id: string) => {
    setError(undefined);
    try {
      const job = await api<Job>(`/v1/jobs/${id}/cancel`, { method: "POST", json: {} });
      if (watching?.id === id) setWatching(job);
      jobs.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <>
      <h1>Training &amp; jobs</h1>
      <form class="card" onSubmit={start} aria-labelledby="train-title">
        <h2 id="train-title">Start a training run</h2>
        <div class="fields">
          <label>
            Datasets (comma-separated)
            <input value={datasets} required onInput={(e) => setDatasets(e.currentTarget.value)} />
          </label>
          <label>
            Register as
            <select value={stage} onChange={(e) => setStage(e.currentTarget.value)}>
              <option value="none">none</option>
              <option value="staging">staging</option>
              {can.admin(user.role) ? <option value="production">production</option> : null}
            </select>
          </label>
          <label>
            Epochs (optional)
            <input
              type="number"
              min={1}
              max={100}
              value={epochs}
              onInput={(e) => setEpochs(e.currentTarget.value)}
            />
          </label>
        </div>
        <button type="submit" class="primary">
          Start training
        </button>
      </form>
      <ErrorLine error={error ?? jobs.error ?? runs.error} />
      {watching ? (
        <section class="card" aria-labelledby="watch-title" data-testid="watched-job">
          <h2 id="watch-title">
            Job {watching.id} <Badge kind={statusKind(watching.status)}>{watching.status}</Badge>
          </h2>
          <progress max={1} value={watching.progress} aria-label="Progress">
            {pct(watching.progress, 0)}
          </progress>{" "}
          {pct(watching.progress, 0)} {watching.progressMessage ?? ""}
          {watching.error ? <p class="error">{watching.error}</p> : null}
          {watching.result?.model ? (
            <p data-testid="trained-model">
              Model {watching.result.model} registered ({watching.result.stage ?? "none"}), run{" "}
              {watching.result.run}
            </p>
          ) : null}
          {LIVE.has(watching.status) && !watching.cancelRequested ? (
            <button type="button" class="danger" onClick={() => cancel(watching.id)}>
              Cancel job
            </button>
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="jobs-title">
        <div class="row">
          <h2 id="jobs-title">Recent jobs</h2>
          <button type="button" onClick={jobs.reload}>
            Refresh
          </button>
        </div>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">By</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {(jobs.data ?? []).map((j) => (
                <tr key={j.id}>
                  <td>
                    <button type="button" class="link" onClick={() => setWatching(j)}>
                      {j.id}
                    </button>
                  </td>
                  <td>{j.type}</td>
                  <td>
                    <Badge kind={statusKind(j.status)}>{j.status}</Badge>
                  </td>
                  <td>{pct(j.progress, 0)}</td>
                  <td>{j.createdBy}</td>
                  <td>{when(j.createdAt)}</td>
                  <td>
                    {LIVE.has(j.status) && !j.cancelRequested ? (
                      <button type="button" onClick={() => cancel(j.id)}>
                        Cancel
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Training runs</h2>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Model</th>
                <th scope="col">Validation F1</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {(runs.data ?? []).map((r) => (
                <tr key={r.id}>
                  <td>
                    <code>{r.id}</code>
                  </td>
                  <td>
                    <Badge kind={statusKind(r.status)}>{r.status}</Badge>
                  </td>
                  <td>{r.modelVersion ? `${r.modelName}@${r.modelVersion}` : r.modelName}</td>
                  <td>{validationF1(r)}</td>
                  <td>{when(r.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function validationF1(r: Run): string {
  const v = (r.metrics as { validation?: { f1?: number } } | null | undefined)?.validation?.f1;
  return typeof v === "number" ? v.toFixed(3) : "–";
}
