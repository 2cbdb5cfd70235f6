/**
 * The exchange envelope: one JSON document that carries samples between machines with
 * the facts needed to trust them later.
 *
 *   {"version": "1.0",
 *    "metadata": {"source": "...", "source_machine": "...", "os": "...",
 *                 "collection_date": "2025-06-01T...", "total_samples": 2, "environment": {...}},
 *    "samples": [{"text": "...", "label": 0, ...}, ...]}
 *
 * Envelopes can be large, so they are read incrementally: the scanner below finds where
 * each element of `samples` begins and ends without building the whole document, and
 * each sample is parsed on its own (memory stays bounded by the largest sample).
 */
import { hostname, platform, release } from "node:os";
import { ValidationError } from "../core/errors.js";
import { packageVersion } from "../core/version.js";

export const ENVELOPE_VERSION = "1.0";

export interface EnvelopeMetadata {
  source?: string;
  source_machine?: string;
  os?: string;
  collection_date?: string;
  total_samples?: number;
  environment?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface EnvelopeHeader {
  version: string;
  metadata: EnvelopeMetadata;
}

export type EnvelopeEvent =
  | { type: "sample"; index: number; line: number; raw: string }
  | { type: "field"; key: string; line: number; raw: string };

const WS = new Set([0x20, 0x09, 0x0a, 0x0d, 0xfeff]);

const enum State {
  Start,
  KeyOrEnd,
  Key,
  Colon,
  Value,
  ArrayItemOrEnd,
  ArrayItem,
  ArrayCommaOrEnd,
  CommaOrEnd,
  Done,
}

/** Thrown for a document that is not a well-formed envelope; `line` points at the problem. */
export class EnvelopeSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Incremental scanner of an envelope (or of a bare JSON array of samples). Feed text with
 * `push`, then call `end`; both return the events completed so far. Values other than
 * samples are returned raw, to be parsed by the caller.
 */
export class EnvelopeScanner {
  private buf = "";
  private pos = 0;
  private line = 1;
  private state = State.Start;
  private key = "";
  private bare = false;
  private index = 0;
  // The value being scanned (-1: none), kept across chunks.
  private valueStart = -1;
  private valueLine = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scalar = false;
  /** Position of the next backslash in buf (-1: none; -2: not looked up yet). */
  private nextBackslash = -2;

  push(text: string): EnvelopeEvent[] {
    // Drop what has been consumed, keeping the value in progress.
    const keep = this.valueStart >= 0 ? this.valueStart : this.pos;
    if (keep > 0) {
      this.buf = this.buf.slice(keep);
      this.pos -= keep;
      if (this.valueStart >= 0) this.valueStart = 0;
    }
    this.buf += text;
    this.nextBackslash = -2;
    const events: EnvelopeEvent[] = [];
    this.run(events, false);
    return events;
  }

  end(): EnvelopeEvent[] {
    const events: EnvelopeEvent[] = [];
    this.run(events, true);
    if (this.state !== State.Done) {
      throw new EnvelopeSyntaxError("the document ends before the envelope is complete", this.line);
    }
    return events;
  }

  /** True when the document was a bare array of samples rather than an envelope object. */
  get isBareArray(): boolean {
    return this.bare;
  }

  /** Characters of the value still being scanned (0 when none is): what it holds in memory. */
  get pendingChars(): number {
    return this.valueStart >= 0 ? this.buf.length - this.valueStart : 0;
  }

  /** The line where the value still being scanned starts. */
  get pendingLine(): number {
    return this.valueLine;
  }

  /** True once the `samples` array has been opened (it may be empty). */
  get hasSamples(): boolean {
    return this.sawSamples;
  }

  private sawSamples = false;

  private fail(message: string): never {
    throw new EnvelopeSyntaxError(message, this.line);
  }

