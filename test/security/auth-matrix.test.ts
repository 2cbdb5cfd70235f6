/**
 * The auth matrix: every route of the service, called with no credential, with a bad one,
 * and with each role's key. The table below is the contract (who may call what); the test
 * also checks that it names every route the OpenAPI document lists, so a new route cannot
 * be added without deciding who may call it, and a route's access cannot be loosened by
 * accident. Bodies and ids are dummies: an allowed caller gets past the guard (any answer
 * but 401/403), a refused one is stopped before validation or the handler runs.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertError, keyFor, startTestServer, type CallResult } from "../server/helpers.js";

/** "signed": no credential, but the link's own signature (presigned storage links). */
type Need = "public" | "signed" | "client" | "analyst" | "admin";

/** "METHOD /path" as the OpenAPI document spells it -> the least role that may call it. */
const MATRIX: Record<string, Need> = {
  "GET /health": "public",
  "GET /ready": "public",
  "GET /metrics": "public",
  "POST /v1/auth/login": "public",
  "POST /v1/session": "public",
  "GET /v1/session": "client",
  "DELETE /v1/session": "client",
  "GET /": "public",
  "GET /assets/{*}": "public",
  "GET /v1/auth/me": "client",
  "POST /v1/auth/password": "client",
  "POST /v1/detect": "client",
  "POST /v1/detect/batch": "client",
  "POST /v1/scan": "client",
  "POST /v1/detect/output": "client",
  "POST /v1/canary": "client",
  "POST /v1/privacy/redact": "client",
  "POST /v1/feedback": "client",
  "GET /v1/feedback": "client",
  "GET /v1/feedback/{id}": "client",
  "POST /v1/feedback/{id}/review": "analyst",
  "GET /v1/datasets": "analyst",
  "GET /v1/datasets/{ref}": "analyst",
  "GET /v1/datasets/{ref}/stats": "analyst",
  "GET /v1/datasets/{ref}/export": "analyst",
  "POST /v1/datasets/import": "analyst",
  "PUT /v1/datasets/uploads/{filename}": "analyst",
  "GET /v1/jobs": "analyst",
  "GET /v1/jobs/{id}": "analyst",
  "GET /v1/jobs/{id}/logs": "analyst",
  "POST /v1/jobs/{id}/cancel": "analyst",
  "POST /v1/jobs/selftest": "admin",
  "POST /v1/training": "analyst",
  "GET /v1/runs": "analyst",
  "GET /v1/runs/compare": "analyst",
  "GET /v1/runs/{id}": "analyst",
  "POST /v1/redteam/campaigns": "analyst",
  "GET /v1/redteam/campaigns": "analyst",
  "GET /v1/redteam/campaigns/{id}": "analyst",
  "GET /v1/redteam/campaigns/{id}/report": "analyst",
  "GET /v1/redteam/generators": "analyst",
  "POST /v1/learn/cycles": "admin",
  "GET /v1/learn/cycles": "analyst",
  "GET /v1/learn/cycles/{id}": "analyst",
  "POST /v1/privacy/erasures": "admin",
  "GET /v1/privacy/erasures": "admin",
  "GET /v1/privacy/subjects/{id}/export": "admin",
  "POST /v1/privacy/retention": "admin",
  "GET /v1/models": "analyst",
  "GET /v1/models/{ref}": "analyst",
  "GET /v1/models/{name}/history": "analyst",
  "GET /v1/models/{ref}/verify": "analyst",
  "POST /v1/models/{ref}/promote": "admin",
  "POST /v1/models/{name}/rollback": "admin",
  "GET /v1/storage/objects": "analyst",
  "GET /v1/storage/object": "analyst",
  "GET /v1/storage/versions": "analyst",
  "GET /v1/storage/lock": "analyst",
  "GET /v1/storage/bucket": "analyst",
  "POST /v1/storage/download-url": "analyst",
  "PUT /v1/storage/retention": "admin",
  "PUT /v1/storage/legal-hold": "admin",
  "GET /v1/storage/presigned/{*}": "signed",
  "HEAD /v1/storage/presigned/{*}": "signed",
  "PUT /v1/storage/presigned/{*}": "signed",
  "GET /v1/analytics/summary": "analyst",
  "GET /v1/analytics/timeseries": "analyst",
  "GET /v1/analytics/report": "analyst",
  "GET /v1/analytics/business": "analyst",
  "GET /v1/analytics/shadow": "analyst",
  "GET /v1/analytics/drift": "analyst",
  "GET /v1/shadow": "analyst",
  "PUT /v1/shadow": "admin",
  "DELETE /v1/shadow": "admin",
  "GET /v1/backups": "admin",
  "POST /v1/backups": "admin",
  "GET /v1/audit": "admin",
  "GET /v1/audit/verify": "admin",
  "POST /v1/audit/snapshots": "admin",
  "GET /v1/keys": "admin",
  "POST /v1/keys": "admin",
  "DELETE /v1/keys/{id}": "admin",
  "POST /v1/keys/{id}/rotate": "admin",
  "GET /v1/users": "admin",
  "POST /v1/users": "admin",
  "GET /v1/users/{id}": "admin",
  "PATCH /v1/users/{id}": "admin",
  "DELETE /v1/users/{id}": "admin",
};

