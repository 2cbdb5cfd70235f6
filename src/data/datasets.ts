/**
 * The dataset catalogue: every dataset version is one JSONL object in training-data/
 * (training-data/{name}/v{n}.jsonl, with v{n}.manifest.json beside it) and one row in the
 * metadata database, which is what makes names, versions and ids resolvable and the
 * version numbers race-free across processes. Rows are staged in a temporary file while
 * they are counted and hashed, so a dataset of any size passes in bounded memory and
 * nothing is registered until its object is complete.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { join } from "node:path";
import { defaultActor } from "../core/actor.js";
import { noopAuditSink, safeRecord, type AuditSink } from "../audit/sink.js";
import { IntegrityError, ValidationError } from "../core/errors.js";
import type { DatabaseHandle } from "../db/open.js";
import { toJson, type DatasetsTable } from "../db/schema.js";
import { writeTransaction } from "../db/transaction.js";
import { newId } from "../db/ids.js";
import { isUniqueViolation } from "../db/errors.js";
import { StorageLayout } from "../storage/layout.js";
import type { ObjectStore } from "../storage/types.js";
import { bundledDataset } from "./bundled-dataset.js";
import { bundledCorpusFiles } from "./corpus.js";
import { BUNDLED, toRecord, validateDatasetName, type DatasetRecord } from "./dataset-record.js";
import { DatasetNotFoundError } from "./errors.js";
import { emptySummary, readData } from "./formats.js";
import { LineWriter } from "./line-writer.js";
import { DEFAULT_MAX_LINE_BYTES } from "./lines.js";
import {
  CountsAccumulator,
  type DatasetCounts,
  type DatasetManifest,
  type DatasetOrigin,
} from "./manifest.js";
import { readDataFile } from "./formats.js";
import { readPrivacy, UNKNOWN_PRIVACY, type DatasetPrivacy } from "./privacy.js";
import { sampleRow, type Sample } from "./sample.js";
import { SUBJECT_HASH_PATTERN } from "../privacy/index.js";

export interface CreateDatasetOptions {
  name: string;
  /** Known only once the rows have been read (hashes of the sources, counts of skipped rows). */
  describe: () => {
    origin: DatasetOrigin;
    skippedRows?: number;
    details?: Record<string, unknown>;
    /** Local JSONL files stored beside the dataset as v{n}.{name}.jsonl, by name. */
    attachments?: Record<string, string>;
    /** Personal data in the rows (default: unknown); the catalogue counts the subjects itself. */
    privacy?: DatasetPrivacy;
  };
}

export interface DatasetCatalogOptions {
  actor?: string;
  audit?: AuditSink;
  /** Where rows are staged before upload (default: the OS temporary folder). */
  tmpDir?: string;
  /** Longest line read from a data file or a stored dataset (default DEFAULT_MAX_LINE_BYTES). */
  maxLineBytes?: number;
}

export class DatasetCatalog {
  readonly layout: StorageLayout;
  private readonly actor: string;
  private readonly audit: AuditSink;

