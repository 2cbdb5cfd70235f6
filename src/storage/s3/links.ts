/**
 * Presigned links on S3: signed by the SDK with the store's credentials, so the S3 server
 * itself checks them and serves the bytes; Bulwark's HTTP server is not involved.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { validateKey } from "../keys.js";
import { validateExpiry } from "../rules.js";
import type { S3Connection } from "./client.js";
import type { S3Bucket } from "./bucket.js";

export class S3Links {
  constructor(
    private readonly s3: S3Connection,
    private readonly bucket: S3Bucket,
  ) {}

  async presignGet(
    key: string,
    expiresInSeconds: number,
    options: { versionId?: string } = {},
  ): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    return getSignedUrl(
      this.s3.client,
      new GetObjectCommand({
        Bucket: this.s3.bucket,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  /** The bucket is made ready first: an upload through the link must land as a new version. */
  async presignPut(key: string, expiresInSeconds: number): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    await this.bucket.forWrite();
    return getSignedUrl(this.s3.client, new PutObjectCommand({ Bucket: this.s3.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
