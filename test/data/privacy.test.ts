/**
 * What a dataset says about personal data, on SQLite and PostgreSQL, with real files and a
 * real store: an import with redaction stores no address or card number and counts what it
 * took out; without, the scan records "present", and a declaration of "none" the rows
 * contradict is refused naming file and line; subjects are kept only as keyed hashes;
 * versions made before the privacy block read as "unknown"; a merge keeps the least safe
 * status; users' reports join the learning loop redacted.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openPrivacy } from "../../src/app/privacy.js";
import type { BulwarkError } from "../../src/core/errors.js";
import { DatasetCatalog } from "../../src/data/datasets.js";
import { importData } from "../../src/data/import/index.js";
import { resolveInputs } from "../../src/data/inputs.js";
import { mergeDatasets } from "../../src/data/merge.js";
import { parseLegalBasis, readPrivacy } from "../../src/data/privacy.js";
import { FeedbackStore } from "../../src/feedback/store.js";
import { feedbackExtras } from "../../src/learn/feedback.js";
import { testDatabases } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";
import { fsStore } from "../registry/helpers.js";

const dir = tempDir();
const ADDRESS = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const row = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ text, label: 0, category: "benign", lang: "en", ...extra });
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const withPii = file("support.jsonl", [
  row("How do I reset my password?", { subject: "user-42" }),
  row(`Please write to ${ADDRESS} about my order`, { subject: "user-42" }),
  row(`My card ${CARD} was charged twice, mail ${ADDRESS.toUpperCase()}`),
  row("Thanks, all good now", { subject: "sub_0123456789abcdef0123456789abcdef" }),
]);
const clean = file("clean.jsonl", [row("What is the capital of France?"), row("Bake bread at 220 C")]);

async function failsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: BulwarkError) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

for (const d of await testDatabases()) {
  describe(`dataset privacy on ${d.dialect}`, async () => {
    const handle = await d.open();
    const { store } = fsStore();
    const catalog = new DatasetCatalog(handle, store, { actor: "test:dpo" });
    const kit = await openPrivacy(handle.db, { redactionMode: "mask", key: undefined });
    const stored = async (key: string) => (await store.getBuffer(key)).toString("utf8");

    test("--redact stores no address or card, and the manifest records mode, counts, basis and purpose", async () => {
      const { dataset } = await importData(catalog, [withPii], {
        name: "support",
        privacyKit: kit,
        privacy: { redact: "mask", legalBasis: parseLegalBasis("Legitimate interests"), purpose: "tuning" },
      });
      const rows = await stored(dataset.key);
      assert.doesNotMatch(rows, /jane\.doe|JANE\.DOE|4111/i);
      assert.match(rows, /Please write to \[EMAIL\] about my order/);
      assert.match(rows, /My card \[CARD\] was charged twice, mail \[EMAIL\]/);
      const manifest = await stored(dataset.manifestKey);
      assert.doesNotMatch(manifest, /jane|4111|user-42/i, "no value and no raw subject in the manifest");
      const expected = {
        personalData: "redacted",
        legalBasis: "legitimate_interests",
        purpose: "tuning",
        redactionMode: "mask",
        pii: { rows: 2, byType: { email: 2, card: 1 } },
        subjects: 3,
      };
      assert.deepEqual(JSON.parse(manifest).privacy, expected);
      assert.deepEqual(
        (await catalog.resolve("support")).privacy,
        expected,
        "the catalogue row says the same",
      );
      assert.deepEqual((await catalog.list())[0]!.privacy, expected);
    });

    test("subjects are stored only as the application's keyed hash; a hash stays as it is", async () => {
      const samples = await catalog.load(await catalog.resolve("support"));
      const subject = kit.subject("user-42");
      assert.match(subject, /^sub_[0-9a-f]{32}$/);
      assert.deepEqual(
        samples.map((s) => s.subject),
        [subject, subject, undefined, "sub_0123456789abcdef0123456789abcdef"],
      );
    });

    test("hash mode keeps one address joinable, and remove mode drops rows it leaves empty", async () => {
      const hashed = await importData(catalog, [withPii], {
        name: "support-hashed",
        privacyKit: kit,
        privacy: { redact: "hash" },
      });
      const rows = (await stored(hashed.dataset.key)).split("\n").filter(Boolean);
      const tags = rows.join("\n").match(/\[EMAIL:[0-9a-f]{12}\]/g) ?? [];
      assert.equal(tags.length, 2);
      assert.equal(tags[0], tags[1], "the same address, written in two cases, hashes alike");
      const only = file("only-address.jsonl", [row(ADDRESS), row("keep me")]);
      const removed = await importData(catalog, [only], {
        name: "removed",
        privacyKit: kit,
        privacy: { redact: "remove" },
      });
      assert.equal(removed.dataset.rows, 1);
      assert.deepEqual(removed.dataset.privacy.pii, { rows: 1, byType: { email: 1 }, emptied: 1 });
    });

    test("without redaction the scan records present, none or unknown", async () => {
      const found = await importData(catalog, [withPii], { name: "raw", privacyKit: kit });
      assert.equal(found.dataset.privacy.personalData, "present");
      assert.deepEqual(found.dataset.privacy.pii, { rows: 2, byType: { email: 2, card: 1 } });
      assert.match(await stored(found.dataset.key), /jane\.doe@example\.com/, "scanning changes nothing");
      const declared = await importData(catalog, [clean], {
        name: "clean",
        privacy: { declared: "none", purpose: "evaluation" },
      });
      assert.equal(declared.dataset.privacy.personalData, "none");
      const silent = await importData(catalog, [clean], { name: "clean-undeclared" });
      assert.equal(silent.dataset.privacy.personalData, "unknown", "nothing found is not proof of none");
      const asked = await importData(catalog, [clean], {
        name: "clean-present",
        privacy: { declared: "present" },
      });
      assert.equal(asked.dataset.privacy.personalData, "present", "a declaration of present stands");
    });

    test("a declaration of none the rows contradict is refused, naming file and line, and nothing is stored", async () => {
      const before = (await catalog.list()).length;
      await failsWith(
        importData(catalog, [clean, withPii], {
          name: "liar",
          privacyKit: kit,
          privacy: { declared: "none" },
        }),
        "PERSONAL_DATA_FOUND",
        /support\.jsonl:2: personal data \(email\) found although the import was declared free of it/,
      );
      const envelope = join(dir, "liar.json");
      writeFileSync(
        envelope,
        JSON.stringify({
          version: "1.0",
          metadata: {},
          samples: [
            { text: "fine", label: 0 },
            { text: `card ${CARD}`, label: 0 },
          ],
        }),
      );
      await failsWith(
        importData(catalog, [envelope], { name: "liar", privacy: { declared: "none" } }),
        "PERSONAL_DATA_FOUND",
        /liar\.json: samples\[1\]: personal data \(card\)/,
      );
      await assert.rejects(
        importData(catalog, [withPii], { name: "liar", privacy: { declared: "none" } }),
        (err: Error) => !err.message.includes(ADDRESS),
        "the refusal never repeats the value",
      );
      assert.equal((await catalog.list()).length, before);
    });

    test("a subject is validated with file and line, and never stored readable", async () => {
      const bad = file("bad-subject.jsonl", [row("one"), row("two", { subject: 42 })]);
      await failsWith(
        importData(catalog, [bad], { name: "bad", privacyKit: kit }),
        "VALIDATION_ERROR",
        /bad-subject\.jsonl:2: field "subject": expected the end user's id/,
      );
      const named = file("named.jsonl", [row("hello", { subject: "alice@example.com" })]);
      await failsWith(
        importData(catalog, [named], { name: "named" }),
        "VALIDATION_ERROR",
        /named\.jsonl:1: a row names its subject, which is kept only as the application's keyed hash/,
      );
      // A merge reads files as they are: the catalogue itself refuses a readable subject.
      await failsWith(
        mergeDatasets(catalog, await resolveInputs(catalog, [named]), {
          name: "merged-raw",
          rule: "majority",
        }),
        "VALIDATION_ERROR",
        /a row's subject is not a keyed hash/,
      );
    });

    test("a merge keeps the least safe status, and the subjects it stores", async () => {
      const { dataset } = await mergeDatasets(
        catalog,
        await resolveInputs(catalog, ["support", "raw", "clean"]),
        {
          name: "merged",
          rule: "majority",
        },
      );
      assert.equal(dataset.privacy.personalData, "present");
      // support's three, and raw's unredacted copy of the address row (its other two are duplicates).
      assert.equal(dataset.privacy.subjects, 4, "counted on the rows stored, not added up");
      const safe = await mergeDatasets(catalog, await resolveInputs(catalog, ["support", "clean"]), {
        name: "merged-safe",
        rule: "majority",
      });
      assert.equal(safe.dataset.privacy.personalData, "redacted");
      assert.equal(safe.dataset.privacy.legalBasis, null, "bases that differ are not carried over");
    });

    test("versions made before the privacy block read as unknown, from the catalogue and the manifest", async () => {
      const { dataset } = await importData(catalog, [clean], { name: "old", privacy: { declared: "none" } });
      await handle.db.updateTable("datasets").set({ privacy: null }).where("id", "=", dataset.id).execute();
      const manifest = JSON.parse(await stored(dataset.manifestKey));
      delete manifest.privacy;
      await store.put(dataset.manifestKey, JSON.stringify(manifest));
      const old = await catalog.resolve(dataset.id);
      assert.deepEqual(old.privacy, { personalData: "unknown", legalBasis: null, purpose: null });
      assert.equal((await catalog.manifest(old)).privacy.personalData, "unknown");
      assert.equal(readPrivacy({ personalData: "maybe" }).personalData, "unknown");
      assert.equal((await catalog.resolve("bundled")).privacy.personalData, "unknown");
    });

    test("users' reports join the learning loop with personal data taken out", async () => {
      const feedback = new FeedbackStore(handle, { maxTextChars: 10_000 });
      const r = await feedback.file(
        { requestId: "req-9", label: 0, text: `Not an attack: forward the invoice to ${ADDRESS}` },
        { id: "key_alice", name: "key:alice" },
      );
      await feedback.review(r.report.id, { decision: "accepted" }, "user:rita");
      const extras = await feedbackExtras(handle, kit.redactor);
      assert.ok(extras);
      assert.deepEqual(
        extras.samples.map((s) => s.text),
        ["Not an attack: forward the invoice to [EMAIL]"],
      );
    });
  });
}