  constructor(
    readonly db: DatabaseHandle,
    readonly store: ObjectStore,
    private readonly options: DatasetCatalogOptions = {},
  ) {
    this.layout = new StorageLayout(store);
    this.actor = options.actor ?? defaultActor();
    this.audit = options.audit ?? noopAuditSink;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Longest line read from a data file or a stored dataset. */
  readonly maxLineBytes: number;

  /** Stores `rows` as the next version of dataset `name`. */
  async create(rows: AsyncIterable<Sample>, options: CreateDatasetOptions): Promise<DatasetRecord> {
    const name = validateDatasetName(options.name);
    const dir = await mkdtemp(join(this.options.tmpDir ?? tmpdir(), "bulwark-dataset-"));
    try {
      const staged = join(dir, "rows.jsonl");
      const out = new LineWriter(createWriteStream(staged));
      const counts = new CountsAccumulator();
      let subjects = 0;
      try {
        for await (const s of rows) {
          if (s.subject !== undefined) {
            // The one place every stored row passes: no end-user id is ever kept readable.
            if (!SUBJECT_HASH_PATTERN.test(s.subject))
              throw new ValidationError(
                `dataset "${name}": a row's subject is not a keyed hash (sub_...): ` +
                  "import the rows with `bulwark data import` (which hashes subjects) before merging them",
              );
            subjects++;
          }
          counts.add(s);
          await out.write(`${JSON.stringify(sampleRow(s))}\n`);
        }
      } finally {
        await out.close();
      }
      const { origin, skippedRows = 0, details = {}, attachments = {}, privacy } = options.describe();
      const c = counts.result();
      if (c.rows === 0) {
        throw new ValidationError(
          `no valid rows to store in dataset "${name}"${skippedRows ? ` (${skippedRows} invalid rows skipped)` : ""}`,
        );
      }
      return await this.register(name, staged, {
        sha256: out.sha256(),
        size: out.bytes,
        counts: c,
        origin,
        skippedRows,
        details,
        attachments,
        privacy: { ...(privacy ?? UNKNOWN_PRIVACY), ...(subjects ? { subjects } : {}) },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async register(
    name: string,
    staged: string,
    facts: {
      sha256: string;
      size: number;
      counts: DatasetCounts;
      origin: DatasetOrigin;
      skippedRows: number;
      details: Record<string, unknown>;
      attachments: Record<string, string>;
      privacy: DatasetPrivacy;
    },
  ): Promise<DatasetRecord> {
    const id = newId("ds");
    const createdAt = new Date().toISOString();
    const attachmentKeys = (base: string): Record<string, string> =>
      Object.fromEntries(
        Object.keys(facts.attachments).map((a) => [
          a,
          base.replace(/\.jsonl$/, `.${validateDatasetName(a)}.jsonl`),
        ]),
      );
    // The version number is taken first (unique per name, retried on a collision with
    // another process), so the object is written under a key nobody else will use.
    const reserved = await writeTransaction(
      this.db,
      async (tx) => {
        const last = await tx
          .selectFrom("datasets")
          .select((eb) => eb.fn.max("version").as("max"))
          .where("name", "=", name)
          .executeTakeFirst();
        const version = Number(last?.max ?? 0) + 1;
        const key = this.layout.trainingDataKey(name, `v${version}`);
        const row: DatasetsTable = {
          id,
          name,
          version,
          status: "pending",
          data_key: key,
          manifest_key: key.replace(/\.jsonl$/, ".manifest.json"),
          sha256: null,
          size_bytes: null,
          rows: facts.counts.rows,
          skipped_rows: facts.skippedRows,
          counts: toJson(facts.counts),
          origin: toJson(facts.origin),
          metadata: toJson({ ...facts.details, attachments: attachmentKeys(key) }),
          privacy: toJson(facts.privacy),
          created_at: createdAt,
          created_by: this.actor,
        };
        await tx.insertInto("datasets").values(row).execute();
        return row;
      },
      { retryOn: isUniqueViolation },
    );
    try {
      const put = await this.store.put(reserved.data_key, createReadStream(staged), {
        contentType: "application/x-ndjson",
        metadata: { dataset: name, version: `v${reserved.version}`, "dataset-id": id },
      });
      if (put.sha256 !== facts.sha256) {
        throw new IntegrityError(
          `dataset ${name}@${reserved.version} changed while uploading: wrote ${facts.sha256}, stored ${put.sha256}`,
        );
      }
      const attachments = attachmentKeys(reserved.data_key);
      for (const [a, path] of Object.entries(facts.attachments)) {
        await this.store.put(attachments[a]!, createReadStream(path), {
          contentType: "application/x-ndjson",
          metadata: { dataset: name, version: `v${reserved.version}`, attachment: a },
        });
      }
      const manifest: DatasetManifest = {
        dataset: name,
        version: `v${reserved.version}`,
        key: reserved.data_key,
        sha256: facts.sha256,
        size: facts.size,
        createdAt,
        metadata: { id, rows: String(facts.counts.rows) },
        id,
        name,
        number: reserved.version,
        format: "jsonl",
        rows: facts.counts.rows,
        skippedRows: facts.skippedRows,
        counts: facts.counts,
        origin: facts.origin,
        createdBy: this.actor,
        details: { ...facts.details, attachments },
        privacy: facts.privacy,
      };
      await this.store.put(reserved.manifest_key, `${JSON.stringify(manifest, null, 2)}\n`, {
        contentType: "application/json",
      });
      await this.db.db
        .updateTable("datasets")
        .set({ status: "ready", sha256: facts.sha256, size_bytes: facts.size })
        .where("id", "=", id)
        .execute();
    } catch (err) {
      await this.db.db
        .deleteFrom("datasets")
        .where("id", "=", id)
        .execute()
        .catch(() => undefined);
      throw err;
    }
    const record = toRecord({ ...reserved, status: "ready", sha256: facts.sha256, size_bytes: facts.size });
    await safeRecord(this.audit, {
      actor: this.actor,
      action: "dataset.create",
      target: record.ref,
      outcome: "success",
      details: {
        id,
        sha256: record.sha256,
        rows: record.rows,
        origin: facts.origin.kind,
        personalData: facts.privacy.personalData,
      },
    });
    return record;
  }

  /**
   * A dataset version's stored manifest, its privacy block always filled in: a manifest
   * written before the block existed reads as "unknown".
   */
  async manifest(d: DatasetRecord): Promise<DatasetManifest & { privacy: DatasetPrivacy }> {
    const stored = JSON.parse(
      (await this.store.getBuffer(d.manifestKey)).toString("utf8"),
    ) as DatasetManifest;
    return { ...stored, privacy: readPrivacy(stored.privacy) };
  }

  /** Ready dataset versions, newest first. */
  async list(options: { name?: string; limit?: number } = {}): Promise<DatasetRecord[]> {
    let q = this.db.db.selectFrom("datasets").selectAll().where("status", "=", "ready");
    if (options.name) q = q.where("name", "=", options.name);
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 1000)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * A dataset by reference: `bundled`, an id (`ds_...`), `name` (the latest version),
   * `name@3`, `name@v3` or `name@latest`.
   */
  async resolve(ref: string): Promise<DatasetRecord> {
    if (ref === BUNDLED || ref === `${BUNDLED}@latest`) return bundledDataset();
    let q = this.db.db.selectFrom("datasets").selectAll().where("status", "=", "ready");
    if (/^ds_[a-z0-9]+$/.test(ref)) q = q.where("id", "=", ref);
    else {
      const m = /^([^@]+)(?:@(?:v?(\d+)|latest))?$/.exec(ref);
      if (!m) throw new DatasetNotFoundError(ref);
      q = q.where("name", "=", m[1]!);
      if (m[2]) q = q.where("version", "=", Number(m[2]));
      q = q.orderBy("version", "desc").limit(1);
    }
    const row = await q.executeTakeFirst();
    if (!row) throw new DatasetNotFoundError(ref);
    return toRecord(row);
  }

  /**
   * The rows of a dataset, streamed from the object store. The content's SHA-256 is
   * checked against the catalogue once the last row has been read; a mismatch throws
   * IntegrityError (so a training run on altered data fails instead of recording a lie).
   */
  async *samples(d: DatasetRecord, options: { verifyFirst?: boolean } = {}): AsyncGenerator<Sample> {
    if (d.id === BUNDLED) {
      for (const f of bundledCorpusFiles()) yield* readDataFile(f);
      return;
    }
    if (options.verifyFirst) {
      yield* this.verifiedSamples(d);
      return;
    }
    const summary = emptySummary();
    const stream = await this.store.get(d.key);
    yield* readData(
      stream,
      `${d.ref} (${d.key})`,
      { format: "jsonl", maxLineBytes: this.maxLineBytes },
      summary,
    );
    if (summary.sha256 !== d.sha256) throw altered(d, summary.sha256);
  }

  /**
   * The rows of a dataset, none before all of them are known to be intact: the object is
   * copied to a private temporary file while it is hashed, and rows are read from that
   * copy only once its SHA-256 matches the catalogue. For what hands rows to someone else
   * (an export): streaming and checking at the end would send altered rows before the
   * check fails, and checking the object then reading it again would read it twice, the
   * second time unchecked. The copy is removed when the rows end or the reader stops.
   */
  private async *verifiedSamples(d: DatasetRecord): AsyncGenerator<Sample> {
    const dir = await mkdtemp(join(this.options.tmpDir ?? tmpdir(), "bulwark-verify-"));
    try {
      const copy = join(dir, "rows.jsonl");
      const hash = createHash("sha256");
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(await this.store.get(d.key), hashing, createWriteStream(copy, { mode: 0o600 }));
      const actual = hash.digest("hex");
      if (actual !== d.sha256) throw altered(d, actual);
      yield* readData(createReadStream(copy), `${d.ref} (${d.key})`, {
        format: "jsonl",
        maxLineBytes: this.maxLineBytes,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async load(d: DatasetRecord): Promise<Sample[]> {
    const out: Sample[] = [];
    for await (const s of this.samples(d)) out.push(s);
    return out;
  }
}

function altered(d: DatasetRecord, actual: string): IntegrityError {
  return new IntegrityError(
    `dataset ${d.ref} does not match its recorded SHA-256 (${d.sha256}, read ${actual}): ${d.key} was altered`,
    { dataset: d.ref, expected: d.sha256, actual },
  );
}
