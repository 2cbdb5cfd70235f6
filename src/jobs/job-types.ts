/**
 * The job types Bulwark knows, in one flat table: a name, a payload check, a handler.
 * Servers and workers build the same table (through `app/jobs.ts`), so any worker can
 * run any job; a new kind of job is one handler file and one line here.
 */
import { auditSnapshotJob } from "./handlers/audit-snapshot.js";
import { backupJob } from "./handlers/backup.js";
import { datasetImportJob } from "./handlers/dataset-import.js";
import { redTeamJob } from "./handlers/redteam.js";
import { learnCycleJob } from "./handlers/learn-cycle.js";
import { privacyErasureJob, privacyRetentionJob } from "./handlers/privacy.js";
import { selftestJob } from "./handlers/selftest.js";
import { trainingJob } from "./handlers/training.js";
import type { JobServices } from "./services.js";
import type { JobType } from "./types.js";

export function createJobTypes(services: JobServices): Map<string, JobType> {
  return new Map<string, JobType>([
    ["system.selftest", selftestJob],
    ["audit.snapshot", auditSnapshotJob(services)],
    ["dataset.import", datasetImportJob(services)],
    ["training.run", trainingJob(services)],
    ["redteam.campaign", redTeamJob(services)],
    ["learn.cycle", learnCycleJob(services)],
    ["privacy.retention", privacyRetentionJob(services)],
    ["privacy.erasure", privacyErasureJob(services)],
    ["backup.create", backupJob(services)],
  ]);
}
