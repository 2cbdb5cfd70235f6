/**
 * A learning workspace as a server's would be, but small: a SQLite file, the local-disk
 * object store, the catalogues, and a champion in production trained (two epochs) on a
 * slice of the bundled corpus imported into the catalogue, so its lineage names a dataset
 * a cycle can read back.
 */
import { join } from "node:path";
import { MemoryAuditSink } from "../../src/audit/sink.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import { importData } from "../../src/data/import/index.js";
import { openDatabase } from "../../src/db/open.js";
import { loadRulesFile } from "../../src/detect/rules.js";
import { CycleStore } from "../../src/learn/cycles.js";
import type { LearningWorkspace } from "../../src/learn/cycle.js";
import { trainRun } from "../../src/learn/training-run.js";
import { ModelRegistry, type ModelVersion } from "../../src/registry/registry.js";
import type { FsObjectStore } from "../../src/storage/fs/store.js";
import { RunStore } from "../../src/train/runs.js";
import { createSqliteSettings } from "../db/databases.js";
import { writeCorpusSlice } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";
import { fsStore } from "../registry/helpers.js";

/** Quick training for tests about mechanics: the cycle keeps the champion's parameters. */
export const QUICK_PARAMS = { epochs: 2 };

export interface LearningFixture extends LearningWorkspace {
  store: FsObjectStore;
  audit: MemoryAuditSink;
  champion: ModelVersion;
  close(): Promise<void>;
}

export async function learningFixture(model = "guard", every = 12): Promise<LearningFixture> {
  const db = await openDatabase(createSqliteSettings());
  const { store } = fsStore();
  const audit = new MemoryAuditSink();
  const actor = "test:learner";
  const catalog = new DatasetCatalog(db, store, { actor, audit });
  const registry = new ModelRegistry(db, store, {
    actor,
    audit,
    snapshotRetention: { mode: "GOVERNANCE", days: 1 },
  });
  const runs = new RunStore(db, { actor });
  const file = join(tempDir("bulwark-learn-"), "slice.jsonl");
  await writeCorpusSlice(file, every);
  const imported = await importData(catalog, [file], { name: "slice" });
  const trained = await trainRun(
    { catalog, registry, runs },
    {
      data: [imported.dataset.id],
      // The corpus slice holds benchmark texts with e-mail addresses: personal data present.
      allowPersonalData: true,
      name: model,
      params: QUICK_PARAMS,
      rules: loadRulesFile(),
      stage: "production",
    },
  );
  return {
    catalog,
    registry,
    runs,
    store,
    audit,
    cycles: new CycleStore(db, { actor }),
    champion: trained.version,
    close: () => db.close(),
  };
}
