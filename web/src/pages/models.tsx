/**
 * Models: the registry's versions with stage, SHA-256, lineage and metrics; an integrity
 * check; two versions side by side; and, for admins only, promote and roll back, each
 * behind a confirmation (GET /v1/models, /verify, POST /promote, /rollback).
 */
import { useState } from "preact/hooks";
import { api, can, type User } from "../api.js";
import { Badge, Confirm, ErrorLine } from "../components.js";
import { short, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface ModelVersion {
  id: string;
  name: string;
  version: string;
  ref: string;
  family: string;
  format: string;
  stage: string;
  sha256: string;
  size: number;
  parentVersion: string | null;
  runId: string | null;
  datasets: { ref?: string; name?: string; version?: number | string }[];
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
}
interface VerifyReport {
  ok: boolean;
  checked: number;
  failed: number;
  results: { ref: string; ok: boolean; expected: string; actual: string | null }[];
}
type Pending = { kind: "promote"; v: ModelVersion } | { kind: "rollback"; name: string };

/** The validation metrics worth a column, flattened to "validation.f1" and the like. */
function flat(metrics: Record<string, unknown>, prefix = ""): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v === "number") out[prefix + k] = v;
    else if (v && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flat(v as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}
const f1 = (v: ModelVersion) => flat(v.metrics)["validation.f1"];

export function Models({ user }: { user: User }) {
  const list = useLoad(() => api<ModelVersion[]>("/v1/models"), []);
  const [verify, setVerify] = useState<VerifyReport | undefined>();
  const [selected, setSelected] = useState<string[]>([]);
  const [pending, setPending] = useState<Pending | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const admin = can.admin(user.role);

  const act = async (fn: () => Promise<string>) => {
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await fn());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const runVerify = (ref: string) =>
    act(async () => {
      const r = await api<VerifyReport>(`/v1/models/${encodeURIComponent(ref)}/verify`);
      setVerify(r);
      return r.ok
        ? `Integrity: ${r.checked} artifact(s) match their SHA-256`
        : `Integrity: ${r.failed} failed`;
    });
  const confirm = () => {
    const p = pending;
    setPending(undefined);
    if (!p) return;
    void act(async () => {
      if (p.kind === "promote") {
        await api(`/v1/models/${encodeURIComponent(p.v.ref)}/promote`, { json: { stage: "production" } });
        list.reload();
        return `${p.v.ref} is now in production`;
      }
      const r = await api<{ version: { ref: string } }>(`/v1/models/${encodeURIComponent(p.name)}/rollback`, {
        json: {},
      });
      list.reload();
      return `Rolled back: ${r.version.ref} is in production again`;
    });
  };
  const toggle = (ref: string) =>
    setSelected((s) => (s.includes(ref) ? s.filter((x) => x !== ref) : [...s, ref].slice(-2)));

  const versions = list.data ?? [];
  const names = [...new Set(versions.map((v) => v.name))];
  const compared = selected.map((r) => versions.find((v) => v.ref === r)).filter((v) => v !== undefined);

  return (
    <>
      <h1>Models</h1>
      <ErrorLine error={list.error ?? error} />
      {message ? (
        <p class="notice" role="status">
          {message}
        </p>
      ) : null}
      <div class="row">
        {names.map((n) => (
          <span key={n} class="row">
            <button type="button" onClick={() => runVerify(n)}>
              Verify every {n} version
            </button>
            {admin ? (
              <button type="button" class="danger" onClick={() => setPending({ kind: "rollback", name: n })}>
                Roll back {n}
              </button>
            ) : null}
          </span>
        ))}
      </div>
      <div class="scroll">
        <table data-testid="models">
          <caption class="sr-only">Model versions</caption>
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Version</th>
              <th scope="col">Stage</th>
              <th scope="col">SHA-256</th>
              <th scope="col">F1</th>
              <th scope="col">Trained from</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} data-ref={v.ref}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${v.ref}`}
                    checked={selected.includes(v.ref)}
                    onChange={() => toggle(v.ref)}
                  />
                </td>
                <td>{v.ref}</td>
                <td>
                  <Badge kind={v.stage === "production" ? "ok" : v.stage === "staging" ? "warn" : "plain"}>
                    {v.stage}
                  </Badge>
                </td>
                <td title={v.sha256}>
                  <code>{short(v.sha256)}</code>
                </td>
                <td>{f1(v)?.toFixed(3) ?? "–"}</td>
                <td>{v.parentVersion ?? "–"}</td>
                <td>{when(v.createdAt)}</td>
                <td class="row">
                  <button type="button" onClick={() => runVerify(v.ref)}>
                    Verify
                  </button>
                  {admin && v.stage !== "production" ? (
                    <button type="button" onClick={() => setPending({ kind: "promote", v })}>
                      Promote
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {verify ? (
        <section class="card" aria-labelledby="verify-title">
          <h2 id="verify-title">Integrity check</h2>
          <ul>
            {verify.results.map((r) => (
              <li key={r.ref}>
                <Badge kind={r.ok ? "ok" : "bad"}>{r.ok ? "match" : "MISMATCH"}</Badge> {r.ref}{" "}
                <code title={r.expected}>{short(r.expected)}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {compared.length === 2 ? <Compare a={compared[0]!} b={compared[1]!} /> : null}
      {compared.length < 2 ? <p class="muted">Tick two versions to compare them side by side.</p> : null}
      {pending ? (
        <Confirm
          title={pending.kind === "promote" ? `Promote ${pending.v.ref}?` : `Roll back ${pending.name}?`}
          confirmLabel={pending.kind === "promote" ? "Promote to production" : "Roll back"}
          onConfirm={confirm}
          onCancel={() => setPending(undefined)}
        >
          {pending.kind === "promote" ? (
            <p>{pending.v.ref} will serve every detection; the version in production now is archived.</p>
          ) : (
            <p>The previous production version of {pending.name} will serve every detection again.</p>
          )}
        </Confirm>
      ) : null}
    </>
  );
}

function Compare({ a, b }: { a: ModelVersion; b: ModelVersion }) {
  const ma = flat(a.metrics);
  const mb = flat(b.metrics);
  const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort();
  const pa = JSON.stringify(a.params, null, 1);
  const pb = JSON.stringify(b.params, null, 1);
  return (
    <section class="card" aria-labelledby="compare-title">
      <h2 id="compare-title">
        {a.ref} vs {b.ref}
      </h2>
      <table data-testid="compare">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">{a.ref}</th>
            <th scope="col">{b.ref}</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>stage</td>
            <td>{a.stage}</td>
            <td>{b.stage}</td>
            <td />
          </tr>
          {keys.map((k) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{ma[k]?.toFixed(4) ?? "–"}</td>
              <td>{mb[k]?.toFixed(4) ?? "–"}</td>
              <td>{ma[k] !== undefined && mb[k] !== undefined ? (mb[k]! - ma[k]!).toFixed(4) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="two">
        <pre aria-label={`Parameters of ${a.ref}`}>{pa}</pre>
        <pre aria-label={`Parameters of ${b.ref}`}>{pb}</pre>
      </div>
    </section>
  );
}
