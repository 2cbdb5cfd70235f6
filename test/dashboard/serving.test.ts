/**
 * How the dashboard's files are served: the shell at `/` is public and never cached, the
 * hashed assets are cached for a year as immutable, both under a CSP that allows only the
 * page's own scripts and styles, while the API keeps `default-src 'none'`; the data
 * behind the page still needs a credential.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { DASHBOARD_ROOT } from "../../src/server/routes/dashboard.js";
import { assertError, startTestServer } from "../server/helpers.js";

const built = existsSync(`${DASHBOARD_ROOT}index.html`);

describe(
  "the dashboard's files",
  { skip: built ? false : "dist/web is not built: npm run build" },
  async () => {
    const server = await startTestServer();

    test("/ serves the app shell to anyone, not cached, with the dashboard's CSP", async () => {
      const r = await server.call("/");
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /text\/html/);
      assert.equal(r.headers.get("cache-control"), "no-cache");
      const csp = r.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      // No inline script: every script is a file the CSP allows.
      assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/);
    });

    test("hashed assets are immutable for a year; unknown ones are 404", async () => {
      const shell = await server.call("/");
      const assets = [...shell.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css")), shell.text);
      for (const a of assets) {
        assert.match(a, /-[A-Za-z0-9_-]{8,}\.(js|css)$/, "a content-hashed name");
        const r = await server.call(a);
        assert.equal(r.status, 200, a);
        assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable");
        assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      }
      assert.equal((await server.call("/assets/nope-00000000.js")).status, 404);
      assert.equal((await server.call("/assets/..%2Findex.html")).status, 404);
    });

    test("the API keeps default-src 'none', and its data still needs a credential", async () => {
      const r = await server.call("/health");
      assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      assertError(await server.call("/v1/models"), 401, "UNAUTHENTICATED");
    });
  },
);