  private run(events: EnvelopeEvent[], final: boolean): void {
    for (;;) {
      if (this.valueStart >= 0) {
        if (!this.scanValue(final)) return;
        this.completeValue(events);
        continue;
      }
      if (this.pos >= this.buf.length) return;
      const c = this.buf.charCodeAt(this.pos);
      if (WS.has(c)) {
        if (c === 0x0a) this.line++;
        this.pos++;
        continue;
      }
      const ch = this.buf[this.pos]!;
      switch (this.state) {
        case State.Start:
          if (ch === "{") this.state = State.KeyOrEnd;
          else if (ch === "[") {
            this.bare = true;
            this.sawSamples = true;
            this.key = "samples";
            this.state = State.ArrayItemOrEnd;
          } else this.fail(`expected "{" (an envelope) or "[" (an array of samples), found "${ch}"`);
          this.pos++;
          break;
        case State.KeyOrEnd:
        case State.Key:
          if (ch === "}" && this.state === State.KeyOrEnd) {
            this.pos++;
            this.state = State.Done;
          } else if (ch === '"') this.startValue(State.Key);
          else this.fail(`expected a field name, found "${ch}"`);
          break;
        case State.Colon:
          if (ch !== ":") this.fail(`expected ":" after "${this.key}", found "${ch}"`);
          this.pos++;
          this.state = State.Value;
          break;
        case State.Value:
          if (this.key === "samples") {
            if (ch !== "[") this.fail('"samples" must be an array');
            if (this.sawSamples) this.fail('"samples" appears twice');
            this.sawSamples = true;
            this.pos++;
            this.state = State.ArrayItemOrEnd;
          } else this.startValue(State.Value);
          break;
        case State.ArrayItemOrEnd:
        case State.ArrayItem:
          if (ch === "]") {
            if (this.state === State.ArrayItem) this.fail(`trailing comma after samples[${this.index - 1}]`);
            this.pos++;
            this.state = this.bare ? State.Done : State.CommaOrEnd;
          } else this.startValue(State.ArrayItem);
          break;
        case State.ArrayCommaOrEnd:
          if (ch === ",") this.state = State.ArrayItem;
          else if (ch === "]") this.state = this.bare ? State.Done : State.CommaOrEnd;
          else this.fail(`expected "," or "]" after samples[${this.index - 1}], found "${ch}"`);
          this.pos++;
          break;
        case State.CommaOrEnd:
          if (ch === ",") this.state = State.Key;
          else if (ch === "}") this.state = State.Done;
          else this.fail(`expected "," or "}" after "${this.key}", found "${ch}"`);
          this.pos++;
          break;
        case State.Done:
          this.fail(`unexpected "${ch}" after the end of the document`);
      }
    }
  }

  private completeValue(events: EnvelopeEvent[]): void {
    const raw = this.buf.slice(this.valueStart, this.pos);
    const line = this.valueLine;
    this.valueStart = -1;
    if (this.state === State.Key) {
      try {
        this.key = JSON.parse(raw) as string;
      } catch {
        this.fail(`invalid field name ${raw.slice(0, 40)}`);
      }
      this.state = State.Colon;
    } else if (this.state === State.Value) {
      events.push({ type: "field", key: this.key, line, raw });
      this.state = State.CommaOrEnd;
    } else {
      events.push({ type: "sample", index: this.index++, line, raw });
      this.state = State.ArrayCommaOrEnd;
    }
  }

  private startValue(state: State): void {
    this.state = state;
    this.valueStart = this.pos;
    this.valueLine = this.line;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    const first = this.buf[this.pos];
    this.scalar = first !== "{" && first !== "[" && first !== '"';
  }

  /**
   * Advances to the end of the value that starts at valueStart. Returns false when the
   * text ran out first (more is needed), true with `pos` just past the value. Strings are
   * skipped with indexOf, which keeps large envelopes fast.
   */
  private scanValue(final: boolean): boolean {
    const buf = this.buf;
    while (this.pos < buf.length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          this.pos++;
          continue;
        }
        const quote = buf.indexOf('"', this.pos);
        // The next backslash is looked up once and reused, or every string would rescan the text.
        if (this.nextBackslash !== -1 && this.nextBackslash < this.pos)
          this.nextBackslash = buf.indexOf("\\", this.pos);
        const backslash = this.nextBackslash;
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          this.escaped = true;
          this.pos = backslash + 1;
          continue;
        }
        if (quote === -1) {
          this.pos = buf.length;
          break;
        }
        this.pos = quote + 1;
        this.inString = false;
        if (this.depth === 0) return true;
        continue;
      }
      const c = buf.charCodeAt(this.pos);
      if (this.scalar) {
        // true, false, null or a number: ends at the first delimiter.
        if (c === 0x2c || c === 0x7d || c === 0x5d || WS.has(c)) return true;
        this.pos++;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--this.depth === 0) {
          this.pos++;
          return true;
        }
      } else if (c === 0x0a) this.line++;
      this.pos++;
    }
    if (final) {
      if (this.scalar && this.pos > this.valueStart) return true;
      this.fail("the document ends inside a value");
    }
    return false;
  }
}

