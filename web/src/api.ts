/**
 * The dashboard's one way to the /v1 API: same origin, the session cookie sent by the
 * browser, the CSRF token (from the readable bulwark_csrf cookie) on every change, and
 * the API's error envelope turned into an ApiError with its code.
 */

export type Role = "admin" | "analyst" | "client";
export interface User {
  id: string;
  username: string;
  role: Role;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the API says the session is over (401), so the app shows the sign-in page. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** The CSRF token of the current session, or undefined when no session cookie exists. */
export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [name, value] = part.trim().split("=");
    if (name === "bulwark_csrf" && value) return decodeURIComponent(value);
  }
  return undefined;
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  json?: unknown;
  /** A raw body (an uploaded file), sent as is with this content type. */
  raw?: { body: Blob | string; contentType: string };
  query?: Record<string, string | number | undefined>;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const method = options.method ?? (options.json !== undefined ? "POST" : "GET");
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.json !== undefined) headers["content-type"] = "application/json";
  if (options.raw) headers["content-type"] = options.raw.contentType;
  const csrf = csrfToken();
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  let url = path;
  if (options.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== "") q.set(k, String(v));
    if ([...q].length > 0) url += `?${q.toString()}`;
  }
  const res = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
    ...(options.raw ? { body: options.raw.body } : {}),
  });
  let body: { status?: string; data?: T; error?: string; code?: string } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  if (!res.ok || body?.status !== "success") {
    if (res.status === 401 && path !== "/v1/session") onSignedOut();
    throw new ApiError(res.status, body?.code ?? "HTTP_ERROR", body?.error ?? `HTTP ${res.status}`);
  }
  return body.data as T;
}

export const can = {
  read: (role: Role) => role === "admin" || role === "analyst",
  admin: (role: Role) => role === "admin",
};
