/**
 * URLs that carry a user name and password (`postgres://app:s3cret@db.internal:5432/app`,
 * `https://user:token@git.example.com/repo.git`). The finding covers the scheme and the
 * whole authority (user, password, host, port), so that the host a credential opens goes
 * with it; the path stays. Its confidence (0.99) is above the e-mail detector's, so the
 * `token@git.example.com` inside wins as a URL, not as an address. URLs with a user but no
 * password (`ssh://git@host`) are left alone: they name an account, not a secret.
 */
import type { PiiDetector, PiiFinding } from "../types.js";

const URL_WITH_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s/?#@:]{1,256}:[^\s/?#@]{1,256}@[^\s/?#@]{1,255}/g;

export const urlCredentialsDetector: PiiDetector = {
  id: "url_credentials",
  type: "url_credentials",
  find(text: string): PiiFinding[] {
    if (!text.includes("://")) return [];
    const out: PiiFinding[] = [];
    for (const m of text.matchAll(URL_WITH_CREDENTIALS)) {
      // A sentence's full stop or a closing bracket after the host is not part of it.
      const value = m[0].replace(/[.,;:)\]>'"]+$/, "");
      out.push({
        type: "url_credentials",
        detector: "url_credentials",
        start: m.index,
        end: m.index + value.length,
        confidence: 0.99,
      });
    }
    return out;
  },
};
