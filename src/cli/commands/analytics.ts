/** `bulwark analytics ...`: detection events summed up, read from the configured database. */
import { Option, type Command } from "commander";
import { BUCKETS, GROUP_BY, METRICS } from "../../analytics/choices.js";
import { REPORT_FORMATS } from "../../analytics/report/formats.js";
import { oneOf } from "../options.js";
import { lazy } from "../output.js";

const actions = () => import("../actions/analytics.js");
const driftActions = () => import("../actions/analytics-drift.js");

export function registerAnalytics(program: Command): void {
  const analytics = program
    .command("analytics")
    .description(
      "detection events summed up: a summary of a time range, time series, the security report, drift",
    );
  const range = (c: Command) =>
    c
      .option("--from <time>", "events at or after this ISO time (default: 24 hours before --to)")
      .option("--to <time>", "events before this ISO time (default: now)")
      .option("--json", "print JSON");

  range(
    analytics
      .command("summary")
      .description(
        "requests, flagged share, counts by category, route and model, latency percentiles, top evidence",
      ),
  ).action(lazy(actions, "analyticsSummary"));

  range(
    analytics
      .command("timeseries")
      .description("one metric per UTC hour, day or week (from Monday); buckets without events are left out")
      .addOption(
        new Option("--metric <metric>", METRICS.join(", ")).argParser(oneOf(METRICS)).makeOptionMandatory(),
      )
      .addOption(
        new Option("--bucket <bucket>", BUCKETS.join(", ")).argParser(oneOf(BUCKETS)).makeOptionMandatory(),
      )
      .addOption(
        new Option("--by <column>", `one series per ${GROUP_BY.join(", ")}`).argParser(oneOf(GROUP_BY)),
      ),
  ).action(lazy(actions, "analyticsTimeseries"));

  analytics
    .command("report")
    .description(
      "the security report with charts: volume, attack rate, categories, techniques, rules, feedback, model changes",
    )
    .option("--from <time>", "events at or after this ISO time (default: 7 days before --to)")
    .option("--to <time>", "events before this ISO time (default: now)")
    .addOption(
      new Option("--format <format>", REPORT_FORMATS.join(" or "))
        .argParser(oneOf(REPORT_FORMATS))
        .makeOptionMandatory(),
    )
    .option(
      "--output <file>",
      "write the report to this file (default: standard output); Markdown charts go to FILE-charts/ beside it",
    )
    .action(lazy(actions, "analyticsReport"));
  range(
    analytics
      .command("business")
      .description(
        "attack and block rates, false-positive rate from users' reports, hours from a reported miss to its fix",
      ),
  ).action(lazy(actions, "analyticsBusiness"));
  range(
    analytics
      .command("shadow")
      .description(
        "the shadow model against production: agreement, flagged shares, disagreements by direction and category, examples, users' reports",
      ),
  ).action(lazy(() => import("../actions/shadow.js"), "analyticsShadow"));

  range(
    analytics
      .command("drift")
      .description(
        "population stability index per feature of the production model's events against its validation data",
      ),
  ).action(lazy(driftActions, "analyticsDrift"));
}
