/**
 * The dashboard's session cookie: HttpOnly (page scripts never see the token), SameSite
 * Strict (no other site's page makes the browser send it), Secure whenever the request
 * came over TLS, and living exactly as long as the token inside it. Beside it, a readable
 * cookie holds the session's CSRF token: the page learns from it, without a request that
 * would fail, whether a session may exist, and what to send as X-CSRF-Token. The token is
 * worth nothing without the HttpOnly cookie. Parsing comes from @fastify/cookie,
 * registered before the guard so the guard can read it.
 */
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export const SESSION_COOKIE = "bulwark_session";
export const CSRF_COOKIE = "bulwark_csrf";

export async function installSessionCookie(app: FastifyInstance): Promise<void> {
  await app.register(cookie, { hook: "onRequest" });
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  csrfToken: string,
  expiresAt: string,
): void {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  const options = { sameSite: "strict", secure: request.protocol === "https", path: "/", maxAge } as const;
  reply.setCookie(SESSION_COOKIE, token, { ...options, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrfToken, { ...options, httpOnly: false });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const options = { sameSite: "strict", secure: request.protocol === "https", path: "/" } as const;
  reply.clearCookie(SESSION_COOKIE, { ...options, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, options);
}
