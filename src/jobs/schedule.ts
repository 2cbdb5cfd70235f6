/**
 * Cron schedules for jobs (BULWARK_LEARN_SCHEDULE): an expression checked once, at start,
 * with a message that says what is wrong and what a right one looks like, and a timer that
 * calls back at each tick. Times are UTC, whatever the machine's zone, so servers in
 * different places agree on a tick; the tick itself is passed on, so the job it starts can
 * tell that several servers fired the same one (learn_cycles.scheduled_for is unique).
 */
import { CronExpressionParser } from "cron-parser";
import { ValidationError } from "../core/errors.js";

export interface CronSchedule {
  expression: string;
  /** The first tick strictly after `after`. */
  next(after: Date): Date;
}

const MACROS = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@weekdays", "@weekends"];
const EXAMPLE =
  'five fields, minute hour day-of-month month day-of-week, in UTC: e.g. "0 3 * * 0" (Sundays at 03:00) or "@daily"';

/** Checks a cron expression; `what` names where it came from in the message. */
export function parseCronSchedule(expression: string, what = "the schedule"): CronSchedule {
  const text = expression.trim();
  const fields = text.split(/\s+/).length;
  if (!MACROS.includes(text.toLowerCase()) && fields !== 5)
    throw new ValidationError(
      `${what}: "${expression}" has ${fields} field(s); a cron expression has ${EXAMPLE}`,
    );
  try {
    CronExpressionParser.parse(text, { tz: "UTC" });
  } catch (err) {
    throw new ValidationError(
      `${what}: "${expression}" is not a cron expression (${(err as Error).message}); it has ${EXAMPLE}`,
    );
  }
  return {
    expression: text,
    next: (after) => CronExpressionParser.parse(text, { tz: "UTC", currentDate: after }).next().toDate(),
  };
}

/** Longest a timer may wait in Node (about 24.8 days); a later tick is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` at every tick of the schedule until stopped. A tick missed while the
 * process was down is not made up: the next one comes at its time.
 */
export function startSchedule(
  schedule: CronSchedule,
  fire: (tick: Date) => void,
  now: () => Date = () => new Date(),
): { stop(): void; nextTick(): Date } {
  let timer: NodeJS.Timeout | undefined;
  let tick = schedule.next(now());
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, tick.getTime() - now().getTime()));
    timer = setTimeout(() => {
      if (now().getTime() >= tick.getTime()) {
        const due = tick;
        tick = schedule.next(due);
        fire(due);
      }
      arm();
    }, wait);
    timer.unref();
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    nextTick: () => tick,
  };
}
