/**
 * The service's Prometheus metrics, in a registry of their own (not prom-client's global
 * one), so several apps in one process (tests) never share or clash.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { DetectionWindow, FAST_SECONDS, type DatabaseFigures } from "./business.js";
import { PlainCounter, PlainHistogram } from "./plain.js";

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<"method" | "route" | "status">;
  latency: Histogram<"method" | "route" | "status">;
  detections: Counter<"verdict" | "category">;
  /** Each verdict's own time (Verdict.latencyMs), one observation per screened text. */
  detectionSeconds: PlainHistogram;
  /** Detection requests by route and answer (flagged: at least one text flagged). */
  answers: PlainCounter<"route" | "answer">;
  /** Sets the gauges read from the database (server/metrics/business.ts DatabaseGauges). */
  setDatabaseFigures(figures: DatabaseFigures): void;
  modelInfo: Gauge<"name" | "version" | "sha256">;
  jobs: Gauge<"state">;
  storageOps: Counter<"operation" | "outcome">;
  storageErrors: Counter<"operation" | "code">;
  rateLimited: Counter<"scope">;
  authFailures: Counter<"reason">;
  pooledBodies: Counter<"route" | "outcome">;
  feedback: Counter<"label" | "status">;
  events: {
    written: Counter;
    dropped: Counter<"reason">;
    flushSeconds: Histogram;
    /** Reads the event recorder's queue at scrape time; the recorder's owner sets `read`. */
    queued: { read: () => number };
  };
  shadow: {
    compared: Counter<"agreement">;
    dropped: Counter<"reason">;
    scoreSeconds: Histogram;
    /** Reads the shadow runner's queue at scrape time; the runner's owner sets `read`. */
    queued: { read: () => number };
  };
  /** Reads the detection pool's backlog at scrape time; the pool's owner sets `read`. */
  poolQueue: { read: () => number };
  modelCache: {
    hits: Counter<"format">;
    misses: Counter<"format">;
    evictions: Counter<"format">;
    loadSeconds: Histogram<"format">;
    bytes: Gauge;
  };
}

