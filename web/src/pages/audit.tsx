/**
 * Audit (admin): the hash-chained trail, newest first, filtered by actor, action and
 * outcome, and a button that walks the chain against its locked seals
 * (GET /v1/audit, /v1/audit/verify).
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { short, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Entry {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: Record<string, unknown> | null;
  hash: string;
}
interface Verify {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  anchorsChecked: number;
  problems: { seq: number; kind: string; message: string }[];
}

export function Audit() {
  const [filters, setFilters] = useState({ actor: "", action: "", outcome: "" });
  const [applied, setApplied] = useState(filters);
  const [verify, setVerify] = useState<Verify | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const list = useLoad(
    () => api<{ entries: Entry[] }>("/v1/audit", { query: { ...applied, order: "desc", limit: 100 } }),
    [applied],
  );
  const runVerify = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setVerify(await api<Verify>("/v1/audit/verify"));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const field = (name: keyof typeof filters, label: string, placeholder: string) => (
    <label>
      {label}
      <input
        name={name}
        value={filters[name]}
        placeholder={placeholder}
        onInput={(e) => setFilters({ ...filters, [name]: e.currentTarget.value })}
      />
    </label>
  );

  return (
    <>
      <h1>Audit trail</h1>
      <div class="row">
        <button type="button" class="primary" onClick={runVerify} disabled={busy}>
          {busy ? "Verifying…" : "Verify the chain"}
        </button>
        {verify ? (
          <p role="status" data-testid="audit-verify">
            <Badge kind={verify.ok ? "ok" : "bad"}>{verify.ok ? "intact" : "BROKEN"}</Badge> {verify.entries}{" "}
            entries checked, {verify.anchorsChecked} locked seals compared
            {verify.head ? (
              <>
                , head #{verify.head.seq} <code>{short(verify.head.hash)}</code>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
      {verify && verify.problems.length > 0 ? (
        <ul class="error">
          {verify.problems.map((p) => (
            <li key={`${p.seq}-${p.kind}`}>
              #{p.seq} {p.kind}: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <form
        class="card fields"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
        aria-label="Filters"
      >
        {field("actor", "Actor", "user:alice")}
        {field("action", "Action", "model.promote")}
        <label>
          Outcome
          <select
            name="outcome"
            value={filters.outcome}
            onChange={(e) => setFilters({ ...filters, outcome: e.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
            <option value="denied">denied</option>
          </select>
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <ErrorLine error={error ?? list.error} />
      <div class="scroll">
        <table data-testid="audit">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.entries ?? []).map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td>{when(e.ts)}</td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target}</td>
                <td>
                  <Badge kind={e.outcome === "success" ? "ok" : e.outcome === "denied" ? "bad" : "warn"}>
                    {e.outcome}
                  </Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
