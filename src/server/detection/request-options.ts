/**
 * The detection routes' bodies turned into detector options: one place, used by the
 * request thread and by the detection workers that screen large bodies, so a request
 * means the same wherever it is screened.
 */
import type { Static } from "@sinclair/typebox";
import type { ScanOptions } from "../../detect/document-scan.js";
import type { DetectOptions } from "../../detect/types.js";
import type { detectSchemas } from "../schemas/detect.js";

type Schemas = ReturnType<typeof detectSchemas>;
export type DetectBody = Static<Schemas["DetectBody"]>;
export type BatchBody = Static<Schemas["BatchBody"]>;
export type ScanBody = Static<Schemas["ScanBody"]>;

/** The detection routes whose large bodies a worker may parse and screen. */
export type BodyRoute = "detect" | "batch" | "scan";

export type RequestOptions = Pick<DetectOptions, "threshold" | "evidence">;

export function requestOptions(b: DetectBody | BatchBody): RequestOptions {
  return {
    ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
    evidence: b.evidence !== false,
  };
}

export function scanOptions(b: ScanBody): ScanOptions {
  return {
    ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
    evidence: b.evidence !== false,
    ...(b.window ? { window: b.window } : {}),
    allWindows: b.allWindows === true,
  };
}
