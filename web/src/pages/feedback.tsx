/**
 * Reports to review (analysts and admins): users' reports that a verdict was wrong (false
 * positives, label 0; misses, label 1), filtered by status and kind, each accepted or
 * rejected with a note (GET /v1/feedback, POST /v1/feedback/:id/review). Accepted reports
 * join the next learning cycle's data.
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { when } from "../format.js";
import { useLoad } from "../hooks.js";

interface Report {
  id: string;
  reporterName: string;
  label: 0 | 1;
  category: string | null;
  preview: string;
  note: string | null;
  status: "pending" | "accepted" | "rejected";
  reviewer: string | null;
  reviewNote: string | null;
  usedBy: string | null;
  createdAt: string;
}

const PAGE = 100;
const MAX_PAGE = 1000;
const STATUS_KIND = { pending: "warn", accepted: "ok", rejected: "plain" } as const;
// The categories the API takes for a missed attack (src/detect/types.ts).
const CATEGORIES = ["prompt_injection", "jailbreak", "system_extraction", "code_injection"];

export function Feedback() {
  const [filters, setFilters] = useState({ status: "pending", label: "" });
  const [message, setMessage] = useState<string | undefined>();
  // The API answers at most 1,000 reports a page; "Show more" asks for a longer first page.
  const [limit, setLimit] = useState(PAGE);
  const list = useLoad(
    () => api<{ reports: Report[]; next: string | null }>("/v1/feedback", { query: { ...filters, limit } }),
    [filters, limit],
  );
  return (
    <>
      <h1>Reports to review</h1>
      <form class="card fields" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            value={filters.status}
            onChange={(e) => {
              setLimit(PAGE);
              setFilters({ ...filters, status: e.currentTarget.value });
            }}
          >
            <option value="">any</option>
            <option value="pending">pending</option>
            <option value="accepted">accepted</option>
            <option value="rejected">rejected</option>
          </select>
        </label>
        <label>
          Kind
          <select
            value={filters.label}
            onChange={(e) => setFilters({ ...filters, label: e.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="0">false positive</option>
            <option value="1">missed attack</option>
          </select>
        </label>
      </form>
      {message ? (
        <p class="notice" role="status">
          {message}
        </p>
      ) : null}
      <ErrorLine error={list.error} />
      <div class="scroll">
        <table data-testid="feedback">
          <thead>
            <tr>
              <th scope="col">Filed (UTC)</th>
              <th scope="col">Kind</th>
              <th scope="col">Reporter</th>
              <th scope="col">Text (start)</th>
              <th scope="col">Note</th>
              <th scope="col">Status</th>
              <th scope="col">Review</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.reports ?? []).map((r) => (
              <tr key={r.id} data-id={r.id}>
                <td>{when(r.createdAt)}</td>
                <td>
                  {r.label === 0 ? "false positive" : `missed attack${r.category ? ` (${r.category})` : ""}`}
                </td>
                <td>{r.reporterName}</td>
                <td>{r.preview}</td>
                <td>{r.note ?? "–"}</td>
                <td>
                  <Badge kind={STATUS_KIND[r.status]}>{r.status}</Badge>
                  {r.reviewer ? (
                    <div class="muted">{`${r.reviewer}${r.reviewNote ? `: ${r.reviewNote}` : ""}`}</div>
                  ) : null}
                </td>
                <td>
                  {r.usedBy ? (
                    <span class="muted">used by {r.usedBy}</span>
                  ) : (
                    <Review
                      report={r}
                      onDone={(text) => {
                        setMessage(text);
                        list.reload();
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data && list.data.reports.length === 0 ? <p class="muted">No reports.</p> : null}
        {list.data?.next && limit < MAX_PAGE ? (
          <button type="button" onClick={() => setLimit(Math.min(MAX_PAGE, limit + PAGE))}>
            Show more
          </button>
        ) : null}
      </div>
    </>
  );
}

function Review({ report, onDone }: { report: Report; onDone: (message: string) => void }) {
  const [note, setNote] = useState("");
  const [category, setCategory] = useState(report.category ?? "");
  const [error, setError] = useState<string | undefined>();
  const decide = async (decision: "accepted" | "rejected") => {
    setError(undefined);
    try {
      await api(`/v1/feedback/${encodeURIComponent(report.id)}/review`, {
        json: {
          decision,
          ...(note ? { note } : {}),
          ...(report.label === 1 && category ? { category } : {}),
        },
      });
      onDone(`Report ${report.id} ${decision}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div class="row">
      <input
        aria-label={`Review note for ${report.id}`}
        placeholder="note"
        value={note}
        maxLength={1000}
        onInput={(e) => setNote(e.currentTarget.value)}
      />
      {report.label === 1 ? (
        <select
          aria-label={`Category for ${report.id}`}
          value={category}
          onChange={(e) => setCategory(e.currentTarget.value)}
        >
          <option value="">category as reported</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : null}
      <button type="button" onClick={() => decide("accepted")}>
        Accept
      </button>
      <button type="button" onClick={() => decide("rejected")}>
        Reject
      </button>
      <ErrorLine error={error} />
    </div>
  );
}