/**
 * Checks the fields of an envelope other than its samples. Returns the header and the
 * problems found, each naming the field.
 */
export function checkEnvelopeFields(
  fields: Map<string, unknown>,
  sampleCount: number,
  bare: boolean,
): { header: EnvelopeHeader; problems: { field: string; message: string }[] } {
  const problems: { field: string; message: string }[] = [];
  if (bare) return { header: { version: ENVELOPE_VERSION, metadata: {} }, problems };
  const version = fields.get("version");
  if (version === undefined) problems.push({ field: "version", message: 'missing; expected e.g. "1.0"' });
  else if (typeof version !== "string" && typeof version !== "number")
    problems.push({ field: "version", message: 'expected a string like "1.0"' });
  const rawMeta = fields.get("metadata");
  let metadata: EnvelopeMetadata = {};
  if (rawMeta === undefined) problems.push({ field: "metadata", message: "missing; expected an object" });
  else if (!rawMeta || typeof rawMeta !== "object" || Array.isArray(rawMeta))
    problems.push({ field: "metadata", message: "expected an object" });
  else {
    metadata = rawMeta as EnvelopeMetadata;
    const total = metadata.total_samples;
    if (total !== undefined && total !== null) {
      if (typeof total !== "number" || !Number.isInteger(total) || total < 0)
        problems.push({ field: "metadata.total_samples", message: "expected a non-negative integer" });
      else if (total !== sampleCount)
        problems.push({
          field: "metadata.total_samples",
          message: `says ${total} but "samples" holds ${sampleCount}`,
        });
    }
    for (const f of ["source", "source_machine", "os", "collection_date"] as const) {
      const v = metadata[f];
      if (v !== undefined && v !== null && typeof v !== "string")
        problems.push({ field: `metadata.${f}`, message: "expected a string" });
    }
    const date = metadata.collection_date;
    if (typeof date === "string" && Number.isNaN(Date.parse(date)))
      problems.push({
        field: "metadata.collection_date",
        message: `expected an ISO-8601 date, got "${date}"`,
      });
  }
  if (!fields.has("samples")) problems.push({ field: "samples", message: "missing; expected an array" });
  for (const key of fields.keys()) {
    if (!["version", "metadata", "samples"].includes(key))
      problems.push({ field: key, message: "unknown field (allowed: version, metadata, samples)" });
  }
  return { header: { version: String(version ?? ENVELOPE_VERSION), metadata }, problems };
}

/** Metadata describing this machine, for envelopes written here. */
export function localMetadata(extra: EnvelopeMetadata = {}): EnvelopeMetadata {
  return {
    source_machine: hostname(),
    os: `${platform()} ${release()}`,
    collection_date: new Date().toISOString(),
    environment: { node: process.version, bulwark: packageVersion() },
    ...extra,
  };
}

/**
 * Writes an envelope incrementally: the header first (total_samples must be known, so
 * callers pass it), then each sample. `write` receives text chunks.
 */
export class EnvelopeWriter {
  private count = 0;

  constructor(
    private readonly write: (chunk: string) => void | Promise<void>,
    private readonly header: EnvelopeHeader,
  ) {}

  async begin(): Promise<void> {
    const head = JSON.stringify({ version: this.header.version, metadata: this.header.metadata }, null, 2);
    // Re-open the object to append "samples" after the header's fields.
    await this.write(`${head.slice(0, -2)},\n  "samples": [`);
  }

  async sample(row: object): Promise<void> {
    await this.write(`${this.count++ === 0 ? "\n" : ",\n"}    ${JSON.stringify(row)}`);
  }

  async end(): Promise<void> {
    await this.write(this.count ? "\n  ]\n}\n" : "]\n}\n");
  }
}

export function envelopeError(file: string, message: string, line: number): ValidationError {
  return new ValidationError(`${file}:${line}: ${message}`, { file, line });
}
