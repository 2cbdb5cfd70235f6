/**
 * Privacy (admin): a retention run now, counted first by a dry run; erasing a data subject
 * behind a confirmation, with its receipt; and the past erasures' receipts
 * (POST /v1/privacy/retention, POST and GET /v1/privacy/erasures).
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, Confirm, ErrorLine } from "../components.js";
import { num, short, when } from "../format.js";
import { useLoad } from "../hooks.js";

interface KindReport {
  days: number;
  cutoff: string | null;
  deleted: number;
  protected: number;
}
interface Retention {
  dryRun: boolean;
  at: string;
  kinds: Record<string, KindReport>;
  shadow: KindReport;
  protectedVersions: { key: string; reason: string }[];
}
interface Found {
  found: number;
  removed: number;
}
interface Receipt {
  id: string;
  subject: string;
  at: string;
  by: string;
  events: Found;
  feedback: Found;
  shadow: Found;
  derived: {
    rows: number;
    versions: { found: number; removed: number; rewritten: number; protected: number };
  };
  datasets: { name: string; version: number }[];
  models: string[];
  complete: boolean;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function Privacy() {
  return (
    <>
      <h1>Privacy</h1>
      <RetentionCard />
      <Erasures />
    </>
  );
}

function RetentionCard() {
  const [report, setReport] = useState<Retention | undefined>();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async (dryRun: boolean) => {
    setAsking(false);
    setError(undefined);
    try {
      setReport(await api<Retention>("/v1/privacy/retention", { json: { dryRun } }));
    } catch (err) {
      setError(message(err));
    }
  };
  const rows = report ? [...Object.entries(report.kinds), ["shadow", report.shadow] as const] : [];
  return (
    <section class="card" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <div class="row">
        <button type="button" class="primary" onClick={() => run(true)}>
          Count what is due (dry run)
        </button>
        {report?.dryRun ? (
          <button type="button" class="danger" onClick={() => setAsking(true)}>
            Delete what is due now
          </button>
        ) : null}
      </div>
      <ErrorLine error={error} />
      {report ? (
        <table data-testid="retention">
          <caption>
            {report.dryRun ? "Dry run" : "Deleted"} at {when(report.at)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Limit (days)</th>
              <th scope="col">Cut-off (UTC)</th>
              <th scope="col">{report.dryRun ? "Due" : "Deleted"}</th>
              <th scope="col">Kept by Object Lock</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([kind, k]) => (
              <tr key={kind}>
                <td>{kind}</td>
                <td>{k.days === 0 ? "kept until erased" : k.days}</td>
                <td>{when(k.cutoff)}</td>
                <td>{num(k.deleted)}</td>
                <td>{num(k.protected)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {asking ? (
        <Confirm
          title="Delete what is past its retention?"
          confirmLabel="Delete now"
          onConfirm={() => run(false)}
          onCancel={() => setAsking(false)}
        >
          This deletes the rows and object versions the dry run counted; it cannot be undone.
        </Confirm>
      ) : null}
    </section>
  );
}

function Erasures() {
  const [subject, setSubject] = useState("");
  const [asking, setAsking] = useState(false);
  const [receipt, setReceipt] = useState<Receipt | undefined>();
  const [error, setError] = useState<string | undefined>();
  const past = useLoad(() => api<Receipt[]>("/v1/privacy/erasures", { query: { limit: 50 } }), []);
  const erase = async () => {
    setAsking(false);
    setError(undefined);
    try {
      setReceipt(await api<Receipt>("/v1/privacy/erasures", { json: { subject } }));
      setSubject("");
      past.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section class="card" aria-labelledby="erasure-title">
      <h2 id="erasure-title">Erase a data subject</h2>
      <form
        class="fields"
        aria-label="Erase a subject"
        onSubmit={(e) => {
          e.preventDefault();
          setAsking(true);
        }}
      >
        <label>
          Subject id
          <input
            value={subject}
            required
            maxLength={256}
            onInput={(e) => setSubject(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="danger">
          Erase
        </button>
      </form>
      <ErrorLine error={error} />
      {receipt ? (
        <div data-testid="receipt" role="status">
          <p>
            <Badge kind={receipt.complete ? "ok" : "warn"}>
              {receipt.complete ? "complete" : "partly kept"}
            </Badge>{" "}
            Receipt <code>{receipt.id}</code> for subject{" "}
            <code title={receipt.subject}>{short(receipt.subject)}</code>: {num(receipt.events.removed)}{" "}
            events, {num(receipt.feedback.removed)} reports, {num(receipt.shadow.removed)} shadow comparisons,{" "}
            {num(receipt.derived.rows)} derived rows removed
            {receipt.models.length > 0 ? `; retrain required: ${receipt.models.join(", ")}` : ""}.
          </p>
        </div>
      ) : null}
      {asking ? (
        <Confirm
          title={`Erase subject ${subject}?`}
          confirmLabel="Erase everything"
          onConfirm={erase}
          onCancel={() => setAsking(false)}
        >
          Events, reports, shadow comparisons and rows derived from them are deleted; models trained on them
          are marked for retraining. This cannot be undone.
        </Confirm>
      ) : null}
      <h3>Past erasures</h3>
      <ErrorLine error={past.error} />
      <table data-testid="erasures">
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">Subject (hash)</th>
            <th scope="col">By</th>
            <th scope="col">Events</th>
            <th scope="col">Reports</th>
            <th scope="col">Derived rows</th>
            <th scope="col">Complete</th>
          </tr>
        </thead>
        <tbody>
          {(past.data ?? []).map((r) => (
            <tr key={r.id}>
              <td>{when(r.at)}</td>
              <td>
                <code title={r.subject}>{short(r.subject)}</code>
              </td>
              <td>{r.by}</td>
              <td>{num(r.events.removed)}</td>
              <td>{num(r.feedback.removed)}</td>
              <td>{num(r.derived.rows)}</td>
              <td>{r.complete ? "yes" : "no (Object Lock)"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
