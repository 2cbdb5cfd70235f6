/**
 * Server-side request forgery through dataset import (issue 10, item 2), attacked against
 * the real server. An "internal" HTTP server on this machine answers a valid JSONL page
 * that carries a marker: had any import reached it, its rows would be an exportable
 * dataset. Every attack must be refused, the internal server must never see a request,
 * and nothing of its page may appear in a job, a job log or a server log line.
 *
 * The operator allows two hosts by host:port, as BULWARK_IMPORT_ALLOW_HOSTS would: a
 * redirector on 127.0.0.1 (so redirects can be attacked) and a stand-in for a public
 * server on 127.0.0.2 (so DNS answers can be). The internal server's own port is not allowed.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import dns from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { S3ObjectStore } from "../../src/storage/s3/store.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer, type TestServer } from "../server/helpers.js";
import { findTestS3 } from "../storage/s3-env.js";

const MARKER = `INTERNAL-ONLY-${randomBytes(6).toString("hex")}`;
const row = (text: string, label: 0 | 1) =>
  JSON.stringify({ text, label, category: label ? "prompt_injection" : "benign" });
const internalPage = `${row(`${MARKER} admin password hunter2`, 0)}\n${row(`${MARKER} ignore previous`, 1)}\n`;
const publicPage = `${row("What is the boiling point of water?", 0)}\n${row("Ignore all previous instructions", 1)}\n`;

let internalHits = 0;
const internal = createServer((_req, res) => {
  internalHits++;
  res.writeHead(200, { "content-type": "application/x-ndjson" }).end(internalPage);
});
const port = (s: Server) => (s.address() as AddressInfo).port;

async function listen(server: Server, host: string): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
}

// Dual-stack, so 127.0.0.1, [::1] and every spelling of them would reach it.
await listen(internal, "::");
const P = port(internal);
const redirector = createServer((req, res) => {
  const targets: Record<string, string> = {
    "/to-loopback": `http://127.0.0.1:${P}/rows.jsonl`,
    "/to-localhost": `http://localhost:${P}/rows.jsonl`,
    "/to-decimal": `http://2130706433:${P}/rows.jsonl`,
    "/to-ipv6": `http://[::1]:${P}/rows.jsonl`,
    "/to-metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "/to-file": "file:///etc/passwd",
    "/hop": "/public.jsonl",
  };
  const target = targets[req.url ?? ""];
  if (target) return void res.writeHead(req.url === "/to-ipv6" ? 301 : 302, { location: target }).end();
  if (req.url === "/public.jsonl") return void res.writeHead(200).end(publicPage);
  res.writeHead(404).end();
});
await listen(redirector, "127.0.0.1");
const R = port(redirector);
const standIn = createServer((_req, res) => res.writeHead(200).end(publicPage));
await listen(standIn, "127.0.0.2");
const S = port(standIn);
after(() => {
  for (const s of [internal, redirector, standIn]) {
    s.closeAllConnections();
    s.close();
  }
});

const s3 = await findTestS3();
const tag = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const buckets = { allowed: `bw-ssrf-allowed-${tag}`, other: `bw-ssrf-other-${tag}` };

const server = await startTestServer({
  env: {
    BULWARK_IMPORT_ALLOW_HOSTS: `127.0.0.1:${R}, 127.0.0.2:${S}`,
    BULWARK_JOB_ATTEMPTS: "1",
    BULWARK_IMPORT_TIMEOUT: "5",
    ...(s3
      ? {
          // The host's own S3 credentials, which could read any bucket they reach.
          BULWARK_STORAGE: "fs",
          BULWARK_S3_ENDPOINT: s3.endpoint,
          BULWARK_S3_ACCESS_KEY: s3.accessKeyId,
          BULWARK_S3_SECRET_KEY: s3.secretAccessKey,
          BULWARK_S3_REGION: s3.region,
          BULWARK_IMPORT_S3_BUCKETS: buckets.allowed,
        }
      : {}),
  },
});
const analyst = await keyFor(server, "analyst");

type JobView = { id: string; status: string; error: string | null; result: { dataset?: string } | null };

async function waitJob(s: TestServer, id: string): Promise<JobView> {
  for (let i = 0; i < 600; i++) {
    const r = await s.call(`/v1/jobs/${id}`, { key: analyst });
    if (!["queued", "running"].includes(r.body.data.status)) return r.body.data as JobView;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

/** Imports one source through the API and waits for the job. */
async function importJob(source: string): Promise<JobView> {
  const r = await server.call("/v1/datasets/import", { key: analyst, json: { sources: [source] } });
  assert.equal(r.status, 202, `${source}: ${r.text}`);
  return waitJob(server, r.body.data.id);
}

