import type { Command } from "commander";
import { registerConfig } from "./config.js";
import { registerData } from "./data.js";
import { registerDemo } from "./demo.js";
import { registerDetect } from "./detect.js";
import { registerEval } from "./eval.js";
import { registerModels } from "./models.js";
import { registerRuns } from "./runs.js";
import { registerScan } from "./scan.js";
import { registerServe } from "./serve.js";
import { registerWorker } from "./worker.js";
import { registerKeys } from "./keys.js";
import { registerUsers } from "./users.js";
import { registerAudit } from "./audit.js";
import { registerCanary } from "./canary.js";
import { registerFeedback } from "./feedback.js";
import { registerJobs } from "./jobs.js";
import { registerLearn } from "./learn.js";
import { registerStorage } from "./storage.js";
import { registerTrain } from "./train.js";
import { registerRedTeam } from "./redteam.js";
import { registerPrivacy } from "./privacy.js";
import { registerAnalytics } from "./analytics.js";
import { registerShadow } from "./shadow.js";
import { registerDoctor } from "./doctor.js";
import { registerBackup } from "./backup.js";

/**
 * Every command group registers itself here; one module per group. A group's module
 * declares its commands and options (all that parsing and help need) and imports only
 * commander and small helpers; what a command does lives in src/cli/actions/<group>.ts,
 * loaded when it runs (`lazy` in ../output.ts). test/cli/lazy-commands.test.ts fails when
 * start-up loads more.
 */
export function registerCommands(program: Command): void {
  registerDetect(program);
  registerScan(program);
  registerTrain(program);
  registerLearn(program);
  registerEval(program);
  registerDemo(program);
  registerStorage(program);
  registerData(program);
  registerModels(program);
  registerRuns(program);
  registerConfig(program);
  registerServe(program);
  registerWorker(program);
  registerKeys(program);
  registerCanary(program);
  registerFeedback(program);
  registerUsers(program);
  registerAudit(program);
  registerJobs(program);
  registerRedTeam(program);
  registerPrivacy(program);
  registerAnalytics(program);
  registerShadow(program);
  registerDoctor(program);
  registerBackup(program);
}
