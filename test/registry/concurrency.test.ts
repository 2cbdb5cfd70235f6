/**
 * Two processes sharing one database and one object store import, train, register and
 * promote at the same time; afterwards the registry must be whole: one production
 * version, no version number twice, every artifact matching its SHA-256, and a stage
 * history where every promotion over a production version demoted it.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBundledCorpus } from "../../src/data/corpus.js";
import { openDatabase } from "../../src/db/open.js";
import { ModelRegistry } from "../../src/registry/registry.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import { testDatabases } from "../db/databases.js";
import { runNode } from "../db/fixtures/run-node.js";
import { tempDir } from "../helpers/tmp.js";
import { fsStore } from "./helpers.js";

const WORKER = new URL("./fixtures/registry-worker.js", import.meta.url).pathname;
const COUNT = 6;
const dataFile = join(tempDir(), "race.jsonl");

before(async () => {
  const all = await loadBundledCorpus();
  const rows = all.filter((_, i) => i % 40 === 0);
  writeFileSync(dataFile, rows.map((s) => JSON.stringify(s)).join("\n") + "\n");
});

for (const d of await testDatabases()) {
  describe(`two processes on ${d.dialect}`, () => {
    test("train, register and promote at once without corrupting the registry", async () => {
      const { store, root } = fsStore();
      const args = (worker: string) =>
        JSON.stringify({ settings: d.settings, root, data: dataFile, worker, count: COUNT });
      const [a, b] = await Promise.all([runNode(WORKER, [args("a")]), runNode(WORKER, [args("b")])]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const ra = JSON.parse(a.stdout) as { dataset: number; versions: string[] };
      const rb = JSON.parse(b.stdout) as { dataset: number; versions: string[] };

      assert.deepEqual([ra.dataset, rb.dataset].sort(), [1, 2]);
      const mine = [...ra.versions, ...rb.versions];
      assert.equal(new Set(mine).size, mine.length, `versions handed out twice: ${mine.join(" ")}`);

      const db = await openDatabase(d.settings);
      try {
        const registry = new ModelRegistry(db, store);
        const all = await registry.list({ name: "race" });
        assert.equal(all.length, 2 * (COUNT + 1));
        assert.deepEqual(all.map((v) => v.version).sort(), [...mine].sort());
        assert.equal(all.filter((v) => v.stage === "production").length, 1);
        const results = await registry.verifyAll("race");
        assert.ok(
          results.every((r) => r.ok),
          JSON.stringify(results.filter((r) => !r.ok)),
        );
        const history = (await registry.history("race")).reverse();
        const promotions = history.filter((e) => e.to === "production");
        const demotions = history.filter((e) => e.action === "demote");
        assert.equal(promotions.length, 2 * (COUNT + 1));
        assert.equal(demotions.length, promotions.length - 1);
        const datasets = await new DatasetCatalog(db, store).list({ name: "shared" });
        assert.deepEqual(datasets.map((x) => x.version).sort(), [1, 2]);
        assert.equal(datasets[0]!.sha256, datasets[1]!.sha256);
      } finally {
        await db.close();
      }
    });
  });
}
