/**
 * The ObjectStore calls that follow from the others: listAll pages through list(),
 * getBuffer reads get() to its end, and verify and testDeletionProtection (checks.ts) need
 * only head, get and delete. Both backends extend this class, so these are written, and
 * fixed, once.
 */
import type { Readable } from "node:stream";
import type {
  DeleteOptions,
  DeleteResult,
  DeletionProtectionReport,
  GetOptions,
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  VerifyReport,
} from "./types.js";
import { streamToBuffer } from "./hashing.js";
import { testDeletionProtection, verifyObject } from "./checks.js";

export abstract class ObjectStoreBase {
  abstract list(options?: ListOptions): Promise<ListPage>;
  abstract get(key: string, options?: GetOptions): Promise<Readable>;
  abstract head(key: string, options?: { versionId?: string }): Promise<ObjectInfo>;
  abstract delete(key: string, options?: DeleteOptions): Promise<DeleteResult>;

  async *listAll(prefix?: string): AsyncIterable<ListEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) });
      yield* page.objects;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async getBuffer(key: string, options: GetOptions = {}): Promise<Buffer> {
    return streamToBuffer(await this.get(key, options));
  }

  verify(key: string, options: { versionId?: string } = {}): Promise<VerifyReport> {
    return verifyObject(this, key, options);
  }

  testDeletionProtection(
    key: string,
    options: { versionId?: string } = {},
  ): Promise<DeletionProtectionReport> {
    return testDeletionProtection(this, key, options);
  }
}