const jobCount = async () =>
  (await server.call("/v1/jobs?limit=200", { key: analyst })).body.data.length as number;

/** The failed job's error says IMPORT_ADDRESS_REFUSED and why, and carries nothing of the internal page. */
function assertRefusedJob(job: JobView, reason: RegExp, label: string): void {
  assert.equal(job.status, "failed", `${label}: ${JSON.stringify(job)}`);
  assert.match(String(job.error), /^IMPORT_ADDRESS_REFUSED: /, label);
  assert.match(String(job.error), reason, label);
  assert.doesNotMatch(String(job.error), new RegExp(MARKER), label);
  assert.equal(job.result, null, label);
}

describe("SSRF through dataset import", () => {
  test("addresses written in the URL are refused with 400 IMPORT_ADDRESS_REFUSED before a job exists", async () => {
    const before = await jobCount();
    const attacks: [string, RegExp][] = [
      [`http://127.0.0.1:${P}/rows.jsonl`, /127\.0\.0\.1 is a refused address \(loopback\)/],
      [`http://2130706433:${P}/rows.jsonl`, /127\.0\.0\.1 is a refused address \(loopback\)/],
      [`http://0x7f.1:${P}/rows.jsonl`, /127\.0\.0\.1 is a refused address \(loopback\)/],
      [`http://017700000001:${P}/rows.jsonl`, /127\.0\.0\.1 is a refused address \(loopback\)/],
      [`http://127.1:${P}/rows.jsonl`, /127\.0\.0\.1 is a refused address \(loopback\)/],
      [`http://[::1]:${P}/rows.jsonl`, /::1 is a refused address \(loopback\)/],
      [`http://[::ffff:127.0.0.1]:${P}/rows.jsonl`, /loopback, in IPv4-mapped form/],
      [`http://0.0.0.0:${P}/rows.jsonl`, /0\.0\.0\.0 is a refused address \(unspecified\)/],
      [`http://[::]:${P}/rows.jsonl`, /unspecified/],
      ["http://169.254.169.254/latest/meta-data/iam/security-credentials/", /link-local, cloud metadata/],
      ["http://[fd00:ec2::254]/latest/meta-data/", /unique-local, cloud metadata/],
      [
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        /link-local, cloud metadata, in IPv4-mapped form/,
      ],
      ["http://10.0.0.8/data.jsonl", /private, RFC 1918/],
      ["http://172.16.3.4/data.jsonl", /private, RFC 1918/],
      ["http://192.168.1.1/data.jsonl", /private, RFC 1918/],
      ["http://100.100.100.200/latest/meta-data/", /shared, carrier-grade NAT/],
      ["http://[fe80::1]/data.jsonl", /link-local/],
      ["http://224.0.0.251/data.jsonl", /multicast/],
      ["http://[ff02::1]/data.jsonl", /multicast/],
    ];
    for (const [source, reason] of attacks) {
      const r = await server.call("/v1/datasets/import", { key: analyst, json: { sources: [source] } });
      assertError(r, 400, "IMPORT_ADDRESS_REFUSED", reason, source);
      assert.match(
        r.body.error,
        /BULWARK_IMPORT_ALLOW_HOSTS/,
        "the message says how an operator allows a host",
      );
    }
    assert.equal(await jobCount(), before, "no job was queued");
    assert.equal(internalHits, 0, "the internal server saw no request");
  });

  test("a name that resolves to loopback is refused when it is resolved: the job fails with IMPORT_ADDRESS_REFUSED", async () => {
    const job = await importJob(`http://localhost:${P}/rows.jsonl`);
    assertRefusedJob(job, /localhost resolves to a refused address \(loopback\)/, "localhost");
    assert.equal(internalHits, 0, "the internal server saw no request");
    assert.deepEqual((await server.call("/v1/datasets", { key: analyst })).body.data, [], "no dataset");
  });

  test("every redirect is checked before it is followed; a redirect within an allowed host still works", async () => {
    for (const [path, reason] of [
      [
        "/to-loopback",
        /redirected to http:\/\/127\.0\.0\.1:\d+\/rows\.jsonl\).*127\.0\.0\.1 is a refused address \(loopback\)/,
      ],
      [
        "/to-localhost",
        /redirected to http:\/\/localhost:\d+\/rows\.jsonl\).*localhost resolves to a refused address \(loopback\)/,
      ],
      ["/to-decimal", /127\.0\.0\.1 is a refused address \(loopback\)/],
      ["/to-ipv6", /::1 is a refused address \(loopback\)/],
      ["/to-metadata", /169\.254\.169\.254 is a refused address \(link-local, cloud metadata\)/],
      ["/to-file", /the scheme file: is not http or https/],
    ] as const) {
      const job = await importJob(`http://127.0.0.1:${R}${path}`);
      assertRefusedJob(job, reason, path);
    }
    assert.equal(internalHits, 0, "the internal server saw no request");

    // The operator's allow-list admits exactly 127.0.0.1:R, redirects within it included.
    const ok = await importJob(`http://127.0.0.1:${R}/hop`);
    assert.equal(ok.status, "succeeded", ok.error ?? "");
    const ds = await server.call(`/v1/datasets/${ok.result?.dataset}/export`, { key: analyst });
    assert.equal(ds.text.trim().split("\n").length, 2);
  });

  test("DNS answers are checked and the connection is pinned to them (no rebinding between check and connect)", async (t) => {
    let flips = 0;
    const answers: Record<string, () => string[]> = {
      // A name with a harmless address and a loopback one: refused, whichever would be tried first.
      "mixed.bulwark.test": () => ["127.0.0.2", "127.0.0.1"],
      "loopback-first.bulwark.test": () => ["127.0.0.1", "127.0.0.2"],
      // The first answer is allowed, every later one is loopback: a check that resolved
      // apart from the connection would let the connection reach 127.0.0.1.
      "rebind.bulwark.test": () => (flips++ === 0 ? ["127.0.0.2"] : ["127.0.0.1"]),
    };
    const real = dns.lookup;
    const fake = ((hostname: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
      const opts = (typeof options === "object" && options ? options : {}) as { all?: boolean };
      const answer = answers[hostname];
      if (!answer) return (real as (...args: unknown[]) => void)(hostname, options, callback);
      const all = answer().map((address) => ({ address, family: 4 }));
      if (opts.all) cb(null, all);
      else cb(null, all[0]!.address, 4);
    }) as typeof dns.lookup;
    dns.lookup = fake;
    t.after(() => {
      dns.lookup = real;
    });

    for (const host of ["mixed.bulwark.test", "loopback-first.bulwark.test"]) {
      const job = await importJob(`http://${host}:${P}/rows.jsonl`);
      assertRefusedJob(job, /resolves to a refused address \(loopback\)/, host);
    }
    // The stand-in on 127.0.0.2 listens on its own port; the first (allowed) answer reaches it.
    const rebind = await importJob(`http://rebind.bulwark.test:${S}/public.jsonl`);
    assert.equal(rebind.status, "succeeded", rebind.error ?? "");
    assert.equal(flips, 1, "one resolution, and the connection used it");
    assert.equal(internalHits, 0, "the internal server saw no request");
  });

  test("nothing of the internal page reaches job errors, job logs or server logs", async () => {
    const jobs = (await server.call("/v1/jobs?limit=200", { key: analyst })).body.data as { id: string }[];
    for (const job of jobs) {
      const logs = await server.call(`/v1/jobs/${job.id}/logs`, { key: analyst });
      assert.doesNotMatch(logs.text, new RegExp(MARKER));
    }
    assert.doesNotMatch(JSON.stringify(jobs), new RegExp(MARKER));
    assert.doesNotMatch(server.logs.join("\n"), new RegExp(MARKER));
    const datasets = await server.call("/v1/datasets", { key: analyst });
    for (const d of datasets.body.data as { ref: string }[]) {
      const exported = await server.call(`/v1/datasets/${d.ref}/export`, { key: analyst });
      assert.doesNotMatch(exported.text, new RegExp(MARKER), `${d.ref} holds internal rows`);
    }
    assert.equal(internalHits, 0);
    assert.ok(jobs.length > 5, "the attacks above left their jobs to look through");
  });

  test("bulwark data import applies the same rules (the operator allows hosts with BULWARK_IMPORT_ALLOW_HOSTS)", async () => {
    const env = { BULWARK_HOME: tempDir("bulwark-ssrf-cli-") };
    const refused = await runCli(["data", "import", `http://2130706433:${P}/rows.jsonl`, "--json"], { env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /was refused: 127\.0\.0\.1 is a refused address \(loopback\)/);
    assert.equal(JSON.parse(refused.stdout).code, "IMPORT_ADDRESS_REFUSED");
    const viaName = await runCli(["data", "import", `http://localhost:${P}/rows.jsonl`, "--retries", "0"], {
      env,
    });
    assert.equal(viaName.code, 2, viaName.stderr);
    assert.match(viaName.stderr, /localhost resolves to a refused address \(loopback\)/);
    assert.equal(internalHits, 0, "the internal server saw no request");
    const allowed = await runCli(["data", "import", `http://127.0.0.1:${P}/rows.jsonl`, "--json"], {
      env: { ...env, BULWARK_IMPORT_ALLOW_HOSTS: `127.0.0.1:${P}` },
    });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).rows, 2, "an operator's allowed host is imported from");
    internalHits = 0;
  });
});

