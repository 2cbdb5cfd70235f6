/**
 * Effective configuration: defaults, then a JSON config file, then the environment.
 * The environment wins so that containers and CI can override a checked-in file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ValidationError } from "./errors.js";
import { maskUrlPassword } from "./redact.js";

export interface S3Config {
  endpoint: string | undefined;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export interface StorageConfig {
  backend: "fs" | "s3";
  bucket: string;
  /** Root folder of the local-disk backend. */
  root: string;
  s3: S3Config;
  /** Create the bucket with Object Lock when it does not exist yet. */
  objectLock: boolean;
}

export interface BulwarkConfig {
  home: string;
  storage: StorageConfig;
  database: { url: string | undefined; sqlitePath: string };
  redis: { url: string | undefined };
  server: {
    host: string;
    port: number;
    tlsCert: string | undefined;
    tlsKey: string | undefined;
    metricsToken: string | undefined;
    maxTextChars: number;
    maxBatch: number;
    bodyLimitBytes: number;
  };
  data: {
    /** Longest line of a data file read as JSONL (and sample of an envelope). */
    maxLineBytes: number;
  };
  detector: {
    threshold: number | undefined;
    /** The registry model whose production version the service and CLI serve. */
    model: string;
  };
  /** Where the config file was read from, if any. */
  configFile: string | undefined;
}

type Env = Record<string, string | undefined>;

/** The name under which the built-in model is registered, trained and served by default. */
export const DEFAULT_MODEL_NAME = "builtin";

function firstDefined(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

function parseBool(name: string, v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ValidationError(`${name} must be true or false, got "${v}"`);
}

function parseNumber(name: string, v: string | number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) throw new ValidationError(`${name} must be a number, got "${v}"`);
  return n;
}

function positiveInteger(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`${name} must be a whole number above 0, got ${n}`);
  return n;
}

/** MinIO's tools take `host:port` and a separate TLS switch; the SDK wants a URL. */
function normaliseEndpoint(raw: string | undefined, useSsl: boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (/^https?:\/\//i.test(raw)) return raw.replace(/\/+$/, "");
  return `${useSsl ? "https" : "http"}://${raw.replace(/\/+$/, "")}`;
}

type FileConfig = {
  home?: string;
  storage?: Partial<Omit<StorageConfig, "s3">> & { s3?: Partial<S3Config> };
  database?: { url?: string; sqlitePath?: string };
  redis?: { url?: string };
  server?: Partial<BulwarkConfig["server"]>;
  data?: Partial<BulwarkConfig["data"]>;
  detector?: Partial<BulwarkConfig["detector"]>;
};

function readConfigFile(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ValidationError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("the top level must be a JSON object");
    }
    return parsed as FileConfig;
  } catch (err) {
    throw new ValidationError(`config file ${path} is not valid: ${(err as Error).message}`);
  }
}

function locateConfigFile(env: Env, home: string | undefined): string | undefined {
  const explicit = env.BULWARK_CONFIG;
  if (explicit) return resolve(explicit);
  for (const candidate of ["bulwark.config.json", home ? join(home, "bulwark.config.json") : undefined]) {
    if (candidate && existsSync(candidate)) return resolve(candidate);
  }
  return undefined;
}

