/** BULWARK_LEARN_SCHEDULE: a cron expression checked at start with a message that helps, and a timer that fires at its ticks. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadServiceSettings } from "../../src/app/settings.js";
import { ValidationError } from "../../src/core/errors.js";
import { parseCronSchedule, startSchedule } from "../../src/jobs/schedule.js";

describe("cron schedules", () => {
  test("the next tick of five-field expressions and macros, in UTC", () => {
    const from = new Date("2026-01-01T10:17:00Z");
    assert.equal(parseCronSchedule("0 3 * * 0").next(from).toISOString(), "2026-01-04T03:00:00.000Z");
    assert.equal(parseCronSchedule("*/15 * * * *").next(from).toISOString(), "2026-01-01T10:30:00.000Z");
    assert.equal(parseCronSchedule("0 3 * * MON").next(from).toISOString(), "2026-01-05T03:00:00.000Z");
    assert.equal(parseCronSchedule("@daily").next(from).toISOString(), "2026-01-02T00:00:00.000Z");
    assert.equal(parseCronSchedule("  30 2 1 * *  ").expression, "30 2 1 * *");
  });

  test("a bad expression is refused with what is wrong and what a right one looks like", () => {
    const refused = (expression: string, why: RegExp) =>
      assert.throws(
        () => parseCronSchedule(expression, "BULWARK_LEARN_SCHEDULE"),
        (err: unknown) =>
          err instanceof ValidationError &&
          err.message.startsWith(`BULWARK_LEARN_SCHEDULE: "${expression}"`) &&
          why.test(err.message) &&
          /e\.g\. "0 3 \* \* 0"/.test(err.message),
      );
    refused("61 * * * *", /not a cron expression \(.*0-59/);
    refused("* * * *", /has 4 field\(s\)/);
    refused("0 0 3 * * 0", /has 6 field\(s\)/);
    refused("every sunday", /has 2 field\(s\)/);
    refused("0 3 31 2 *", /not a cron expression/);
  });

  test("the service settings check it at start: a server with a bad schedule does not start", () => {
    assert.equal(loadServiceSettings({}).learn.schedule, null);
    assert.equal(loadServiceSettings({ BULWARK_LEARN_SCHEDULE: "0 4 * * *" }).learn.schedule, "0 4 * * *");
    assert.throws(
      () => loadServiceSettings({ BULWARK_LEARN_SCHEDULE: "0 25 * * *" }),
      /^ValidationError: BULWARK_LEARN_SCHEDULE: "0 25 \* \* \*" is not a cron expression/,
    );
  });

  test("the timer fires at each tick with the tick itself, until stopped", async () => {
    // A schedule whose ticks are 20 ms apart, so the test waits for ticks, not for minutes.
    const every20ms = { expression: "test", next: (after: Date) => new Date(after.getTime() + 20) };
    const ticks: Date[] = [];
    // The schedule's timer does not keep a process alive (a server's does): this one does.
    const alive = setInterval(() => {}, 1000);
    await new Promise<void>((resolve) => {
      const s = startSchedule(every20ms, (tick) => {
        ticks.push(tick);
        if (ticks.length === 3) {
          s.stop();
          resolve();
        }
      });
    }).finally(() => clearInterval(alive));
    assert.equal(ticks.length, 3);
    assert.equal(ticks[1]!.getTime() - ticks[0]!.getTime(), 20, "each tick follows the one before");
    assert.equal(ticks[2]!.getTime() - ticks[1]!.getTime(), 20);
  });
});