const RANK: Record<Need, number> = { public: -1, signed: -1, client: 0, analyst: 1, admin: 2 };
const ROLES = ["client", "analyst", "admin"] as const;

const server = await startTestServer();
const keys = {
  client: await keyFor(server, "client"),
  analyst: await keyFor(server, "analyst"),
  admin: await keyFor(server, "admin"),
};
const doc = (await server.call("/docs/json", { key: keys.admin })).body;
const documented: string[] = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) =>
  Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
);

/** A concrete URL for a route: path parameters become ids that do not exist. */
const urlOf = (path: string) => path.replace(/\{[^}]+\}/g, "matrix-probe");

async function probe(route: string, credential?: string): Promise<CallResult> {
  const [method, path] = route.split(" ") as [string, string];
  const hasBody = !["GET", "HEAD", "DELETE"].includes(method);
  return server.call(urlOf(path), {
    method,
    ...(credential ? { key: credential } : {}),
    ...(hasBody ? { json: {} } : {}),
  });
}

describe("auth matrix: every route, every role", () => {
  test("the matrix names every documented route, and nothing else", () => {
    const missing = documented.filter((r) => !(r in MATRIX) && !r.includes("/docs"));
    // /metrics is for Prometheus, not for API clients: left out of the document on purpose.
    const stale = Object.keys(MATRIX).filter((r) => !documented.includes(r) && r !== "GET /metrics");
    assert.deepEqual(missing, [], "routes without a decision on who may call them");
    assert.deepEqual(stale, [], "matrix rows for routes that no longer exist");
  });

  for (const [route, need] of Object.entries(MATRIX)) {
    const who =
      { public: "open to all", signed: "its signature only" }[need as string] ?? `${need} and above`;
    test(`${route}: ${who}`, async () => {
      if (need === "signed") {
        // Credentials do not help: only a valid signature opens a presigned link.
        for (const credential of [undefined, keys.admin]) {
          const r = await probe(route, credential);
          assert.ok(r.status >= 400 && r.status < 500, `${route} unsigned: ${r.status} ${r.text}`);
        }
        return;
      }
      if (need === "public") {
        const r = await probe(route);
        assert.ok(r.status !== 401 && r.status !== 403, `${route} anonymous: ${r.status} ${r.text}`);
        return;
      }
      assertError(
        await probe(route),
        401,
        "UNAUTHENTICATED",
        /credentials are required/,
        `${route} anonymous`,
      );
      assertError(
        await probe(route, "bwk_forged_0000000000"),
        401,
        "UNAUTHENTICATED",
        undefined,
        `${route} forged`,
      );
      for (const role of ROLES) {
        const r = await probe(route, keys[role]);
        if (RANK[role] < RANK[need]) assertError(r, 403, "FORBIDDEN", undefined, `${route} as ${role}`);
        else assert.ok(r.status !== 401 && r.status !== 403, `${route} as ${role}: ${r.status} ${r.text}`);
      }
    });
  }

  test("a session cookie is a credential like the others: its role applies, and changes need the CSRF token", async () => {
    await server.ctx.users.create({
      username: "matrix-client",
      password: "matrix client password",
      role: "client",
      createdBy: "test",
    });
    const signed = await server.call("/v1/session", {
      json: { username: "matrix-client", password: "matrix client password" },
    });
    const cookie = signed.headers
      .getSetCookie()
      .find((c) => c.startsWith("bulwark_session="))!
      .split(";")[0]!;
    const csrf = signed.body.data.csrfToken as string;
    for (const [route, need] of Object.entries(MATRIX)) {
      if (need !== "admin" && need !== "analyst") continue;
      const [method, path] = route.split(" ") as [string, string];
      const hasBody = !["GET", "HEAD", "DELETE"].includes(method);
      const r = await server.call(urlOf(path), {
        method,
        headers: { cookie, "x-csrf-token": csrf },
        ...(hasBody ? { json: {} } : {}),
      });
      assertError(r, 403, "FORBIDDEN", undefined, `${route} as a client's session`);
    }
  });

  test("docs and the OpenAPI document need a credential (any role)", async () => {
    assertError(await server.call("/docs/json"), 401, "UNAUTHENTICATED");
    assert.equal((await server.call("/docs/json", { key: keys.client })).status, 200);
  });
});
