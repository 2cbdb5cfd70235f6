/**
 * Retention and legal hold of existing versions on S3. The server enforces them; the
 * shared rules (rules.ts) run first only so that a refused shortening reads the same as on
 * local disk. A multipart upload cannot carry its lock on every server, so the lock it
 * asked for is set on the new version right after it here too.
 */
import { PutObjectLegalHoldCommand, PutObjectRetentionCommand } from "@aws-sdk/client-s3";
import type { ObjectInfo, Retention } from "../types.js";
import { validateKey } from "../keys.js";
import { assertLockEnabled, assertRetentionChange, validateRetention } from "../rules.js";
import type { S3Connection } from "./client.js";
import type { S3Bucket } from "./bucket.js";
import type { S3Reader } from "./read.js";

export class S3ObjectLock {
  constructor(
    private readonly s3: S3Connection,
    private readonly bucket: S3Bucket,
    private readonly reader: S3Reader,
  ) {}

  async putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    validateKey(key);
    const next = retention === null ? null : validateRetention(retention);
    const current = await this.target(key, options.versionId);
    assertRetentionChange(key, current.versionId, current.retention, next, options.bypassGovernance ?? false);
    await this.sendRetention(key, current.versionId, next, options.bypassGovernance ?? false);
  }

  async putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    validateKey(key);
    const current = await this.target(key, options.versionId);
    await this.sendLegalHold(key, current.versionId, on);
  }

  private async target(key: string, versionId: string | undefined): Promise<ObjectInfo> {
    const config = await this.bucket.getLockConfig();
    assertLockEnabled(this.s3.bucket, config.enabled, "retention or legal hold");
    return this.reader.head(key, versionId ? { versionId } : {});
  }

  /**
   * Ceph RGW ignores lock headers on CreateMultipartUpload, so the retention and legal hold
   * asked for are set on the new version afterwards. If the bucket default already gave it
   * a later GOVERNANCE date, the date asked for replaces it as it would have at creation.
   */
  async applyAfterMultipart(
    key: string,
    versionId: string,
    retention: Retention | undefined,
    legalHold: boolean,
  ): Promise<void> {
    if (retention) {
      const head = await this.reader.headRaw(key, versionId);
      const has = head.ObjectLockMode && head.ObjectLockRetainUntilDate;
      const same =
        has &&
        head.ObjectLockMode === retention.mode &&
        Math.abs(
          new Date(head.ObjectLockRetainUntilDate as Date).getTime() - Date.parse(retention.retainUntil),
        ) < 1000;
      if (!same) {
        await this.sendRetention(
          key,
          versionId,
          retention,
          Boolean(has && head.ObjectLockMode === "GOVERNANCE"),
        );
      }
    }
    if (legalHold) await this.sendLegalHold(key, versionId, true);
  }

  /** PutObjectRetention on one version; `null` removes the retention (only ever with bypass). */
  private async sendRetention(
    key: string,
    versionId: string,
    retention: Retention | null,
    bypass: boolean,
  ): Promise<void> {
    await this.s3.send(
      "PutObjectRetention",
      () =>
        this.s3.client.send(
          new PutObjectRetentionCommand({
            Bucket: this.s3.bucket,
            Key: key,
            VersionId: versionId,
            Retention: retention
              ? { Mode: retention.mode, RetainUntilDate: new Date(retention.retainUntil) }
              : {},
            ...(bypass ? { BypassGovernanceRetention: true } : {}),
          }),
        ),
      key,
      versionId,
    );
  }

  private async sendLegalHold(key: string, versionId: string, on: boolean): Promise<void> {
    await this.s3.send(
      "PutObjectLegalHold",
      () =>
        this.s3.client.send(
          new PutObjectLegalHoldCommand({
            Bucket: this.s3.bucket,
            Key: key,
            VersionId: versionId,
            LegalHold: { Status: on ? "ON" : "OFF" },
          }),
        ),
      key,
      versionId,
    );
  }
}
