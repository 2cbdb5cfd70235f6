/**
 * The one place that decides what of a URL may be shown or stored: user info and the
 * values of credential-looking query parameters are masked, everywhere a URL is kept or
 * printed (dataset origins, job payloads, job errors and logs, server logs, CLI output).
 */

/** What a masked secret reads as. */
export const MASK = "****";

/** Query parameters whose values are credentials, judged by the parameter's name. */
const SECRET_PARAM =
  /token|key|secret|signature|sig|pass|pwd|auth|credential|session|jwt|bearer|otp|cookie|private/i;

/** True when a query parameter of this name carries a credential. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** True when the URL carries something `redactUrl` would mask. */
export function hasUrlSecrets(url: URL): boolean {
  return (
    url.username !== "" ||
    url.password !== "" ||
    url.hash !== "" ||
    [...url.searchParams.keys()].some(isSecretParam)
  );
}

/**
 * The URL as it may be shown and stored: user info as `****` (so a reader sees that
 * credentials were given), credential-looking query values as `****`, no fragment.
 */
export function redactUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactText(String(url));
  }
  if (u.username) u.username = MASK;
  if (u.password) u.password = MASK;
  u.hash = "";
  const masked = [...u.searchParams].map(([k, v]) => [k, isSecretParam(k) ? MASK : v] as [string, string]);
  if (masked.some(([k]) => isSecretParam(k))) u.search = new URLSearchParams(masked).toString();
  return u.toString();
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/i;
const QUERY_PARAM = /([?&;])([^=&#;\s]+)=([^&#;\s]*)/g;

/** One URL found in text, masked in place (the text around it keeps its shape). */
function redactUrlText(raw: string): string {
  const info = USER_INFO.exec(raw);
  let out = info
    ? `${info[1]}${info[2]!.includes(":") ? `${MASK}:${MASK}` : MASK}@${raw.slice(info[0].length)}`
    : raw;
  const hash = out.indexOf("#");
  if (hash >= 0) out = out.slice(0, hash);
  return out.replace(QUERY_PARAM, (m, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return isSecretParam(decoded) ? `${sep}${name}=${MASK}` : m;
  });
}

/** Any text (an error message, a log line) with every URL in it masked like `redactUrl`. */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, redactUrlText);
}

/** A JSON-like value with every string in it passed through `redactText`. */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** Connection URLs keep their shape in logs and messages but never their password. */
export function maskUrlPassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]+)@/, "//$1:****@");
}
