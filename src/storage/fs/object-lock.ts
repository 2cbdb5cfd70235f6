/**
 * Retention and legal hold of existing versions on local disk. They live in the version's
 * record, so they survive restarts; a change is checked against S3's rules (rules.ts) and
 * written under the key's folder lock, on the record as it is at that moment.
 */
import type { Retention } from "../types.js";
import { validateKey } from "../keys.js";
import { assertRetentionChange, validateRetention } from "../rules.js";
import type { FsLayout } from "./paths.js";
import { withDirLock } from "./locks.js";
import type { FsBucket } from "./bucket.js";
import type { FsRecords, VersionRecord } from "./records.js";

export class FsObjectLock {
  constructor(
    private readonly layout: FsLayout,
    private readonly bucket: FsBucket,
    private readonly records: FsRecords,
  ) {}

  async putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    validateKey(key);
    const next = retention === null ? null : validateRetention(retention);
    await this.update(key, options.versionId, (record) => {
      assertRetentionChange(key, record.versionId, record.retention, next, options.bypassGovernance ?? false);
      const { retention: _old, ...rest } = record;
      return next ? { ...rest, retention: next } : rest;
    });
  }

  async putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    validateKey(key);
    await this.update(key, options.versionId, (record) => ({ ...record, legalHold: on }));
  }

  private async update(
    key: string,
    versionId: string | undefined,
    change: (record: VersionRecord) => VersionRecord,
  ): Promise<void> {
    await this.bucket.requireLock("retention or legal hold");
    const current = await this.records.live(key, versionId);
    await withDirLock(this.layout.versionsDir(key), async () => {
      // Re-read under the lock: the record may have changed since.
      const record = await this.records.live(key, current.versionId);
      await this.records.write(change(record));
    });
  }
}
