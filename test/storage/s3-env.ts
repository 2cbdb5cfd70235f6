/** Finds the S3 server for tests and benchmarks: BULWARK_TEST_S3_* variables, else the env file scripts/rgw/start.sh wrote. */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { S3ObjectStore } from "../../src/storage/s3/store.js";

export interface TestS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function readEnvFile(path: string): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
    }
    return out;
  } catch {
    return {};
  }
}

export async function findTestS3(env = process.env): Promise<TestS3 | undefined> {
  const file = readEnvFile(env.BULWARK_TEST_S3_ENV_FILE ?? `${env.RGW_DIR ?? "/tmp/bulwark-rgw"}/env`);
  const pick = (name: string) => env[name] ?? file[name];
  const endpoint = pick("BULWARK_TEST_S3_ENDPOINT");
  const accessKeyId = pick("BULWARK_TEST_S3_ACCESS_KEY");
  const secretAccessKey = pick("BULWARK_TEST_S3_SECRET_KEY");
  if (!endpoint || !accessKeyId || !secretAccessKey) return undefined;
  try {
    // Any HTTP answer means a server is there; a refused connection means none.
    await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
  } catch {
    return undefined;
  }
  return { endpoint, region: pick("BULWARK_TEST_S3_REGION") ?? "us-east-1", accessKeyId, secretAccessKey };
}

/** A fresh bucket with Object Lock on the test S3 server, named `<prefix>-<time>-<random>`. */
export async function lockedTestBucket(s3: TestS3, prefix: string): Promise<S3ObjectStore> {
  const store = new S3ObjectStore({
    bucket: `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`,
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    objectLock: true,
  });
  await store.init({ objectLock: true });
  return store;
}
