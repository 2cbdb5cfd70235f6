/**
 * The two scrape-time readers behind the business gauges, with the clock and the CPU meter
 * given by the test: the window compares now with the newest sample at least a minute old,
 * and the database figures are read at most once a minute, keep their last values when a
 * read fails, and never reject (a scrape must not fail because of them).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  DATABASE_EVERY_MS,
  DatabaseGauges,
  DetectionWindow,
  WINDOW_MS,
  type DatabaseFigures,
} from "../../src/server/metrics/business.js";
import { testDatabases } from "../db/databases.js";

describe("the detection window", () => {
  test("CPU per 1,000 detections and the 10 ms share over the newest sample a minute old", () => {
    const tally = { screened: 0, fast: 0 };
    let now = 0;
    let cpu = 0;
    const window = new DetectionWindow(
      () => ({ ...tally }),
      () => cpu,
      () => now,
    );
    // The first scrape only takes a sample; then nothing screened yet: no figure rather than a zero.
    now = 1_000;
    const first = window.figures();
    assert.ok(Number.isNaN(first.cpuMsPer1000) && Number.isNaN(first.fastShare));
    now = 2_000;
    const none = window.figures();
    assert.ok(Number.isNaN(none.cpuMsPer1000) && Number.isNaN(none.fastShare));

    // 2,000 detections for 300 ms of CPU (300,000 µs): 150 ms per 1,000.
    tally.screened = 2_000;
    tally.fast = 1_500;
    cpu = 300_000;
    now = 20_000;
    assert.deepEqual(window.figures(), { cpuMsPer1000: 150, fastShare: 0.75 });

    // A minute later the start sample (t=0) is still the newest one at least a minute old.
    tally.screened = 3_000;
    tally.fast = 2_500;
    cpu = 400_000;
    now = WINDOW_MS;
    assert.deepEqual(window.figures(), { cpuMsPer1000: 400_000 / 3_000, fastShare: 2_500 / 3_000 });

    // Now the sample at t=20 s is the base: 1,000 more detections for 100 ms more CPU.
    tally.screened = 4_000;
    tally.fast = 3_000;
    cpu = 500_000;
    now = 20_000 + WINDOW_MS;
    assert.deepEqual(window.figures(), { cpuMsPer1000: 200_000 / 2_000, fastShare: 1_500 / 2_000 });
  });
});

for (const database of await testDatabases()) {
  describe(`the database gauges on ${database.dialect}`, async () => {
    const handle = await database.open();

    test("read at most once a minute; a failed read keeps the last values and does not reject", async () => {
      let now = 1_000_000;
      const seen: DatabaseFigures[] = [];
      const failures: unknown[] = [];
      const gauges = new DatabaseGauges(
        handle,
        (f) => seen.push(f),
        (err) => failures.push(err),
        () => now,
      );
      await gauges.refresh();
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.missesFixed, 0);
      assert.equal(seen[0]!.missesOpen, 0);
      // Nothing flagged, nothing fixed: NaN, not a reassuring zero.
      assert.ok(Number.isNaN(seen[0]!.falsePositiveRate));
      assert.ok(Number.isNaN(seen[0]!.falsePositiveAcceptedRate));
      assert.ok(Number.isNaN(seen[0]!.missToFixMeanHours));
      assert.ok(Number.isNaN(seen[0]!.missToFixMedianHours));

      now += DATABASE_EVERY_MS - 1;
      await gauges.refresh();
      assert.equal(seen.length, 1, "within the minute the last read stands");

      now += 1;
      await gauges.refresh();
      assert.equal(seen.length, 2);

      // A database that fails: the scrape goes on, the failure is reported once a minute.
      const broken = new DatabaseGauges(
        { ...handle, db: undefined } as unknown as typeof handle,
        (f) => seen.push(f),
        (err) => failures.push(err),
        () => now,
      );
      await broken.refresh();
      await broken.refresh();
      assert.equal(failures.length, 1);
      assert.equal(seen.length, 2);
    });
  });
}
