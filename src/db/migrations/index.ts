/**
 * Every migration, by name; names sort in the order they run. Adding one is a new file
 * in this folder and one line here.
 */
import type { Migration } from "kysely";
import * as m001 from "./001_registry.js";
import * as m002 from "./002_auth.js";
import * as m003 from "./003_model_companions.js";
import * as m004 from "./004_token_generation.js";
import * as m005 from "./005_key_budgets.js";
import * as m006 from "./006_key_rotation.js";
import * as m007 from "./007_canaries.js";
import * as m008 from "./008_feedback.js";
import * as m009 from "./009_learn_cycles.js";
import * as m010 from "./010_detection_events.js";
import * as m011 from "./011_privacy_rights.js";
import * as m013 from "./013_dataset_privacy.js";
import * as m014 from "./014_event_rollups.js";
import * as m015 from "./015_event_language.js";
import * as m016 from "./016_shadow.js";

export const migrations: Record<string, Migration> = {
  "001_registry": m001,
  "002_auth": m002,
  "003_model_companions": m003,
  "004_token_generation": m004,
  "005_key_budgets": m005,
  "006_key_rotation": m006,
  "007_canaries": m007,
  "008_feedback": m008,
  "009_learn_cycles": m009,
  "010_detection_events": m010,
  "011_privacy_rights": m011,
  "013_dataset_privacy": m013,
  "014_event_rollups": m014,
  "015_event_language": m015,
  "016_shadow": m016,
};
