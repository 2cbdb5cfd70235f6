/**
 * How much decoding one text (and one request) may cause. Decoded payloads are scanned as
 * texts of their own and searched for further payloads, so without a bound a megabyte of
 * nested base64 costs many times what a megabyte of prose does, and a few such requests
 * stall the server. The budget caps the nesting depth, the decoded characters and the
 * number of payloads decoded; whatever lies beyond it is not decoded, and the budget says
 * which limit was reached so the detector can report (and flag) it.
 */
export interface DecodeLimits {
  /** Encodings peeled off inside one another (base64 of base64 of ... counts each layer). */
  maxDepth: number;
  /** Characters of decoded text, over all payloads and depths. */
  maxDecodedChars: number;
  /** Payloads decoded (each is scanned like a text of its own, so each has a fixed cost). */
  maxPayloads: number;
}

export type DecodeLimit = "depth" | "decoded_chars" | "payloads";

/** Per text: a triple-nested payload is still decoded; 64K decoded characters cost ~15 ms. */
export const TEXT_DECODE_LIMITS: DecodeLimits = { maxDepth: 3, maxDecodedChars: 65_536, maxPayloads: 256 };
/** Per request (a batch shares one): four texts' worth. Depth is a per-text matter. */
export const REQUEST_DECODE_LIMITS: DecodeLimits = {
  maxDepth: TEXT_DECODE_LIMITS.maxDepth,
  maxDecodedChars: 4 * TEXT_DECODE_LIMITS.maxDecodedChars,
  maxPayloads: 4 * TEXT_DECODE_LIMITS.maxPayloads,
};

export class DecodeBudget {
  decodedChars = 0;
  payloads = 0;
  /** The first limit reached, with whose budget it was (this text's or the request's). */
  exhausted: { limit: DecodeLimit; scope: "text" | "request" } | undefined;

  constructor(
    readonly limits: DecodeLimits = TEXT_DECODE_LIMITS,
    /** The request's budget, shared by every text of a batch. */
    readonly parent?: DecodeBudget,
    private readonly scope: "text" | "request" = "text",
  ) {}

  /** The budget of one request; the texts it screens each take theirs with `forText`. */
  static forRequest(limits: DecodeLimits = REQUEST_DECODE_LIMITS): DecodeBudget {
    return new DecodeBudget(limits, undefined, "request");
  }

  /** A budget for one text of this request. */
  forText(limits: DecodeLimits = TEXT_DECODE_LIMITS): DecodeBudget {
    return new DecodeBudget(limits, this, "text");
  }

  /** Decoded characters still allowed (0 when a limit was reached). */
  remainingChars(): number {
    const own = this.limits.maxDecodedChars - this.decodedChars;
    return Math.max(0, Math.min(own, this.parent ? this.parent.remainingChars() : own));
  }

  /** Room for one more payload? Records the limit when there is none. */
  canDecode(): boolean {
    if (this.payloads >= this.limits.maxPayloads) return this.stop("payloads", this.scope);
    if (this.decodedChars >= this.limits.maxDecodedChars) return this.stop("decoded_chars", this.scope);
    if (this.parent && !this.parent.canDecode()) return this.stop(this.parent.exhausted!.limit, "request");
    return true;
  }

  /** Counts one decoded payload of `chars` characters (already cut to `remainingChars`). */
  spend(chars: number): void {
    this.payloads++;
    this.decodedChars += chars;
    this.parent?.spend(chars);
  }

  /** Records that a limit was reached; returns false so callers can `return budget.stop(...)`. */
  stop(limit: DecodeLimit, scope: "text" | "request" = this.scope): false {
    this.exhausted ??= { limit, scope };
    return false;
  }
}
