/**
 * Campaigns through the real detector and a real object store (local disk): results,
 * report figures that add up, files under their documented keys, the comparison with the
 * previous campaign, and training rows that keep related cases together.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { BuiltinDetector } from "../../src/detect/builtin.js";
import { caseToSample, detectorTarget } from "../../src/redteam/campaign.js";
import { generateCases } from "../../src/redteam/cases.js";
import { reportMarkdown } from "../../src/redteam/report.js";
import { redTeamCampaign } from "../../src/redteam/run.js";
import { campaignKeys, listCampaigns, readReport, readResults } from "../../src/redteam/store.js";
import { FsObjectStore } from "../../src/storage/fs/store.js";
import type { ObjectStore } from "../../src/storage/types.js";
import { fullModel } from "../helpers/model.js";
import { tempDir } from "../helpers/tmp.js";

let detector: BuiltinDetector;
let store: ObjectStore;
before(async () => {
  detector = new BuiltinDetector(await fullModel());
  store = new FsObjectStore({ root: tempDir("bulwark-redteam-store-"), bucket: "bulwark" });
  await store.init();
});

test("a campaign screens every case, and its report adds up", async () => {
  const { report, results } = await redTeamCampaign(store, detectorTarget(detector, "builtin@test"), {
    seed: 21,
    cases: 600,
  });
  assert.equal(results.length, 600);
  assert.equal(report.cases, 600);
  assert.equal(report.attacks + report.negatives, 600);
  const caught = results.filter((r) => r.label === 1 && r.flagged).length;
  assert.equal(report.detectionRate, caught / report.attacks);
  const flaggedNegatives = results.filter((r) => r.label === 0 && r.flagged).length;
  assert.equal(report.overDefence, flaggedNegatives / report.negatives);
  // Every verdict is the detector's own.
  for (const r of results.slice(0, 50))
    assert.equal(r.score, detector.detect(r.text, { evidence: false }).score);
  assert.equal(
    Object.values(report.byGenerator).reduce((n, t) => n + t.cases, 0),
    600,
  );
  // Attacks are counted under each mutator they carry (none when undisguised).
  const mutatorCases = Object.values(report.byMutator).reduce((n, t) => n + t.cases, 0);
  const expected = results
    .filter((r) => r.label === 1)
    .reduce((n, r) => n + Math.max(1, r.mutators.length), 0);
  assert.equal(mutatorCases, expected);
  assert.ok(report.worst.length > 0, "some combination is missed: the built-in model is not perfect");
  for (const w of report.worst) {
    assert.ok(w.detectionRate < 1 && w.cases >= 3);
    assert.ok(w.examples.length > 0);
  }
  assert.equal(report.previous, undefined);
  assert.equal(report.model.sha256, detector.model.sha256);
});

test("the cases, the misses and the report are in the store under the documented keys", async () => {
  const [id] = await listCampaigns(store);
  const report = await readReport(store, id!);
  const keys = campaignKeys(id!);
  assert.match(keys.cases, /^red-team-data\/red_team_data_rt-\d{8}T\d{9}Z-[0-9a-f]{6}_\d{8}T\d{9}Z\.jsonl$/);
  assert.match(keys.vulnerabilities, /^red-team-data\/red_team_data_vulnerabilities_\d{8}T\d{9}Z\.jsonl$/);
  assert.deepEqual(report.files, [keys.cases, keys.vulnerabilities, keys.report]);
  const results = await readResults(store, id!);
  assert.equal(results.length, report.cases);
  const misses = (await store.getBuffer(keys.vulnerabilities)).toString("utf8").trim().split("\n");
  assert.equal(misses.length, results.filter((r) => r.miss).length);
  const first = JSON.parse(misses[0]!);
  for (const field of [
    "generator",
    "mutators",
    "seed",
    "original",
    "text",
    "label",
    "score",
    "flagged",
    "miss",
  ])
    assert.ok(field in first, field);
  assert.equal(first.miss, true);
});

test("a second campaign against the same model is compared with the first", async () => {
  const [firstId] = await listCampaigns(store);
  const first = await readReport(store, firstId!);
  const { report } = await redTeamCampaign(store, detectorTarget(detector, "builtin@test"), {
    seed: 22,
    cases: 200,
  });
  assert.equal(report.previous?.campaign, first.campaign);
  assert.equal(report.previous?.detectionRate, first.detectionRate);
  assert.deepEqual(await listCampaigns(store), [report.campaign, first.campaign]);
  const md = reportMarkdown(report);
  assert.match(md, /^# Red-team campaign rt-/);
  assert.match(md, /Since the previous campaign against this model/);
  assert.match(md, /\| fiction \| \d+ \| \d+\.\d%/);
});

test("bad campaign ids and unknown campaigns are told apart", async () => {
  await assert.rejects(readReport(store, "../../etc/passwd"), /is not a campaign id/);
  await assert.rejects(readReport(store, "rt-20200101T000000000Z-abcdef"), { code: "NOT_FOUND" });
});

test("cases become training rows; disguises of one item share a group", () => {
  const cases = generateCases({ seed: 4, cases: 500 });
  const samples = cases.map((c) => caseToSample(c));
  assert.ok(samples.every((s) => s.source === "redteam" && s.group && s.group.length === 16));
  const byItem = new Map<string, Set<string>>();
  cases.forEach((c, i) => {
    const item = `${c.generator}|${c.parts.join("|")}`;
    byItem.set(item, (byItem.get(item) ?? new Set()).add(samples[i]!.group!));
  });
  assert.ok([...byItem.values()].every((groups) => groups.size === 1));
  assert.ok(new Set(samples.map((s) => s.group)).size > 50);
});
