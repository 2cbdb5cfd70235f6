/**
 * Red-team cases as training rows: every case of a seed, deduplicated by text, without any
 * text of the frozen evaluation suite, so a model trained on them is still judged on texts it
 * never saw. The bundled corpus's `redteam` source is made this way (README, Training data).
 */
import type { Sample } from "../data/sample.js";
import { caseToSample } from "./campaign.js";
import { caseStream, type CaseOptions } from "./cases.js";
import { checkCampaignSeed, isFrozenText } from "./suites.js";

export function redTeamSamples(o: CaseOptions, source = "redteam"): Sample[] {
  checkCampaignSeed(o.seed);
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const c of caseStream(o)) {
    if (seen.has(c.text) || isFrozenText(c.text)) continue;
    seen.add(c.text);
    out.push(caseToSample(c, source));
  }
  return out;
}
