/**
 * Bucket administration on local disk: the bucket is a folder whose `.bulwark/bucket.json`
 * holds its Object Lock setting and default retention. It is changed only under the
 * folder's lock and written atomically, so concurrent processes never lose a change.
 */
import { mkdir } from "node:fs/promises";
import { DIR_MODE, FILE_MODE } from "./modes.js";
import { join } from "node:path";
import type { BucketLockConfig, DefaultRetention, InitOptions } from "../types.js";
import { NoSuchBucketError } from "../errors.js";
import { type LockUse, assertLockEnabled, initRequest, validateDefaultRetention } from "../rules.js";
import { type FsLayout, META_DIR } from "./paths.js";
import { writeFileAtomic } from "./atomic.js";
import { withDirLock } from "./locks.js";
import { readJsonIfPresent } from "./files.js";

export interface BucketFile {
  createdAt: string;
  objectLock: boolean;
  defaultRetention?: DefaultRetention;
}

export class FsBucket {
  constructor(
    private readonly layout: FsLayout,
    /** The configuration's claim: create the bucket with Object Lock, and refuse one without. */
    private readonly objectLock: boolean,
  ) {}

  private get name(): string {
    return this.layout.bucket;
  }

  read(): Promise<BucketFile | undefined> {
    return readJsonIfPresent<BucketFile>(this.layout.bucketConfigFile);
  }

  private async update(fn: (current: BucketFile | undefined) => BucketFile): Promise<BucketFile> {
    const dir = join(this.layout.bucketDir, META_DIR);
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    return withDirLock(dir, async () => {
      const next = fn(await this.read());
      await writeFileAtomic(this.layout.bucketConfigFile, JSON.stringify(next, null, 2), dir, FILE_MODE);
      return next;
    });
  }

  async init(options: InitOptions = {}): Promise<BucketLockConfig> {
    const { wantLock, defaultRetention } = initRequest(options, this.objectLock);
    const file = await this.update((current) => {
      if (current) {
        if (wantLock) assertLockEnabled(this.name, current.objectLock, "Object Lock");
        return defaultRetention ? { ...current, defaultRetention } : current;
      }
      return {
        createdAt: new Date().toISOString(),
        objectLock: wantLock,
        ...(defaultRetention ? { defaultRetention } : {}),
      };
    });
    return toLockConfig(file);
  }

  /** The bucket a write goes to, created on first use as configured. */
  async forWrite(): Promise<BucketFile> {
    let file = await this.read();
    if (!file) {
      await this.init({ objectLock: this.objectLock });
      file = await this.read();
      if (!file) throw new NoSuchBucketError(this.name);
    }
    if (this.objectLock) assertLockEnabled(this.name, file.objectLock, "Object Lock");
    return file;
  }

  /** Throws unless the bucket exists and has Object Lock, which `use` needs. */
  async requireLock(use: LockUse): Promise<void> {
    const file = await this.read();
    if (!file) throw new NoSuchBucketError(this.name);
    assertLockEnabled(this.name, file.objectLock, use);
  }

  /** Turns Object Lock on for an existing bucket (versions are always kept on disk). */
  async enableObjectLock(): Promise<BucketLockConfig> {
    const file = await this.update((current) => {
      if (!current) throw new NoSuchBucketError(this.name);
      return { ...current, objectLock: true };
    });
    return toLockConfig(file);
  }

  async getLockConfig(): Promise<BucketLockConfig> {
    const file = await this.read();
    if (!file) throw new NoSuchBucketError(this.name);
    return toLockConfig(file);
  }

  async setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    const valid = retention && validateDefaultRetention(retention);
    await this.update((current) => {
      if (!current) throw new NoSuchBucketError(this.name);
      assertLockEnabled(this.name, current.objectLock, "a default retention");
      const { defaultRetention: _old, ...rest } = current;
      return valid ? { ...rest, defaultRetention: valid } : rest;
    });
  }
}

function toLockConfig(file: BucketFile): BucketLockConfig {
  return {
    enabled: file.objectLock,
    ...(file.objectLock && file.defaultRetention ? { defaultRetention: file.defaultRetention } : {}),
  };
}
