import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { randomBytes } from "node:crypto";
import { loadOrCreateSecret } from "../../src/db/secrets.js";
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from "../../src/server/auth/tokens.js";
import { testDatabases } from "../db/databases.js";
import { assertError, keyFor, startTestServer } from "./helpers.js";

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

for (const database of await testDatabases()) {
  describe(`authentication and roles on ${database.dialect}`, async () => {
    const server = await startTestServer({ database: database.settings });
    const secret = await loadOrCreateSecret(server.db.db, "jwt");
    const adminId = (await server.ctx.users.get("admin")).id;

    async function login(username: string, password: string) {
      return server.call("/v1/auth/login", { json: { username, password } });
    }

    async function refusals(): Promise<{ reason: string; status: number }[]> {
      await server.ctx.audit.flush();
      const entries = await server.ctx.audit.list({ action: "auth.refused", limit: 1000 });
      return entries.map((e) => e.details as { reason: string; status: number });
    }

    test("the first admin's generated password logs in for a short-lived token", async () => {
      assert.ok(server.admin.password.length >= 20);
      const r = await login("admin", server.admin.password);
      assert.equal(r.status, 200);
      assert.equal(r.body.data.tokenType, "Bearer");
      assert.ok(Date.parse(r.body.data.expiresAt) - Date.now() <= 900_000 + 5_000);
      const me = await server.call("/v1/auth/me", { token: r.body.data.token });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.data, { kind: "user", id: adminId, name: "admin", role: "admin" });
    });

    test("a wrong password is refused with 401 and audited", async () => {
      const r = await login("admin", "not-the-password");
      assertError(r, 401, "UNAUTHENTICATED", /wrong username or password/);
      assert.equal(r.body.data, undefined, "no token is issued");
      const unknown = await login("nobody", "whatever-password");
      assertError(unknown, 401, "UNAUTHENTICATED");
      assert.equal(unknown.body.error, r.body.error, "same answer for unknown users");
      assert.ok((await refusals()).some((d) => d.reason === "invalid_password"));
    });

    test("bad credentials of every kind are refused with 401 and an audit entry", async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { name: "admin", role: "admin" };
      const expired = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(adminId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now - 60)
        .sign(secret);
      const otherKey = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(adminId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(randomBytes(32));
      const valid = (await login("admin", server.admin.password)).body.data.token as string;
      const [h, p, s] = valid.split(".");
      const wrongSignature = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
      const algNone = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: adminId, ...claims, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600 })}.`;
      const forgedPayload = `${h}.${b64({ sub: adminId, ...claims, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 999_999 })}.${s}`;
      const cases: [string, Record<string, string>, string][] = [
        ["no credentials", {}, "missing_credentials"],
        ["expired token", { authorization: `Bearer ${expired}` }, "expired_token"],
        ["wrong signature", { authorization: `Bearer ${wrongSignature}` }, "invalid_token"],
        ["alg none", { authorization: `Bearer ${algNone}` }, "invalid_token"],
        ["token from another key", { authorization: `Bearer ${otherKey}` }, "invalid_token"],
        ["edited payload", { authorization: `Bearer ${forgedPayload}` }, "invalid_token"],
        ["made-up API key", { authorization: `Bearer bwk_${"A".repeat(49)}` }, "invalid_api_key"],
        ["made-up X-API-Key", { "x-api-key": "bwk_nope" }, "invalid_api_key"],
        ["unknown scheme", { authorization: `Token ${valid}` }, "malformed_credentials"],
        [
          "Basic outside the docs",
          { authorization: `Basic ${Buffer.from(`admin:${server.admin.password}`).toString("base64")}` },
          "malformed_credentials",
        ],
        ["empty bearer", { authorization: "Bearer " }, "malformed_credentials"],
      ];
      // What the caller is told to do, where there is something to do.
      const hints: Record<string, RegExp> = {
        missing_credentials: /send Authorization: Bearer <API key or token>, or X-API-Key/,
        expired_token: /expired: log in again/,
        malformed_credentials: /use Bearer <API key or token>/,
      };
      const before = (await refusals()).length;
      for (const [label, headers, reason] of cases) {
        const r = await server.call("/v1/users", { headers });
        assertError(r, 401, "UNAUTHENTICATED", hints[reason], label);
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/, label);
        const latest = (await refusals()).at(-1);
        assert.equal(latest?.reason, reason, label);
      }
      assert.equal((await refusals()).length - before, cases.length);
      const entry = (await server.ctx.audit.list({ action: "auth.refused", order: "desc", limit: 1 }))[0]!;
      assert.equal(entry.outcome, "denied");
      assert.equal(entry.target, "GET /v1/users");
      assert.match(entry.actor, /^anonymous@/);
    });

    test("roles: client detects only, analyst reads and operates, admin does everything", async () => {
      const client = await keyFor(server, "client", "role-client");
      const analyst = await keyFor(server, "analyst", "role-analyst");
      const admin = server.adminKey;
      const matrix: [string, string, unknown, Record<string, number>][] = [
        ["POST", "/v1/detect", { text: "hello there" }, { client: 200, analyst: 200, admin: 200 }],
        ["GET", "/v1/jobs", undefined, { client: 403, analyst: 200, admin: 200 }],
        ["GET", "/v1/storage/objects", undefined, { client: 403, analyst: 200, admin: 200 }],
        ["GET", "/v1/users", undefined, { client: 403, analyst: 403, admin: 200 }],
        ["GET", "/v1/keys", undefined, { client: 403, analyst: 403, admin: 200 }],
        ["GET", "/v1/audit", undefined, { client: 403, analyst: 403, admin: 200 }],
      ];
      for (const [method, path, json, expected] of matrix) {
        for (const [role, key] of [
          ["client", client],
          ["analyst", analyst],
          ["admin", admin],
        ] as const) {
          const r = await server.call(path, { method, key, ...(json ? { json } : {}) });
          assert.equal(r.status, expected[role], `${role} ${method} ${path}`);
          if (r.status === 403)
            assertError(
              r,
              403,
              "FORBIDDEN",
              new RegExp(`the ${role} role may not do this`),
              `${role} ${path}`,
            );
        }
      }
      const denied = (await refusals()).filter((d) => d.reason === "forbidden_role");
      assert.ok(denied.length >= 7);
      const entry = (await server.ctx.audit.list({ action: "auth.refused", order: "desc", limit: 1 }))[0]!;
      assert.equal(entry.actor, "key:role-analyst");
      assert.equal(entry.details!.status, 403);
    });

    test("API keys work in either header, are shown once, and stop working when revoked", async () => {
      const created = await server.call("/v1/keys", {
        key: server.adminKey,
        json: { name: "svc-a", role: "client" },
      });
      assert.equal(created.status, 201);
      const key = created.body.data.key as string;
      assert.match(key, /^bwk_[A-Za-z0-9_-]{49}$/);
      const list = await server.call("/v1/keys", { key: server.adminKey });
      assert.ok(!list.text.includes(key), "listings never contain the key");
      const row = await server.db.db
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", created.body.data.info.id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(key.slice(4)), "the key is stored hashed");
      assert.equal(
        (await server.call("/v1/detect", { headers: { "x-api-key": key }, json: { text: "hi" } })).status,
        200,
      );
      assert.equal((await server.call("/v1/detect", { key, json: { text: "hi" } })).status, 200);
      const revoked = await server.call(`/v1/keys/${created.body.data.info.id}`, {
        method: "DELETE",
        key: server.adminKey,
      });
      assert.equal(revoked.status, 200);
      assert.ok(revoked.body.data.revokedAt);
      const after = await server.call("/v1/detect", { key, json: { text: "hi" } });
      assertError(after, 401, "UNAUTHENTICATED", /the API key was revoked/);
    });

    test("a disabled user's token stops working; bad, duplicate and unknown-role users are refused", async () => {
      const create = await server.call("/v1/users", {
        key: server.adminKey,
        json: { username: "carol", password: "correct horse battery", role: "analyst" },
      });
      assert.equal(create.status, 201);
      assert.equal(create.body.data.role, "analyst");
      assert.ok(!("password_hash" in create.body.data) && !create.text.includes("argon2"));
      const token = (await login("carol", "correct horse battery")).body.data.token as string;
      assert.equal((await server.call("/v1/jobs", { token })).status, 200);
      const disabled = await server.call("/v1/users/carol", {
        method: "PATCH",
        key: server.adminKey,
        json: { disabled: true },
      });
      assert.equal(disabled.status, 200);
      assertError(await server.call("/v1/jobs", { token }), 401, "UNAUTHENTICATED", /the user is disabled/);
      assertError(
        await login("carol", "correct horse battery"),
        401,
        "UNAUTHENTICATED",
        /wrong username or password/,
      );
      assert.ok((await refusals()).some((d) => d.reason === "disabled_user"));

      const short = await server.call("/v1/users", {
        key: server.adminKey,
        json: { username: "dave", password: "short", role: "client" },
      });
      assertError(short, 400, "VALIDATION_ERROR", /a password needs at least 12 characters/);
      const dup = await server.call("/v1/users", {
        key: server.adminKey,
        json: { username: "carol", password: "another long one", role: "client" },
      });
      assertError(dup, 409, "CONFLICT", /a user named "carol" already exists/);
      const badRole = await server.call("/v1/users", {
        key: server.adminKey,
        json: { username: "erin", password: "another long one", role: "root" },
      });
      assertError(badRole, 400, "VALIDATION_ERROR", /body\.role/);
      const users = (await server.call("/v1/users", { key: server.adminKey })).body.data as {
        username: string;
        role: string;
      }[];
      assert.ok(!users.some((u) => u.username === "dave" || u.username === "erin"), "no user was written");
      assert.equal(users.find((u) => u.username === "carol")?.role, "analyst", "carol is unchanged");
      await server.ctx.audit.flush();
      const created = await server.ctx.audit.list({ action: "user.create", limit: 1000 });
      assert.ok(!created.some((e) => /^user:(dave|erin)$/.test(e.target)), "no user creation was recorded");
    });

    test("users change their own password with the current one; keys have none", async () => {
      await server.call("/v1/users", {
        key: server.adminKey,
        json: { username: "frank", password: "first long password", role: "client" },
      });
      const token = (await login("frank", "first long password")).body.data.token as string;
      const wrong = await server.call("/v1/auth/password", {
        token,
        json: { currentPassword: "not it at all", newPassword: "second long password" },
      });
      assertError(wrong, 401, "UNAUTHENTICATED", /the current password is wrong/);
      assert.equal((await login("frank", "first long password")).status, 200, "the password is unchanged");
      const changed = await server.call("/v1/auth/password", {
        token,
        json: { currentPassword: "first long password", newPassword: "second long password" },
      });
      assert.equal(changed.status, 200);
      assert.equal((await login("frank", "first long password")).status, 401);
      assert.equal((await login("frank", "second long password")).status, 200);
      const key = await server.call("/v1/auth/password", {
        key: server.adminKey,
        json: { currentPassword: "x", newPassword: "second long password" },
      });
      assertError(key, 400, "NOT_A_USER", /API keys have no password/);
    });

    test("the last admin cannot be disabled, demoted or deleted", async () => {
      const users = await server.call("/v1/users", { key: server.adminKey });
      const admins = users.body.data.filter(
        (u: { role: string; disabled: boolean }) => u.role === "admin" && !u.disabled,
      );
      assert.equal(admins.length, 1);
      const lastAdmin = /this is the last enabled admin: create another admin first/;
      for (const change of [{ role: "client" }, { disabled: true }]) {
        const r = await server.call("/v1/users/admin", {
          method: "PATCH",
          key: server.adminKey,
          json: change,
        });
        assertError(r, 409, "LAST_ADMIN", lastAdmin, JSON.stringify(change));
      }
      const deleted = await server.call("/v1/users/admin", { method: "DELETE", key: server.adminKey });
      assertError(deleted, 409, "LAST_ADMIN", lastAdmin);
      const admin = await server.call("/v1/users/admin", { key: server.adminKey });
      assert.equal(admin.status, 200, "the admin still exists");
      assert.deepEqual([admin.body.data.role, admin.body.data.disabled], ["admin", false]);
      assert.equal((await login("admin", server.admin.password)).status, 200, "and still logs in");
      await server.ctx.audit.flush();
      const changes = await server.ctx.audit.list({ limit: 1000 });
      assert.ok(
        !changes.some((e) => e.target === "user:admin" && /^user\.(update|delete)$/.test(e.action)),
        "no change of the admin was recorded",
      );
    });

    test("state changes are audited with who, what, target and outcome", async () => {
      await server.ctx.audit.flush();
      const actions = new Set(
        (await server.ctx.audit.list({ limit: 1000 })).map((e) => `${e.action} ${e.outcome}`),
      );
      for (const a of [
        "user.create success",
        "auth.login success",
        "key.create success",
        "key.revoke success",
        "user.update success",
      ]) {
        assert.ok(actions.has(a), a);
      }
      const create = (await server.ctx.audit.list({ action: "key.create", limit: 10 })).find(
        (e) => e.target === "key:svc-a",
      )!;
      assert.equal(create.actor, "key:test-admin");
    });

    test("secrets never reach the logs", async () => {
      const key = await keyFor(server, "client", "log-check");
      await server.call("/v1/detect", { key, json: { text: "hello" } });
      await server.call("/v1/detect", { headers: { "x-api-key": key }, json: { text: "hello" } });
      await login("admin", server.admin.password);
      await login("admin", "a-wrong-password-attempt");
      const all = server.logs.join("\n");
      assert.ok(server.logs.length > 5, "the server logged requests");
      for (const secretValue of [
        key,
        key.slice(4, 30),
        server.admin.password,
        "a-wrong-password-attempt",
        server.adminKey,
      ]) {
        assert.ok(!all.includes(secretValue), `a secret leaked into the logs`);
      }
      assert.ok(
        server.logs.some((l) => /"principal":"key:log-check"/.test(l)),
        "requests are logged with who made them",
      );
      assert.ok(
        server.logs.every((l) => /"reqId"/.test(l) || !/"path"/.test(l)),
        "request lines carry a request id",
      );
    });
  });
}
