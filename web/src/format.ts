/** Small formatting helpers shared by the pages. */
export const pct = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? "–" : `${(x * 100).toFixed(digits)}%`;
export const ms = (x: number | null | undefined) =>
  x === null || x === undefined ? "–" : `${x.toFixed(1)} ms`;
export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "–";
export const short = (sha: string) => `${sha.slice(0, 12)}…`;
export const num = (x: number) => x.toLocaleString("en");
