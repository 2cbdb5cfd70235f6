/**
 * What both backends share above their modules. Each backend supplies its parts (bucket
 * administration, uploads, versions, Object Lock, reads) and the ObjectStore calls are
 * forwarded to them here, once; the calls that follow from the others are written here
 * too: listAll pages through list(), getBuffer reads get() to its end, and verify and
 * testDeletionProtection (checks.ts) need only head, get and delete.
 */
import type { Readable } from "node:stream";
import type { Body } from "./hashing.js";
import type {
  BucketLockConfig,
  DefaultRetention,
  DeleteOptions,
  DeleteResult,
  DeletionProtectionReport,
  GetOptions,
  InitOptions,
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  PutOptions,
  PutResult,
  Retention,
  VerifyReport,
  VersionEntry,
} from "./types.js";
import { streamToBuffer } from "./hashing.js";
import { testDeletionProtection, verifyObject } from "./checks.js";

/** The modules a backend is made of, each one job (see fs/ and s3/). */
export interface StoreParts {
  admin: {
    init(options: InitOptions): Promise<BucketLockConfig>;
    getLockConfig(): Promise<BucketLockConfig>;
    setDefaultRetention(retention: DefaultRetention | undefined): Promise<void>;
  };
  uploads: {
    put(key: string, body: Body, options: PutOptions): Promise<PutResult>;
    copy(
      sourceKey: string,
      targetKey: string,
      options: PutOptions & { sourceVersionId?: string },
    ): Promise<PutResult>;
  };
  versions: {
    delete(key: string, options: DeleteOptions): Promise<DeleteResult>;
    list(key: string): Promise<VersionEntry[]>;
    listAll(prefix: string): AsyncIterable<VersionEntry>;
  };
  lock: {
    putRetention(
      key: string,
      retention: Retention | null,
      options: { versionId?: string; bypassGovernance?: boolean },
    ): Promise<void>;
    putLegalHold(key: string, on: boolean, options: { versionId?: string }): Promise<void>;
  };
  reader: {
    head(key: string, options: { versionId?: string }): Promise<ObjectInfo>;
    exists(key: string): Promise<boolean>;
    get(key: string, options: GetOptions): Promise<Readable>;
    list(options: ListOptions): Promise<ListPage>;
  };
}

export abstract class ObjectStoreBase {
  constructor(private readonly parts: StoreParts) {}

  init(options: InitOptions = {}): Promise<BucketLockConfig> {
    return this.parts.admin.init(options);
  }

  getLockConfig(): Promise<BucketLockConfig> {
    return this.parts.admin.getLockConfig();
  }

  setDefaultRetention(retention: DefaultRetention | undefined): Promise<void> {
    return this.parts.admin.setDefaultRetention(retention);
  }

  put(key: string, body: Body, options: PutOptions = {}): Promise<PutResult> {
    return this.parts.uploads.put(key, body, options);
  }

  copy(
    sourceKey: string,
    targetKey: string,
    options: PutOptions & { sourceVersionId?: string } = {},
  ): Promise<PutResult> {
    return this.parts.uploads.copy(sourceKey, targetKey, options);
  }

  delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    return this.parts.versions.delete(key, options);
  }

  listVersions(key: string): Promise<VersionEntry[]> {
    return this.parts.versions.list(key);
  }

  listAllVersions(prefix = ""): AsyncIterable<VersionEntry> {
    return this.parts.versions.listAll(prefix);
  }

  putRetention(
    key: string,
    retention: Retention | null,
    options: { versionId?: string; bypassGovernance?: boolean } = {},
  ): Promise<void> {
    return this.parts.lock.putRetention(key, retention, options);
  }

  putLegalHold(key: string, on: boolean, options: { versionId?: string } = {}): Promise<void> {
    return this.parts.lock.putLegalHold(key, on, options);
  }

  head(key: string, options: { versionId?: string } = {}): Promise<ObjectInfo> {
    return this.parts.reader.head(key, options);
  }

  exists(key: string): Promise<boolean> {
    return this.parts.reader.exists(key);
  }

  get(key: string, options: GetOptions = {}): Promise<Readable> {
    return this.parts.reader.get(key, options);
  }

  list(options: ListOptions = {}): Promise<ListPage> {
    return this.parts.reader.list(options);
  }

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
