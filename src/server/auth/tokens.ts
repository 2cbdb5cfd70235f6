/**
 * Short-lived JWTs for people who log in: HS256 only (an `alg: none` token or one signed
 * with another algorithm is refused by the allow-list), a fixed issuer and audience, and
 * an expiry. The signing key is the service secret "jwt" from the database.
 */
import { SignJWT, jwtVerify } from "jose";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { Role } from "./roles.js";

export const TOKEN_ISSUER = "bulwark";
export const TOKEN_AUDIENCE = "bulwark-api";

export interface TokenClaims {
  sub: string;
  name: string;
  role: Role;
  /** The user's token generation when the token was issued (see users.token_generation). */
  gen: number;
}

export class TokenSigner {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
  ) {}

  async issue(claims: TokenClaims): Promise<{ token: string; expiresAt: string }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({ name: claims.name, role: claims.role, gen: claims.gen })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(claims.sub)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The CSRF token of a browser session: an HMAC of the session's token under the signing
   * key, so it is bound to that one session, needs no storage, and cannot be made without
   * the key (a page on another site can neither read the cookie nor compute this).
   */
  csrfToken(sessionToken: string): string {
    return createHmac("sha256", this.key).update(`csrf:${sessionToken}`).digest("base64url");
  }

  /** Whether `given` is the CSRF token of the session, compared in constant time. */
  checkCsrf(sessionToken: string, given: string | undefined): boolean {
    if (given === undefined) return false;
    const want = Buffer.from(this.csrfToken(sessionToken));
    const got = Buffer.from(given);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The subject of a valid token, or the reason it is not valid. */
  async verify(
    token: string,
  ): Promise<{ sub: string; gen: number; exp: number } | { error: "expired" | "invalid_token" }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ["sub", "exp", "iat"],
      });
      if (typeof payload.sub !== "string") return { error: "invalid_token" };
      // Tokens from before generations existed carry none: generation 0.
      const gen = payload.gen ?? 0;
      if (!Number.isSafeInteger(gen)) return { error: "invalid_token" };
      return { sub: payload.sub, gen: gen as number, exp: payload.exp! };
    } catch (err) {
      return { error: (err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "expired" : "invalid_token" };
    }
  }
}
