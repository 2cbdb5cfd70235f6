/**
 * Bucket administration on S3: creating the bucket as configured (Object Lock can only be
 * chosen at creation), making sure every write makes a version, reading and setting the
 * lock configuration, and checking all that once per store before the first write.
 */
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type BucketLocationConstraint,
} from "@aws-sdk/client-s3";
import type { BucketLockConfig, DefaultRetention, InitOptions } from "../types.js";
import { NoSuchBucketError } from "../errors.js";
import { assertLockEnabled, initRequest, validateDefaultRetention } from "../rules.js";
import type { S3Connection } from "./client.js";
import { describeS3Error } from "./errors.js";

export class S3Bucket {
  private ready: Promise<BucketLockConfig> | undefined;

  constructor(private readonly s3: S3Connection) {}

  private get name(): string {
    return this.s3.bucket;
  }

  async exists(): Promise<boolean> {
    try {
      await this.s3.client.send(new HeadBucketCommand({ Bucket: this.name }));
      return true;
    } catch (err) {
      const { code, status } = describeS3Error(err);
      if (status === 404 || code === "NotFound" || code === "NoSuchBucket") return false;
      throw this.s3.error(err, "HeadBucket");
    }
  }

  async init(options: InitOptions = {}): Promise<BucketLockConfig> {
    const { region, objectLock } = this.s3.options;
    const { wantLock, defaultRetention } = initRequest(options, objectLock ?? false);
    if (!(await this.exists())) {
      try {
        await this.s3.client.send(
          new CreateBucketCommand({
            Bucket: this.name,
            ...(wantLock ? { ObjectLockEnabledForBucket: true } : {}),
            ...(region !== "us-east-1"
              ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }
              : {}),
          }),
        );
      } catch (err) {
        // Another process created it meanwhile: check it below like any existing bucket.
        if (!["BucketAlreadyOwnedByYou", "BucketAlreadyExists"].includes(describeS3Error(err).code)) {
          throw this.s3.error(err, "CreateBucket");
        }
      }
    }
    const config = await this.getLockConfig();
    if (wantLock) assertLockEnabled(this.name, config.enabled, "Object Lock");
    // Every write must make a version, as on disk (a lock bucket has versioning already).
    if (!config.enabled) await this.enableVersioning();
    if (defaultRetention) {
      await this.setDefaultRetention(defaultRetention);
      return { enabled: true, defaultRetention };
    }
    return config;
  }

  private async enableVersioning(): Promise<void> {
    const v = await this.s3.send("GetBucketVersioning", () =>
      this.s3.client.send(new GetBucketVersioningCommand({ Bucket: this.name })),
    );
    if (v.Status === "Enabled") return;
    await this.s3.send("PutBucketVersioning", () =>
      this.s3.client.send(
        new PutBucketVersioningCommand({
          Bucket: this.name,
          VersioningConfiguration: { Status: "Enabled" },
        }),
      ),
    );
  }

  /**
   * Checked once per store: the bucket exists (created as configured) and has versioning.
   * init refuses a bucket without Object Lock when the configuration claims it.
   */
  forWrite(): Promise<BucketLockConfig> {
    this.ready ??= this.init({ objectLock: this.s3.options.objectLock ?? false }).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async getLockConfig(): Promise<BucketLockConfig> {
    try {
      const out = await this.s3.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.name }));
      const c = out.ObjectLockConfiguration;
      const d = c?.Rule?.DefaultRetention;
      const enabled = c?.ObjectLockEnabled === "Enabled";
      const defaultRetention: DefaultRetention | undefined =
        d?.Mode && (d.Days || d.Years)
          ? { mode: d.Mode, ...(d.Days ? { days: d.Days } : { years: d.Years as number }) }
          : undefined;
      return { enabled, ...(enabled && defaultRetention ? { defaultRetention } : {}) };
    } catch (err) {
      const { code, status } = describeS3Error(err);
      if (code === "NoSuchBucket") throw new NoSuchBucketError(this.name, { cause: err });
      // AWS and MinIO: ObjectLockConfigurationNotFoundError; Ceph: 404 without a lock config.
      if (code === "ObjectLockConfigurationNotFoundError" || status === 404) {
        if (!(await this.exists())) throw new NoSuchBucketError(this.name, { cause: err });
        return { enabled: false };
      }
      throw this.s3.error(err, "GetObjectLockConfiguration");
    }
  }

  async setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    const valid = retention && validateDefaultRetention(retention);
    const config = await this.getLockConfig();
    assertLockEnabled(this.name, config.enabled, "a default retention");
    await this.s3.send("PutObjectLockConfiguration", () =>
      this.s3.client.send(
        new PutObjectLockConfigurationCommand({
          Bucket: this.name,
          ObjectLockConfiguration: {
            ObjectLockEnabled: "Enabled",
            ...(valid
              ? {
                  Rule: {
                    DefaultRetention: {
                      Mode: valid.mode,
                      ...(valid.days ? { Days: valid.days } : { Years: valid.years as number }),
                    },
                  },
                }
              : {}),
          },
        }),
      ),
    );
  }
}
