/**
 * Exports never send altered rows: a stored dataset whose bytes were changed on disk
 * (local-disk store) fails its SHA-256 check before the first row leaves, over HTTP
 * (422 INTEGRITY_ERROR instead of a 200 with the rows) and in `bulwark data export`
 * (an error, and not one byte written beside the target, not even a temporary file).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import type { Sample } from "../../src/data/sample.js";
import { openDatabase } from "../../src/db/open.js";
import { createObjectStore } from "../../src/storage/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer } from "../server/helpers.js";

const rows: Sample[] = Array.from({ length: 50 }, (_, i) => ({
  text: `quarterly report paragraph number ${i}`,
  label: 0,
  category: "benign",
  source: "reports",
  lang: "en",
}));

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/**
 * Changes a stored object on disk as an intruder would: the file whose SHA-256 is the
 * dataset's, made writable (objects are stored read-only) and one row relabelled in place.
 */
function tamper(home: string, sha256: string): void {
  const file = files(join(home, "objects")).find(
    (f) => createHash("sha256").update(readFileSync(f)).digest("hex") === sha256,
  );
  assert.ok(file, "the dataset's object is on disk");
  const bytes = readFileSync(file).toString("utf8");
  const changed = bytes.replace("paragraph number 7", "paragraph NUMBER 7");
  assert.notEqual(changed, bytes);
  chmodSync(file, 0o600);
  writeFileSync(file, changed);
}

async function storeDataset(home: string): Promise<{ ref: string; sha256: string }> {
  const config = loadConfig({ BULWARK_HOME: home });
  const db = await openDatabase(config);
  const store = createObjectStore(config.storage);
  try {
    const catalog = new DatasetCatalog(db, store, { actor: "test" });
    async function* gen() {
      yield* rows;
    }
    const d = await catalog.create(gen(), {
      name: "reports",
      describe: () => ({ origin: { kind: "import", sources: [] } }),
    });
    return { ref: d.ref, sha256: d.sha256 };
  } finally {
    await db.close();
    await store.close();
  }
}

describe("export of an altered dataset over HTTP", async () => {
  const home = tempDir("bulwark-export-http-");
  const d = await storeDataset(home);
  const server = await startTestServer({ home, database: { sqlitePath: join(home, "bulwark.db") } });
  const analyst = await keyFor(server, "analyst");

  test("an intact dataset exports", async () => {
    const r = await server.call(`/v1/datasets/${d.ref}/export`, { key: analyst });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text.trim().split("\n").length, rows.length);
  });

  for (const format of ["jsonl", "envelope"]) {
    test(`an altered dataset is refused before any row is sent (${format})`, async () => {
      if (format === "jsonl") tamper(home, d.sha256);
      const r = await server.call(`/v1/datasets/${d.ref}/export?format=${format}`, { key: analyst });
      assertError(r, 422, "INTEGRITY_ERROR", /does not match its recorded SHA-256/);
      assert.doesNotMatch(r.text, /paragraph/i, "no row content in the body");
    });
  }
});

describe("export of an altered dataset with the CLI", async () => {
  const home = tempDir("bulwark-export-cli-");
  const d = await storeDataset(home);
  const out = tempDir("bulwark-export-out-");
  const env = { BULWARK_HOME: home };

  test("an intact dataset exports", async () => {
    const r = await runCli(["data", "export", d.ref, join(out, "ok.jsonl")], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(out, "ok.jsonl"), "utf8").trim().split("\n").length, rows.length);
  });

  test("an altered dataset fails and not one byte is written, not even aside", async () => {
    tamper(home, d.sha256);
    const target = join(out, "altered");
    // Anything created in the target's folder (the export's temporary file included) is seen.
    mkdirSync(target);
    const seen: string[] = [];
    const watcher = watch(target, (_event, name) => seen.push(String(name)));
    try {
      const r = await runCli(["data", "export", d.ref, join(target, "rows.jsonl")], { env });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /does not match its recorded SHA-256/);
      await new Promise((res) => setTimeout(res, 200));
    } finally {
      watcher.close();
    }
    assert.deepEqual(seen, [], "nothing was created in the target folder");
    assert.equal(existsSync(join(target, "rows.jsonl")), false);
  });
});
