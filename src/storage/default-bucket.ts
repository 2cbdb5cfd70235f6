/**
 * The local bucket Bulwark makes for itself has Object Lock from the first start, whichever
 * command touches it first (`serve`, `audit snapshot`, `train`...): what the product means
 * to lock (audit snapshots, production model snapshots) is locked out of the box. No default
 * retention is set, so nothing else is locked: only writes that ask for a retention are.
 *
 * A home made by an older version may hold a bucket without it. On local disk every bucket
 * already keeps versions, so turning the lock on only lets later writes ask for retention
 * (S3 likewise allows enabling Object Lock on an existing versioned bucket); the caller is
 * told, since nothing written before is locked retroactively. S3 buckets are the
 * operator's, created as the README says; they are left as they are.
 */
import type { ObjectStore } from "./types.js";
import { NoSuchBucketError } from "./errors.js";
import type { FsObjectStore } from "./fs/store.js";

/** Returns a warning when an existing local bucket had to be given Object Lock. */
export async function prepareDefaultBucket(store: ObjectStore): Promise<string | undefined> {
  if (store.kind !== "fs") return undefined;
  let enabled: boolean;
  try {
    enabled = (await store.getLockConfig()).enabled;
  } catch (err) {
    if (!(err instanceof NoSuchBucketError)) throw err;
    await store.init({ objectLock: true });
    return undefined;
  }
  if (enabled) return undefined;
  await enableLock(store);
  return (
    `the local bucket "${store.bucket}" had no Object Lock; it is now enabled, so new audit ` +
    `and model snapshots are locked. Objects written before stay unlocked: run ` +
    `\`bulwark audit snapshot\` to seal the audit trail now`
  );
}

async function enableLock(store: ObjectStore): Promise<void> {
  // The store may be wrapped (a server counts its calls), so ask for the method, not the class.
  const fs = store as Partial<Pick<FsObjectStore, "enableObjectLock">>;
  if (typeof fs.enableObjectLock !== "function") return;
  await fs.enableObjectLock();
}
