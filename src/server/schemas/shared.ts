/**
 * The schemas the app registers once by `$id` (app.addSchema) and routes use by reference
 * (`refTo`, `Type.Ref`), so a payload returned by several routes is declared once and
 * appears once in the OpenAPI document. A schema with an `$id` must be used by reference
 * only: embedding it would register its `$id` twice.
 */
import type { TSchema } from "@sinclair/typebox";
import { ErrorEnvelope } from "../replies.js";
import { Dataset } from "./datasets.js";
import { Verdict } from "./detect.js";
import { LearnCycle } from "./learn.js";
import { ModelVersion, StageEvent } from "./registry.js";
import { Run } from "./runs.js";
import { JobSchema } from "./service.js";
import { ObjectInfo } from "./storage.js";

export const sharedSchemas: readonly TSchema[] = [
  ErrorEnvelope,
  Verdict,
  JobSchema,
  ObjectInfo,
  Dataset,
  ModelVersion,
  StageEvent,
  Run,
  LearnCycle,
];
