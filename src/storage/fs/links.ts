/**
 * Presigned links for the local backend: this store signs them with its secret
 * (presign.ts has the signing itself) and Bulwark's HTTP server checks and serves them,
 * since no S3 server stands behind a folder.
 */
import type { FsLayout } from "./paths.js";
import { PresignInvalidError } from "../errors.js";
import { validateKey } from "../keys.js";
import { validateExpiry } from "../rules.js";
import {
  type PresignMethod,
  type PresignedRequest,
  buildPresignedUrl,
  loadOrCreateSecret,
  verifyPresignedUrl,
} from "./presign.js";

export class FsLinks {
  private secret: Promise<Buffer> | undefined;

  constructor(
    private readonly layout: FsLayout,
    private readonly publicUrl: string,
  ) {}

  /** The HMAC key links are signed with, made on first use and then read once per store. */
  signingSecret(): Promise<Buffer> {
    this.secret ??= loadOrCreateSecret(this.layout.secretFile).catch((err: unknown) => {
      this.secret = undefined;
      throw err;
    });
    return this.secret;
  }

  async presign(
    method: PresignMethod,
    key: string,
    expiresInSeconds: number,
    versionId: string | undefined,
  ): Promise<string> {
    validateKey(key);
    validateExpiry(expiresInSeconds);
    const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
    return buildPresignedUrl(this.publicUrl, await this.signingSecret(), {
      method,
      bucket: this.layout.bucket,
      key,
      expires,
      ...(versionId ? { versionId } : {}),
    });
  }

  /** Checks a link this store made (signature, expiry, method, bucket). */
  async verify(url: string | URL, method?: string): Promise<PresignedRequest> {
    const request = verifyPresignedUrl(url, await this.signingSecret(), method ? { method } : {});
    if (request.bucket !== this.layout.bucket) {
      throw new PresignInvalidError("the link is for another bucket");
    }
    return request;
  }
}