export function createServiceMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "bulwark_" });
  const registers = [registry];
  const poolQueue = { read: () => 0 };
  new Gauge({
    name: "bulwark_detect_pool_queued_chars",
    help:
      "Characters of large detection requests accepted by the worker pool and not yet answered " +
      "(beyond BULWARK_DETECT_POOL_QUEUE_CHARS the server answers 503 DETECTION_BUSY)",
    registers,
    collect() {
      this.set(poolQueue.read());
    },
  });
  const eventsQueued = { read: () => 0 };
  new Gauge({
    name: "bulwark_events_queued",
    help: "Detection events waiting in memory to be written (beyond BULWARK_EVENTS_MAX_QUEUE new ones are dropped)",
    registers,
    collect() {
      this.set(eventsQueued.read());
    },
  });
  const detectionSeconds = new PlainHistogram(
    {
      name: "bulwark_detection_duration_seconds",
      help:
        "Each screened text's own detection time (the verdict's latencyMs, queueing and HTTP left out); " +
        'the share within 10 ms is rate(bulwark_detection_duration_seconds_bucket{le="0.01"}[5m]) / ' +
        "rate(bulwark_detection_duration_seconds_count[5m])",
      registers,
    },
    [0.0005, 0.001, 0.0025, 0.005, FAST_SECONDS, 0.025, 0.05, 0.1, 0.25, 1],
  );
  const window = new DetectionWindow(() => ({
    screened: detectionSeconds.count,
    fast: detectionSeconds.atMost(FAST_SECONDS),
  }));
  // Both gauges come from one sample: the first registered (collected first) takes it.
  let figures = { cpuMsPer1000: NaN, fastShare: NaN };
  new Gauge({
    name: "bulwark_cpu_ms_per_1000_detections",
    help:
      "CPU milliseconds this process spent (all threads, detection workers included, HTTP and event writing too) " +
      "per 1,000 texts it screened, over the last minute or so (since the newest scrape at least 60 s old); " +
      "NaN when it screened none. For any window: 1e6 * rate(bulwark_process_cpu_seconds_total[5m]) " +
      "/ sum(rate(bulwark_detections_total[5m]))",
    registers,
    collect() {
      figures = window.figures();
      this.set(figures.cpuMsPer1000);
    },
  });
  new Gauge({
    name: "bulwark_detections_within_10ms_ratio",
    help:
      "Share of texts screened by this process whose verdict took at most 10 ms, over the same window as " +
      "bulwark_cpu_ms_per_1000_detections; NaN when it screened none. For any window: " +
      'rate(bulwark_detection_duration_seconds_bucket{le="0.01"}[5m]) / rate(bulwark_detection_duration_seconds_count[5m])',
    registers,
    collect() {
      this.set(figures.fastShare);
    },
  });
  const falsePositiveRate = new Gauge({
    name: "bulwark_false_positive_report_ratio",
    help:
      "Users' reports that a flagged text was benign (feedback label 0) filed in the last 24 hours, per text " +
      "flagged in the last 24 hours, all servers together (read from the database at most once a minute); " +
      "reports=filed counts those not rejected by review, reports=accepted only accepted ones; NaN when nothing was flagged",
    labelNames: ["reports"],
    registers,
  });
  const misses = new Gauge({
    name: "bulwark_missed_attack_reports",
    help:
      "Reports of missed attacks (feedback label 1, not rejected) filed in the last 30 days, by state: fixed once " +
      "a model trained on the report (its learning cycle's challenger) has reached production, open otherwise " +
      "(read from the database at most once a minute)",
    labelNames: ["state"],
    registers,
  });
  const missHours = new Gauge({
    name: "bulwark_miss_to_fix_hours",
    help:
      "Hours from a missed-attack report to the first move to production of a model trained on it, mean and " +
      "median over the fixed reports filed in the last 30 days; NaN when none is fixed",
    labelNames: ["stat"],
    registers,
  });
  const shadowQueued = { read: () => 0 };
  new Gauge({
    name: "bulwark_shadow_queued",
    help: "Sampled texts waiting for the shadow model (beyond BULWARK_SHADOW_MAX_QUEUE new ones are dropped)",
    registers,
    collect() {
      this.set(shadowQueued.read());
    },
  });
  return {
    poolQueue,
    registry,
    detectionSeconds,
    setDatabaseFigures(f) {
      falsePositiveRate.set({ reports: "filed" }, f.falsePositiveRate);
      falsePositiveRate.set({ reports: "accepted" }, f.falsePositiveAcceptedRate);
      misses.set({ state: "fixed" }, f.missesFixed);
      misses.set({ state: "open" }, f.missesOpen);
      missHours.set({ stat: "mean" }, f.missToFixMeanHours);
      missHours.set({ stat: "median" }, f.missToFixMedianHours);
    },
    answers: new PlainCounter({
      name: "bulwark_detection_requests_total",
      help:
        "Detection requests (detect, batch, scan) by route and answer: flagged when at least one text was flagged, " +
        "what a caller that refuses on a flag would block (Bulwark itself blocks nothing). Block rate: " +
        'sum(rate(bulwark_detection_requests_total{answer="flagged"}[5m])) / sum(rate(bulwark_detection_requests_total[5m]))',
      registers,
    }),
    requests: new Counter({
      name: "bulwark_http_requests_total",
      help: "HTTP requests by route template, method and status code",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    latency: new Histogram({
      name: "bulwark_http_request_duration_seconds",
      help: "Time from receiving a request to sending its response",
      labelNames: ["method", "route", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    detections: new Counter({
      name: "bulwark_detections_total",
      help: "Texts screened, by verdict (flagged or clean) and category",
      labelNames: ["verdict", "category"],
      registers,
    }),
    modelInfo: new Gauge({
      name: "bulwark_model_info",
      help: "The model in service (value 1), by name, version and SHA-256",
      labelNames: ["name", "version", "sha256"],
      registers,
    }),
    jobs: new Gauge({
      name: "bulwark_jobs",
      help: "Jobs by state, read from the database at scrape time",
      labelNames: ["state"],
      registers,
    }),
    storageOps: new Counter({
      name: "bulwark_storage_operations_total",
      help: "Object store operations by operation and outcome (ok or error)",
      labelNames: ["operation", "outcome"],
      registers,
    }),
    storageErrors: new Counter({
      name: "bulwark_storage_errors_total",
      help: "Object store errors by operation and error code",
      labelNames: ["operation", "code"],
      registers,
    }),
    rateLimited: new Counter({
      name: "bulwark_rate_limit_rejections_total",
      help: "Requests refused with 429, by budget (ip, key, login)",
      labelNames: ["scope"],
      registers,
    }),
    authFailures: new Counter({
      name: "bulwark_auth_failures_total",
      help: "Requests refused with 401 or 403, by reason",
      labelNames: ["reason"],
      registers,
    }),
    pooledBodies: new Counter({
      name: "bulwark_detect_worker_bodies_total",
      help:
        "Large detection request bodies parsed and checked by a detection worker, by route and outcome " +
        "(screened; refused: bad JSON or schema; handed_back: the request thread screened it)",
      labelNames: ["route", "outcome"],
      registers,
    }),
    feedback: new Counter({
      name: "bulwark_feedback_reports_total",
      help: "Users' reports of wrong verdicts, by label (0 false positive, 1 missed attack) and status: pending when filed, accepted or rejected when reviewed",
      labelNames: ["label", "status"],
      registers,
    }),
    events: {
      written: new Counter({
        name: "bulwark_events_written_total",
        help: "Detection events written to the database",
        registers,
      }),
      dropped: new Counter({
        name: "bulwark_events_dropped_total",
        help:
          "Detection events not kept, by reason: queue_full (more than BULWARK_EVENTS_MAX_QUEUE waited), " +
          "write_failed (their write failed, then its retry), closed (recorded after shutdown began)",
        labelNames: ["reason"],
        registers,
      }),
      flushSeconds: new Histogram({
        name: "bulwark_events_flush_seconds",
        help: "Time to turn waiting detection events into rows (redaction included) and write them",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers,
      }),
      queued: eventsQueued,
    },
    shadow: {
      compared: new Counter({
        name: "bulwark_shadow_compared_total",
        help: "Sampled texts scored by the shadow model, by agreement with the production verdict (agree, disagree)",
        labelNames: ["agreement"],
        registers,
      }),
      dropped: new Counter({
        name: "bulwark_shadow_dropped_total",
        help:
          "Sampled texts the shadow model did not score or record, by reason: queue_full (more than " +
          "BULWARK_SHADOW_MAX_QUEUE waited), cleared (the shadow model was cleared meanwhile), score_failed, " +
          "write_failed, closed (sampled after shutdown began)",
        labelNames: ["reason"],
        registers,
      }),
      scoreSeconds: new Histogram({
        name: "bulwark_shadow_score_seconds",
        help: "Time the shadow model took to score one sampled text (off the request path)",
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      }),
      queued: shadowQueued,
    },
    modelCache: {
      hits: new Counter({
        name: "bulwark_model_cache_hits_total",
        help: "Model versions served from the model cache, by format",
        labelNames: ["format"],
        registers,
      }),
      misses: new Counter({
        name: "bulwark_model_cache_misses_total",
        help: "Model versions read, verified and loaded because the cache did not hold them, by format",
        labelNames: ["format"],
        registers,
      }),
      evictions: new Counter({
        name: "bulwark_model_cache_evictions_total",
        help: "Model versions dropped from the cache to stay within BULWARK_MODEL_CACHE_MB, by format",
        labelNames: ["format"],
        registers,
      }),
      loadSeconds: new Histogram({
        name: "bulwark_model_load_seconds",
        help: "Time to read, verify and load a model version (cache misses), by format",
        labelNames: ["format"],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers,
      }),
      bytes: new Gauge({
        name: "bulwark_model_cache_bytes",
        help: "Memory charged to the model versions the cache holds (their files' size times the format's factor)",
        registers,
      }),
    },
  };
}
