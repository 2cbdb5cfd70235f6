/**
 * The corpus shipped with Bulwark (data/corpus) as a dataset record, so training runs name
 * it in their lineage like any catalogue dataset.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { bundledCorpusFiles } from "./corpus.js";
import { BUNDLED, type DatasetRecord } from "./dataset-record.js";
import { readDataFile } from "./formats.js";
import { CountsAccumulator } from "./manifest.js";
import { UNKNOWN_PRIVACY } from "./privacy.js";

let bundled: Promise<DatasetRecord> | undefined;

/**
 * The corpus shipped with Bulwark as a dataset. Its SHA-256 is that of the list of its
 * files' names and SHA-256s, so it changes exactly when the corpus does.
 */
export function bundledDataset(): Promise<DatasetRecord> {
  bundled ??= (async () => {
    const files = bundledCorpusFiles();
    const list = createHash("sha256");
    let size = 0;
    for (const f of files) {
      const bytes = await readFile(f);
      size += bytes.length;
      list.update(`${basename(f)} ${createHash("sha256").update(bytes).digest("hex")}\n`);
    }
    const counts = new CountsAccumulator();
    for (const f of files) for await (const s of readDataFile(f)) counts.add(s);
    const c = counts.result();
    return {
      id: BUNDLED,
      name: BUNDLED,
      version: 0,
      ref: BUNDLED,
      key: "",
      manifestKey: "",
      sha256: list.digest("hex"),
      size,
      rows: c.rows,
      skippedRows: 0,
      counts: c,
      origin: {
        kind: "import",
        sources: files.map((f) => ({ kind: "bundled" as const, location: basename(f), rows: 0, invalid: 0 })),
      },
      details: { note: "the corpus bundled with Bulwark (data/corpus, see data/SOURCES.md)" },
      // Public datasets, some collected in the wild: nobody has declared them free of
      // personal data, so they read as unknown like any undeclared dataset.
      privacy: { ...UNKNOWN_PRIVACY },
      createdAt: "",
      createdBy: "bulwark",
      attachments: {},
    };
  })();
  return bundled;
}
