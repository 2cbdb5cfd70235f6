/**
 * Ending a user's tokens (security review, item 2). A token stolen before a password
 * change, or held by a user who was then disabled, used to live out its 15 minutes (and
 * every replica trusted its subject for the auth cache TTL). Now a password change or a
 * disable refuses every older token at its next request, on every server process: two
 * replicas share one database here, and the change is made on the other one.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { testDatabases } from "../db/databases.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, startTestServer, type TestServer } from "../server/helpers.js";

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
});

for (const database of await testDatabases()) {
  describe(`tokens end at once on ${database.dialect}`, async () => {
    const home = tempDir("bulwark-revocation-");
    const settings =
      database.dialect === "sqlite"
        ? { url: undefined, sqlitePath: join(home, "shared.db") }
        : database.settings;
    const env = { BULWARK_RATE_LIMIT_LOGIN: "1000" };
    const one = await startTestServer({ database: settings, env, home: join(home, "one") });
    const two = await startTestServer({ database: settings, env, home: join(home, "two") });

    async function userWithToken(username: string, password: string): Promise<string> {
      await one.ctx.users.create({ username, password, role: "analyst", createdBy: "test" });
      const r = await two.call("/v1/auth/login", { json: { username, password } });
      assert.equal(r.status, 200, r.text);
      const token = r.body.data.token as string;
      // Used on both replicas, so each has had every chance to remember it.
      for (const s of [one, two]) assert.equal((await s.call("/v1/jobs", { token })).status, 200);
      return token;
    }

    const patch = (s: TestServer, username: string, json: unknown) =>
      s.call(`/v1/users/${username}`, { method: "PATCH", key: s.adminKey, json });

    test("a password change by an admin ends the user's tokens on every replica at once", async () => {
      const token = await userWithToken("hana", "hana's old password");
      assert.equal((await patch(one, "hana", { password: "hana's new password" })).status, 200);
      for (const s of [two, one]) {
        assertError(await s.call("/v1/jobs", { token }), 401, "UNAUTHENTICATED", /ended.*log in again/);
      }
      const again = await two.call("/v1/auth/login", {
        json: { username: "hana", password: "hana's new password" },
      });
      assert.equal(again.status, 200);
      assert.equal((await one.call("/v1/jobs", { token: again.body.data.token })).status, 200);
    });

    test("disabling a user ends the user's tokens on every replica at once; enabling does not revive them", async () => {
      const token = await userWithToken("ivan", "ivan's long password");
      assert.equal((await patch(one, "ivan", { disabled: true })).status, 200);
      assertError(await two.call("/v1/jobs", { token }), 401, "UNAUTHENTICATED");
      assert.equal((await patch(one, "ivan", { disabled: false })).status, 200);
      assertError(await two.call("/v1/jobs", { token }), 401, "UNAUTHENTICATED", /ended/);
    });

    test("changing your own password ends your other tokens", async () => {
      const stolen = await userWithToken("jane", "jane's old password");
      const mine = (
        await one.call("/v1/auth/login", { json: { username: "jane", password: "jane's old password" } })
      ).body.data.token as string;
      const changed = await one.call("/v1/auth/password", {
        token: mine,
        json: { currentPassword: "jane's old password", newPassword: "jane's new password" },
      });
      assert.equal(changed.status, 200, changed.text);
      assertError(await two.call("/v1/jobs", { token: stolen }), 401, "UNAUTHENTICATED");
      assertError(await two.call("/v1/jobs", { token: mine }), 401, "UNAUTHENTICATED");
    });

    test("a Basic password remembered by a replica stops working there as soon as it is changed", async () => {
      await one.ctx.users.create({
        username: "kim",
        password: "kim's old password",
        role: "analyst",
        createdBy: "test",
      });
      const old = basic("kim", "kim's old password");
      assert.equal((await two.call("/docs/json", { headers: old })).status, 200);
      assert.equal((await patch(one, "kim", { password: "kim's new password" })).status, 200);
      const refused = await two.call("/docs/json", { headers: old });
      assertError(refused, 401, "UNAUTHENTICATED", /wrong username or password/);
      const fresh = basic("kim", "kim's new password");
      assert.equal((await two.call("/docs/json", { headers: fresh })).status, 200);
    });
  });
}