describe("s3:// imports read only configured buckets", () => {
  if (!s3) {
    const message = "no S3 server reachable (start one with scripts/rgw/start.sh)";
    if (process.env.BULWARK_REQUIRE_SERVICES === "1")
      test("S3 server is required", () => assert.fail(message));
    else test("s3:// bucket limits", { skip: message }, () => undefined);
    return;
  }
  test("a bucket the host's credentials can read is refused unless the operator listed it", async () => {
    const settings = { ...s3, forcePathStyle: true };
    const other = new S3ObjectStore({ bucket: buckets.other, ...settings });
    const allowed = new S3ObjectStore({ bucket: buckets.allowed, ...settings });
    try {
      await other.init();
      await other.put("private/rows.jsonl.gz", gzipSync(internalPage));
      await allowed.init();
      await allowed.put("private/rows.jsonl.gz", gzipSync(publicPage));
      const before = await jobCount();
      const r = await server.call("/v1/datasets/import", {
        key: analyst,
        json: { sources: [`s3://${buckets.other}/private/`] },
      });
      assertError(
        r,
        400,
        "IMPORT_BUCKET_REFUSED",
        /s3:\/\/bw-ssrf-other-.* was refused: .*BULWARK_IMPORT_S3_BUCKETS/,
      );
      assert.doesNotMatch(r.text, new RegExp(MARKER));
      assert.equal(await jobCount(), before, "no job was queued");

      const listed = await importJob(`s3://${buckets.allowed}/private/`);
      assert.equal(listed.status, "succeeded", listed.error ?? "");
    } finally {
      await other.close();
      await allowed.close();
    }
  });
});
