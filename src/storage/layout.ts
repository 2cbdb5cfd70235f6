/**
 * Bulwark's object layout (DESIGN.md) as typed helpers over any ObjectStore, so no caller
 * builds a key by hand:
 *
 *   training-data/{dataset}/{version}.jsonl (+ {version}.manifest.json)
 *   red-team-data/red_team_{campaign}_{ts}.jsonl, vulnerabilities_{ts}.jsonl
 *   combined-data/{model}/combined_{model}_{version}_{ts}.jsonl
 *   combined-data/{model}/{cycle}.jsonl (+ {cycle}.manifest.json): a learning cycle's data
 *   model-specific/{model}/{model}_{failure_type}_{ts}.jsonl
 *   model-specific/{model}/{cycle}/{failure_type}.jsonl: a learning cycle's failures by type
 *   backups/{kind}/backup_{kind}_{ts}.jsonl
 *
 * {ts} is a fixed-width UTC stamp (20250102T030405678Z), so names sort by time and "latest"
 * is the greatest name. Each dataset version has its own manifest object rather than one
 * shared index, so concurrent writers never lose each other's entries.
 */
import type { Readable } from "node:stream";
import type { ListEntry, ObjectStore, PutOptions, PutResult } from "./types.js";
import { NoSuchKeyError, StorageArgumentError } from "./errors.js";
import type { Body } from "./hashing.js";

export const PREFIXES = {
  trainingData: "training-data/",
  redTeam: "red-team-data/",
  combined: "combined-data/",
  modelSpecific: "model-specific/",
  models: "models/",
  backups: "backups/",
  snapshots: "snapshots/",
  logs: "logs/",
  configs: "configs/",
} as const;

const TS = "\\d{8}T\\d{9}Z";
const JSONL = "application/x-ndjson";

/** Rows become JSONL; anything else is stored as given. */
export type Content = Body | readonly object[];

export interface TrainingDataManifest {
  dataset: string;
  version: string;
  key: string;
  sha256: string;
  size: number;
  createdAt: string;
  metadata: Record<string, string>;
}

export interface BackupEntry extends ListEntry {
  kind: string;
  description: string;
  timestamp: string;
}

export interface TimestampedEntry extends ListEntry {
  timestamp: string;
}

