/**
 * Key rotation without downtime (security review, item 6). Replacing a key meant creating
 * a new one and revoking the old, with an outage for every client not yet updated, so
 * keys were rarely replaced. `bulwark keys rotate NAME --grace 24h` and
 * POST /v1/keys/:id/rotate give the key a new secret (shown once) and accept the previous
 * one for the grace period only, then refuse it; both are audited.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseGrace } from "../../src/server/auth/rotation.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer, type TestServer } from "../server/helpers.js";

const detect = (server: TestServer, key: string) => server.call("/v1/detect", { key, json: { text: "hi" } });

test("grace durations: understood, and clear refusals", () => {
  assert.equal(parseGrace("24h"), 86_400_000);
  assert.equal(parseGrace("90s"), 90_000);
  assert.equal(parseGrace("300ms"), 300);
  assert.equal(parseGrace("0"), 0);
  for (const bad of ["", "24", "1y", "-1h", "soon"])
    assert.throws(() => parseGrace(bad), /not understood/, bad);
  assert.throws(() => parseGrace("31d"), /longer than 30 days/);
});

describe("rotating a key through the API", async () => {
  const server = await startTestServer();

  async function rotate(id: string, grace?: string) {
    return server.call(`/v1/keys/${id}/rotate`, {
      method: "POST",
      key: server.adminKey,
      json: grace === undefined ? {} : { grace },
    });
  }

  test("the old secret works during the grace period and is refused after it; the new one works", async () => {
    const created = await server.call("/v1/keys", {
      key: server.adminKey,
      json: { name: "rotating", role: "client", rateLimit: { limit: 1000, window: "minute" } },
    });
    const old = created.body.data.key as string;
    const id = created.body.data.info.id as string;
    assert.equal((await detect(server, old)).status, 200);

    const r = await rotate(id, "700ms");
    assert.equal(r.status, 200, r.text);
    const fresh = r.body.data.key as string;
    assert.notEqual(fresh, old);
    assert.equal(r.body.data.info.id, id, "same key record: id, role and budgets stay");
    assert.deepEqual(r.body.data.info.rateLimit, { limit: 1000, window: "minute" });
    assert.ok(r.body.data.info.previousValidUntil);

    assert.equal((await detect(server, old)).status, 200, "old secret within the grace period");
    assert.equal((await detect(server, fresh)).status, 200);
    await sleep(Date.parse(r.body.data.info.previousValidUntil) - Date.now() + 100);
    assertError(await detect(server, old), 401, "UNAUTHENTICATED", /rotated and its grace period is over/);
    assert.equal((await detect(server, fresh)).status, 200);

    const list = await server.call("/v1/keys", { key: server.adminKey });
    const listed = list.body.data.find((k: { id: string }) => k.id === id);
    assert.equal(listed.prefix, fresh.slice(0, 12));
    assert.ok(!list.text.includes(fresh) && !list.text.includes(old));

    await server.ctx.audit.flush();
    const entries = await server.ctx.audit.list({ action: "key.rotate" });
    const entry = entries.find((e) => e.target === "key:rotating");
    assert.ok(entry, "rotation audited");
    assert.equal((entry.details as { previousPrefix: string }).previousPrefix, old.slice(0, 12));
  });

  test("grace 0 ends the old secret at once; a second rotation ends the first secret at once", async () => {
    const first = await keyFor(server, "client", "rotate-twice");
    const id = (await server.ctx.keys.get("rotate-twice")).id;
    const second = (await rotate(id, "1h")).body.data.key as string;
    assert.equal((await detect(server, first)).status, 200);
    const third = (await rotate(id, "0")).body.data.key as string;
    // Only one previous secret is kept: the first is now unknown, the second past its grace.
    assertError(await detect(server, first), 401, "UNAUTHENTICATED", /not valid/);
    assertError(await detect(server, second), 401, "UNAUTHENTICATED", /rotated/);
    assert.equal((await detect(server, third)).status, 200);
  });

  test("only admins rotate; bad graces and revoked keys are refused", async () => {
    const victim = await keyFor(server, "client", "rotate-victim");
    const id = (await server.ctx.keys.get("rotate-victim")).id;
    const analyst = await keyFor(server, "analyst", "rotate-analyst");
    assertError(
      await server.call(`/v1/keys/${id}/rotate`, { method: "POST", key: analyst, json: {} }),
      403,
      "FORBIDDEN",
    );
    assertError(
      await server.call(`/v1/keys/${id}/rotate`, { method: "POST", key: victim, json: {} }),
      403,
      "FORBIDDEN",
    );
    assertError(await rotate(id, "forever"), 400, "VALIDATION_ERROR", /grace "forever" is not understood/);
    assertError(await rotate(id, "90d"), 400, "VALIDATION_ERROR", /longer than 30 days/);
    assert.equal((await detect(server, victim)).status, 200, "a refused rotation changes nothing");
    await server.call(`/v1/keys/${id}`, { method: "DELETE", key: server.adminKey });
    assertError(await rotate(id, "1h"), 409, "CONFLICT", /revoked/);
    const defaulted = await rotate((await server.ctx.keys.get("rotate-analyst")).id);
    assert.equal(defaulted.status, 200);
    const hours = (Date.parse(defaulted.body.data.info.previousValidUntil) - Date.now()) / 3_600_000;
    assert.ok(hours > 23.9 && hours <= 24, `default grace ${hours} h`);
  });
});

test("bulwark keys rotate prints the new key once, keeps the old one for --grace, and audits", async () => {
  const home = tempDir("bulwark-cli-rotate-");
  const env = { BULWARK_HOME: home, DATABASE_URL: "", REDIS_URL: "", BULWARK_ACTOR: "cli:rotator" };
  const created = await runCli(["keys", "create", "--role", "client", "--name", "ci", "--json"], { env });
  assert.equal(created.code, 0, created.stderr);
  const old = JSON.parse(created.stdout).key as string;
  const rotated = await runCli(["keys", "rotate", "ci", "--grace", "1s"], { env });
  assert.equal(rotated.code, 0, rotated.stderr);
  const fresh = rotated.stdout.trim();
  assert.match(fresh, /^bwk_[A-Za-z0-9_-]{49}$/);
  assert.match(rotated.stderr, /not shown again.*accepted until/);

  const server = await startTestServer({
    home,
    database: { url: undefined, sqlitePath: join(home, "bulwark.db") },
    env: { BULWARK_AUTH_CACHE_TTL_MS: "0" },
  });
  assert.equal((await detect(server, fresh)).status, 200);
  const info = await server.ctx.keys.get("ci");
  await sleep(Math.max(0, Date.parse(info.previousValidUntil!) - Date.now()) + 100);
  assertError(await detect(server, old), 401, "UNAUTHENTICATED", /rotated/);
  assert.equal((await detect(server, fresh)).status, 200);

  await server.ctx.audit.flush();
  const entries = await server.ctx.audit.list({ actor: "cli:rotator" });
  assert.deepEqual(
    entries.map((e) => e.action),
    ["key.create", "key.rotate"],
  );
  const bad = await runCli(["keys", "rotate", "ci", "--grace", "a while"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--grace.*not understood.*24h/s);
});
