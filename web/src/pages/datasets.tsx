/**
 * Datasets: the catalogue's versions, one version's statistics (labels, categories,
 * languages, sources) and the rows refused as invalid, an export link, and an import of a
 * JSONL file (uploaded, then imported by a job this page watches)
 * (GET /v1/datasets, /stats, /export, PUT /v1/datasets/uploads/:name, POST /import).
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { num, short, when } from "../format.js";
import { useLoad } from "../hooks.js";

type Tally = Record<string, number>;
interface Counts {
  rows: number;
  label: Tally;
  category: Tally;
  lang: Tally;
  source: Tally;
}
interface Dataset {
  id: string;
  ref: string;
  sha256: string;
  size: number;
  rows: number;
  skippedRows: number;
  counts: Counts;
  origin: { kind: string; sources: { kind: string; location: string; rows: number; invalid: number }[] };
  privacy: { personalData?: string };
  createdAt: string;
  createdBy: string;
}
interface Job {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  result: { dataset?: string } | null;
}

const LIVE = new Set(["queued", "running"]);

export function Datasets() {
  const list = useLoad(() => api<Dataset[]>("/v1/datasets"), []);
  const [selected, setSelected] = useState<string | undefined>();
  const current = list.data?.find((d) => d.ref === selected);
  return (
    <>
      <h1>Datasets</h1>
      <ErrorLine error={list.error} />
      <div class="scroll">
        <table data-testid="datasets">
          <thead>
            <tr>
              <th scope="col">Dataset</th>
              <th scope="col">Rows</th>
              <th scope="col">Invalid rows skipped</th>
              <th scope="col">Personal data</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((d) => (
              <tr key={d.id}>
                <td>{d.ref}</td>
                <td>{num(d.rows)}</td>
                <td>{d.skippedRows > 0 ? <Badge kind="warn">{num(d.skippedRows)}</Badge> : "0"}</td>
                <td>{d.privacy?.personalData ?? "–"}</td>
                <td title={d.sha256}>
                  <code>{short(d.sha256)}</code>
                </td>
                <td>{when(d.createdAt)}</td>
                <td class="row">
                  <button type="button" onClick={() => setSelected(d.ref)}>
                    Statistics
                  </button>
                  <a href={`/v1/datasets/${encodeURIComponent(d.ref)}/export`} download={`${d.ref}.jsonl`}>
                    Export JSONL
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {current ? <Stats d={current} /> : null}
      <Import onImported={list.reload} />
    </>
  );
}

function TallyTable({ title, tally }: { title: string; tally: Tally }) {
  const rows = Object.entries(tally).sort((a, b) => b[1] - a[1]);
  return (
    <table>
      <caption>{title}</caption>
      <tbody>
        {rows.map(([k, n]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{num(n)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Stats({ d }: { d: Dataset }) {
  const labels: Tally = {};
  for (const [k, n] of Object.entries(d.counts.label)) labels[k === "1" ? "attack (1)" : "benign (0)"] = n;
  return (
    <section class="card" aria-labelledby="stats-title" data-testid="dataset-stats">
      <h2 id="stats-title">{d.ref}</h2>
      <div class="tallies">
        <TallyTable title="Labels" tally={labels} />
        <TallyTable title="Categories" tally={d.counts.category} />
        <TallyTable title="Languages" tally={d.counts.lang} />
        <TallyTable title="Sources" tally={d.counts.source} />
      </div>
      <h3>Where the rows came from</h3>
      <ul>
        {d.origin.sources.map((s, i) => (
          <li key={i}>
            {s.kind} <code>{s.location}</code>: {num(s.rows)} rows
            {s.invalid > 0 ? <Badge kind="warn">{num(s.invalid)} invalid</Badge> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Import({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | undefined>();
  const [name, setName] = useState("");
  const [skipInvalid, setSkipInvalid] = useState(true);
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!job || !LIVE.has(job.status)) return;
    const timer = window.setTimeout(async () => {
      try {
        const next = await api<Job>(`/v1/jobs/${job.id}`);
        setJob(next);
        if (!LIVE.has(next.status)) onImported();
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [job]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(undefined);
    try {
      const dataset = name || file.name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9._-]/g, "-");
      const up = await api<{ source: string }>(
        `/v1/datasets/uploads/${encodeURIComponent(`${dataset}.jsonl`)}`,
        {
          method: "PUT",
          raw: { body: file, contentType: "application/x-ndjson" },
        },
      );
      setJob(
        await api<Job>("/v1/datasets/import", { json: { sources: [up.source], name: dataset, skipInvalid } }),
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="import-title">
      <h2 id="import-title">Import a JSONL file</h2>
      <div class="fields">
        <label>
          File (one JSON object a line: text, label, category…)
          <input
            type="file"
            accept=".jsonl,.ndjson,application/x-ndjson"
            required
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        </label>
        <label>
          Dataset name
          <input
            value={name}
            pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={skipInvalid}
            onChange={(e) => setSkipInvalid(e.currentTarget.checked)}
          />{" "}
          Skip invalid rows
        </label>
      </div>
      <button type="submit" class="primary" disabled={!file}>
        Upload and import
      </button>
      <ErrorLine error={error} />
      {job ? (
        <p role="status" data-testid="import-job">
          Import job {job.id}:{" "}
          <Badge kind={job.status === "succeeded" ? "ok" : LIVE.has(job.status) ? "warn" : "bad"}>
            {job.status}
          </Badge>
          {job.result?.dataset ? ` — ${job.result.dataset}` : ""}
          {job.error ? ` — ${job.error}` : ""}
        </p>
      ) : null}
    </form>
  );
}
