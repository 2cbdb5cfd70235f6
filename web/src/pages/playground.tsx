/**
 * Playground: paste a text (or open a file) and see what the detector says: verdict, score,
 * category, the evidence with its matched spans highlighted in the text and, for a long
 * document, the windows it was read in (POST /v1/detect, or /v1/scan for documents).
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { Badge, ErrorLine } from "../components.js";
import { ms, pct } from "../format.js";
import { highlight, type EvidenceItem } from "../highlight.js";

interface Verdict {
  score: number;
  flagged: boolean;
  category: string | null;
  threshold: number;
  evidence: EvidenceItem[];
  windows: { count: number; worst: { offset: number; length: number; score: number } };
  model: { name: string; version: string };
  latencyMs: number;
}
interface Window {
  index: number;
  offset: number;
  length: number;
  score: number;
  flagged: boolean;
  category: string | null;
}
interface Result {
  text: string;
  verdict: Verdict;
  windows?: Window[];
}

/** Above this many characters a text is scanned as a document, window by window. */
const DOCUMENT_CHARS = 4000;

export function Playground() {
  const [text, setText] = useState("");
  const [asDocument, setAsDocument] = useState(false);
  const [result, setResult] = useState<Result | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (asDocument || text.length > DOCUMENT_CHARS) {
        const r = await api<{ verdict: Verdict; windows: Window[] }>("/v1/scan", {
          json: { content: text, allWindows: true },
        });
        setResult({ text, verdict: r.verdict, windows: r.windows });
      } else {
        setResult({ text, verdict: await api<Verdict>("/v1/detect", { json: { text } }) });
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const openFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };

  return (
    <>
      <h1>Playground</h1>
      <form class="card" onSubmit={run}>
        <label for="pg-text">Text to screen</label>
        <textarea
          id="pg-text"
          rows={8}
          value={text}
          required
          placeholder="Paste a prompt, an e-mail, a web page…"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <div class="row">
          <label>
            <input
              type="checkbox"
              checked={asDocument}
              onChange={(e) => setAsDocument(e.currentTarget.checked)}
            />{" "}
            Scan as a document (windows)
          </label>
          <label>
            Or open a file <input type="file" accept=".txt,.md,.html,.json,.eml,text/*" onChange={openFile} />
          </label>
          <button type="submit" class="primary" disabled={busy || text === ""}>
            {busy ? "Screening…" : "Screen"}
          </button>
        </div>
      </form>
      <ErrorLine error={error} />
      {result ? <Outcome result={result} /> : null}
    </>
  );
}

function Outcome({ result }: { result: Result }) {
  const v = result.verdict;
  const pieces = highlight(result.text, v.evidence);
  return (
    <section class="card" aria-labelledby="verdict-title" data-testid="verdict">
      <h2 id="verdict-title">
        Verdict: <Badge kind={v.flagged ? "bad" : "ok"}>{v.flagged ? "flagged" : "allowed"}</Badge>
      </h2>
      <dl class="facts">
        <dt>Score</dt>
        <dd data-testid="score">
          {v.score.toFixed(3)} (threshold {v.threshold.toFixed(2)})
        </dd>
        <dt>Category</dt>
        <dd data-testid="category">{v.category ?? "none"}</dd>
        <dt>Model</dt>
        <dd>
          {v.model.name}@{v.model.version}
        </dd>
        <dt>Latency</dt>
        <dd>{ms(v.latencyMs)}</dd>
      </dl>
      <h3>Text, with the matched spans marked</h3>
      <pre class="marked" data-testid="marked-text">
        {pieces.map((p, i) =>
          p.marks.length ? (
            <mark key={i} title={p.marks.join(", ")} data-evidence={p.marks.join(" ")}>
              {p.text}
            </mark>
          ) : (
            <span key={i}>{p.text}</span>
          ),
        )}
      </pre>
      <h3>Evidence</h3>
      {v.evidence.length === 0 ? (
        <p class="muted">No evidence.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Id</th>
                <th scope="col">Category</th>
                <th scope="col">What</th>
                <th scope="col">Excerpt</th>
              </tr>
            </thead>
            <tbody>
              {v.evidence.map((e, i) => (
                <tr key={i}>
                  <td>{e.kind}</td>
                  <td>
                    <code>{e.id}</code>
                  </td>
                  <td>{e.category ?? "–"}</td>
                  <td>{e.description}</td>
                  <td>{e.excerpt ? <code>{e.excerpt}</code> : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result.windows ? (
        <>
          <h3>Windows ({result.windows.length})</h3>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Characters</th>
                  <th scope="col">Score</th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {result.windows.map((w) => (
                  <tr key={w.index}>
                    <td>{w.index}</td>
                    <td>
                      {w.offset}–{w.offset + w.length}
                    </td>
                    <td>{pct(w.score)}</td>
                    <td>{w.flagged ? `flagged (${w.category ?? "?"})` : "allowed"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