function safeName(what: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value)) {
    throw new StorageArgumentError(
      `${what} "${value}" must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function timestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z");
}

function toBody(content: Content): Body {
  if (Array.isArray(content))
    return content.map((row) => JSON.stringify(row)).join("\n") + (content.length ? "\n" : "");
  return content as Body;
}

export class StorageLayout {
  constructor(
    readonly store: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---------- training data ----------

  trainingDataKey(dataset: string, version: string): string {
    return `${PREFIXES.trainingData}${safeName("dataset", dataset)}/${safeName("version", version)}.jsonl`;
  }

  /** Saves one version of a dataset (version defaults to a timestamp) and its manifest. */
  async saveTrainingData(
    content: Content,
    options: { dataset?: string; version?: string; metadata?: Record<string, string> } & Pick<
      PutOptions,
      "retention" | "legalHold"
    > = {},
  ): Promise<TrainingDataManifest> {
    const dataset = options.dataset ?? "main";
    const createdAt = this.now();
    const version = options.version ?? timestamp(createdAt);
    const key = this.trainingDataKey(dataset, version);
    const put = await this.store.put(key, toBody(content), {
      contentType: JSONL,
      metadata: { ...options.metadata, dataset, version },
      ...(options.retention ? { retention: options.retention } : {}),
      ...(options.legalHold ? { legalHold: true } : {}),
    });
    const manifest: TrainingDataManifest = {
      dataset,
      version,
      key,
      sha256: put.sha256,
      size: put.size,
      createdAt: createdAt.toISOString(),
      metadata: options.metadata ?? {},
    };
    await this.store.put(key.replace(/\.jsonl$/, ".manifest.json"), JSON.stringify(manifest, null, 2), {
      contentType: "application/json",
    });
    return manifest;
  }

  /** Manifests of a dataset's versions, oldest first. */
  async listTrainingData(dataset = "main"): Promise<TrainingDataManifest[]> {
    const prefix = `${PREFIXES.trainingData}${safeName("dataset", dataset)}/`;
    const manifests: TrainingDataManifest[] = [];
    for await (const entry of this.store.listAll(prefix)) {
      if (!entry.key.endsWith(".manifest.json")) continue;
      manifests.push(
        JSON.parse((await this.store.getBuffer(entry.key)).toString("utf8")) as TrainingDataManifest,
      );
    }
    return manifests.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.version.localeCompare(b.version),
    );
  }

  async resolveTrainingData(version = "latest", dataset = "main"): Promise<TrainingDataManifest> {
    const all = await this.listTrainingData(dataset);
    const found = version === "latest" ? all.at(-1) : all.find((m) => m.version === version);
    if (!found)
      throw new NoSuchKeyError(
        version === "latest"
          ? `training-data/${dataset}/ (any version)`
          : this.trainingDataKey(dataset, version),
      );
    return found;
  }

  /** A dataset version's content ("latest" resolves to the newest). */
  async loadTrainingData(version = "latest", dataset = "main"): Promise<Readable> {
    return this.store.get((await this.resolveTrainingData(version, dataset)).key);
  }

  // ---------- red-team results ----------

  async saveRedTeamResults(campaign: string, content: Content): Promise<PutResult> {
    const key = `${PREFIXES.redTeam}red_team_${safeName("campaign", campaign)}_${timestamp(this.now())}.jsonl`;
    return this.store.put(key, toBody(content), { contentType: JSONL, metadata: { campaign } });
  }

  async saveVulnerabilities(content: Content): Promise<PutResult> {
    const key = `${PREFIXES.redTeam}vulnerabilities_${timestamp(this.now())}.jsonl`;
    return this.store.put(key, toBody(content), { contentType: JSONL });
  }

  /** A campaign's result files, oldest first (another campaign whose name shares a prefix is not included). */
  async listRedTeamResults(campaign: string): Promise<TimestampedEntry[]> {
    const name = escapeRegExp(safeName("campaign", campaign));
    return this.matching(
      `${PREFIXES.redTeam}red_team_${campaign}_`,
      new RegExp(`/red_team_${name}_(${TS})\\.jsonl$`),
    );
  }

  async loadRedTeamResults(campaign: string, which: "latest" | string = "latest"): Promise<Readable> {
    return this.store.get(
      this.pick(await this.listRedTeamResults(campaign), which, `red-team results of ${campaign}`),
    );
  }

  // ---------- combined data ----------

  async saveCombinedData(model: string, version: string, content: Content): Promise<PutResult> {
    safeName("model", model);
    safeName("version", version);
    const key = `${PREFIXES.combined}${model}/combined_${model}_${version}_${timestamp(this.now())}.jsonl`;
    return this.store.put(key, toBody(content), { contentType: JSONL, metadata: { model, version } });
  }

  async listCombinedData(model: string, version?: string): Promise<TimestampedEntry[]> {
    const m = escapeRegExp(safeName("model", model));
    const v = version === undefined ? "[A-Za-z0-9._-]+" : escapeRegExp(safeName("version", version));
    return this.matching(
      `${PREFIXES.combined}${model}/combined_${model}_${version ?? ""}`,
      new RegExp(`/combined_${m}_${v}_(${TS})\\.jsonl$`),
    );
  }

  /** Combined data of a model version ("latest": the newest file of any version). */
  async loadCombinedData(model: string, version: "latest" | string = "latest"): Promise<Readable> {
    const entries = await this.listCombinedData(model, version === "latest" ? undefined : version);
    return this.store.get(this.pick(entries, "latest", `combined data of ${model} ${version}`));
  }

  /** A learning cycle's combined data; `.manifest.json` instead of `.jsonl` for its manifest. */
  cycleCombinedKey(model: string, cycle: string): string {
    return `${PREFIXES.combined}${safeName("model", model)}/${safeName("cycle", cycle)}.jsonl`;
  }

  cycleManifestKey(model: string, cycle: string): string {
    return this.cycleCombinedKey(model, cycle).replace(/\.jsonl$/, ".manifest.json");
  }

  // ---------- model-specific data ----------

  /** What one learning cycle found of one failure type (a red-team generator). */
  cycleFailuresKey(model: string, cycle: string, failureType: string): string {
    return `${PREFIXES.modelSpecific}${safeName("model", model)}/${safeName("cycle", cycle)}/${safeName("failure type", failureType)}.jsonl`;
  }

  /** Rows as JSONL (or any body) under one of the keys above. */
  async saveRows(key: string, content: Content, metadata: Record<string, string> = {}): Promise<PutResult> {
    return this.store.put(key, toBody(content), { contentType: JSONL, metadata });
  }

  async saveModelSpecificData(model: string, failureType: string, content: Content): Promise<PutResult> {
    safeName("model", model);
    safeName("failure type", failureType);
    const key = `${PREFIXES.modelSpecific}${model}/${model}_${failureType}_${timestamp(this.now())}.jsonl`;
    return this.store.put(key, toBody(content), {
      contentType: JSONL,
      metadata: { model, "failure-type": failureType },
    });
  }

  async listModelSpecificData(model: string, failureType?: string): Promise<TimestampedEntry[]> {
    const m = escapeRegExp(safeName("model", model));
    const f =
      failureType === undefined ? "[A-Za-z0-9._-]+" : escapeRegExp(safeName("failure type", failureType));
    return this.matching(
      `${PREFIXES.modelSpecific}${model}/${model}_${failureType ?? ""}`,
      new RegExp(`/${m}_${f}_(${TS})\\.jsonl$`),
    );
  }

  async loadModelSpecificData(
    model: string,
    failureType: string,
    which: "latest" | string = "latest",
  ): Promise<Readable> {
    const entries = await this.listModelSpecificData(model, failureType);
    return this.store.get(this.pick(entries, which, `${failureType} data of ${model}`));
  }

  // ---------- backups ----------

  async saveBackup(kind: string, content: Content, description: string): Promise<PutResult> {
    const key = `${PREFIXES.backups}${safeName("backup kind", kind)}/backup_${kind}_${timestamp(this.now())}.jsonl`;
    // Metadata is ASCII on S3; the description is kept percent-encoded so any text survives.
    return this.store.put(key, toBody(content), {
      contentType: JSONL,
      metadata: { kind, description: encodeURIComponent(description).slice(0, 1500) },
    });
  }

  async listBackups(kind: string): Promise<BackupEntry[]> {
    const k = escapeRegExp(safeName("backup kind", kind));
    const entries = await this.matching(
      `${PREFIXES.backups}${kind}/backup_${kind}_`,
      new RegExp(`/backup_${k}_(${TS})\\.jsonl$`),
    );
    const out: BackupEntry[] = [];
    for (const e of entries) {
      const info = await this.store.head(e.key);
      out.push({ ...e, kind, description: decodeURIComponent(info.metadata.description ?? "") });
    }
    return out;
  }

  async loadBackup(kind: string, which: "latest" | string = "latest"): Promise<Readable> {
    return this.store.get(this.pick(await this.listBackups(kind), which, `${kind} backups`));
  }

  // ---------- generic ----------

  /** Every object under a prefix. */
  async listFiles(prefix = ""): Promise<ListEntry[]> {
    const out: ListEntry[] = [];
    for await (const entry of this.store.listAll(prefix)) out.push(entry);
    return out;
  }

  /** A link to download a key without credentials (default: one hour). */
  downloadUrl(key: string, expiresInSeconds = 3600, versionId?: string): Promise<string> {
    return this.store.presignGet(key, expiresInSeconds, versionId ? { versionId } : {});
  }

  private async matching(prefix: string, pattern: RegExp): Promise<TimestampedEntry[]> {
    const out: TimestampedEntry[] = [];
    for await (const entry of this.store.listAll(prefix)) {
      const m = pattern.exec(entry.key);
      if (m?.[1]) out.push({ ...entry, timestamp: m[1] });
    }
    return out.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.key.localeCompare(b.key));
  }

  /** "latest" is the newest entry; anything else must be one entry's timestamp or key. */
  private pick(entries: TimestampedEntry[], which: string, what: string): string {
    const found =
      which === "latest" ? entries.at(-1) : entries.find((e) => e.timestamp === which || e.key === which);
    if (!found) throw new NoSuchKeyError(`${what} (${which})`);
    return found.key;
  }
}