export function loadConfig(env: Env = process.env): BulwarkConfig {
  const configFile = locateConfigFile(env, env.BULWARK_HOME);
  const file: FileConfig = configFile ? readConfigFile(configFile) : {};
  const home = resolve(env.BULWARK_HOME ?? file.home ?? "bulwark-data");

  const useSsl = env.MINIO_USE_SSL ?? env.MINIO_SECURE;
  const endpoint = normaliseEndpoint(
    firstDefined(env, "BULWARK_S3_ENDPOINT", "MINIO_ENDPOINT", "S3_ENDPOINT") ?? file.storage?.s3?.endpoint,
    useSsl === undefined ? undefined : parseBool("MINIO_USE_SSL", useSsl, false),
  );
  const backendRaw = env.BULWARK_STORAGE ?? file.storage?.backend ?? (endpoint ? "s3" : "fs");
  if (backendRaw !== "fs" && backendRaw !== "s3") {
    throw new ValidationError(`BULWARK_STORAGE must be "fs" or "s3", got "${backendRaw}"`);
  }

  return {
    home,
    configFile,
    storage: {
      backend: backendRaw,
      bucket:
        firstDefined(env, "BULWARK_BUCKET", "MINIO_BUCKET", "S3_BUCKET") ?? file.storage?.bucket ?? "bulwark",
      root: resolve(env.BULWARK_STORAGE_ROOT ?? file.storage?.root ?? join(home, "objects")),
      objectLock: parseBool(
        "BULWARK_OBJECT_LOCK",
        env.BULWARK_OBJECT_LOCK ??
          (file.storage?.objectLock === undefined ? undefined : String(file.storage.objectLock)),
        false,
      ),
      s3: {
        endpoint,
        region:
          firstDefined(env, "BULWARK_S3_REGION", "S3_REGION", "AWS_REGION") ??
          file.storage?.s3?.region ??
          "us-east-1",
        accessKeyId:
          firstDefined(
            env,
            "BULWARK_S3_ACCESS_KEY",
            "MINIO_ACCESS_KEY",
            "S3_ACCESS_KEY_ID",
            "AWS_ACCESS_KEY_ID",
          ) ?? file.storage?.s3?.accessKeyId,
        secretAccessKey:
          firstDefined(
            env,
            "BULWARK_S3_SECRET_KEY",
            "MINIO_SECRET_KEY",
            "S3_SECRET_ACCESS_KEY",
            "AWS_SECRET_ACCESS_KEY",
          ) ?? file.storage?.s3?.secretAccessKey,
        forcePathStyle: parseBool(
          "S3_FORCE_PATH_STYLE",
          firstDefined(env, "BULWARK_S3_FORCE_PATH_STYLE", "S3_FORCE_PATH_STYLE") ??
            (file.storage?.s3?.forcePathStyle === undefined
              ? undefined
              : String(file.storage.s3.forcePathStyle)),
          true,
        ),
      },
    },
    database: {
      url: firstDefined(env, "DATABASE_URL", "POSTGRES_URL") ?? file.database?.url,
      sqlitePath: resolve(env.BULWARK_SQLITE_PATH ?? file.database?.sqlitePath ?? join(home, "bulwark.db")),
    },
    redis: { url: firstDefined(env, "REDIS_URL") ?? file.redis?.url },
    server: {
      host: env.BULWARK_HOST ?? file.server?.host ?? "127.0.0.1",
      port: parseNumber("BULWARK_PORT", env.BULWARK_PORT ?? file.server?.port, 8000),
      tlsCert: env.BULWARK_TLS_CERT ?? file.server?.tlsCert,
      tlsKey: env.BULWARK_TLS_KEY ?? file.server?.tlsKey,
      metricsToken: env.BULWARK_METRICS_TOKEN ?? file.server?.metricsToken,
      maxTextChars: parseNumber(
        "BULWARK_MAX_TEXT_CHARS",
        env.BULWARK_MAX_TEXT_CHARS ?? file.server?.maxTextChars,
        1_048_576,
      ),
      maxBatch: parseNumber("BULWARK_MAX_BATCH", env.BULWARK_MAX_BATCH ?? file.server?.maxBatch, 256),
      bodyLimitBytes: parseNumber(
        "BULWARK_BODY_LIMIT",
        env.BULWARK_BODY_LIMIT ?? file.server?.bodyLimitBytes,
        8 * 1_048_576,
      ),
    },
    data: {
      // 4 MiB holds a row with a text of the longest length detection accepts (1 Mi characters) in any script.
      maxLineBytes: positiveInteger(
        "BULWARK_MAX_LINE_BYTES",
        parseNumber(
          "BULWARK_MAX_LINE_BYTES",
          env.BULWARK_MAX_LINE_BYTES ?? file.data?.maxLineBytes,
          4 * 1_048_576,
        ),
      ),
    },
    detector: {
      threshold:
        env.BULWARK_THRESHOLD !== undefined || file.detector?.threshold !== undefined
          ? parseNumber("BULWARK_THRESHOLD", env.BULWARK_THRESHOLD ?? file.detector?.threshold, 0.5)
          : undefined,
      model: env.BULWARK_MODEL ?? file.detector?.model ?? DEFAULT_MODEL_NAME,
    },
  };
}

const SECRET_KEYS = new Set(["secretAccessKey", "accessKeyId", "metricsToken", "url"]);

/** The configuration with secrets masked, for `bulwark config` and start-up logs. */
export function maskedConfig(config: BulwarkConfig): unknown {
  const mask = (value: unknown, key?: string): unknown => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]));
    }
    if (typeof value === "string" && key && SECRET_KEYS.has(key)) {
      // URLs keep their shape but lose their password.
      if (key === "url") return maskUrlPassword(value);
      return value.length <= 4 ? "****" : `${value.slice(0, 2)}****`;
    }
    return value;
  };
  return mask(config);
}
