/** The model cache's events as Prometheus metrics: hits, misses, evictions, load time and memory held. */
import type { ModelCache, ModelCacheObserver } from "../../registry/model-cache.js";
import type { ServiceMetrics } from "./registry.js";

/** An observer that counts into `metrics`; `cache` is read for the memory gauge. */
export function modelCacheObserver(
  metrics: ServiceMetrics["modelCache"],
  cache: () => ModelCache,
): ModelCacheObserver {
  const held = () => metrics.bytes.set(cache().stats().bytes);
  return {
    hit: (format) => metrics.hits.inc({ format }),
    miss: (format) => metrics.misses.inc({ format }),
    loaded: (format, seconds) => {
      metrics.loadSeconds.observe({ format }, seconds);
      held();
    },
    evicted: (format) => {
      metrics.evictions.inc({ format });
      held();
    },
  };
}
