import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import { tempDir } from "../helpers/tmp.js";
import { assertError, keyFor, startTestServer } from "./helpers.js";

describe("health, readiness, metrics, docs, headers", async () => {
  const server = await startTestServer({ env: { BULWARK_METRICS_TOKEN: "metrics-secret-123" } });

  test("/health and /ready answer without credentials", async () => {
    const h = await server.call("/health");
    assert.equal(h.status, 200);
    assert.equal(h.body.data.status, "ok");
    const r = await server.call("/ready");
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.data.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]),
      [
        ["database", true],
        ["store", true],
        ["model", true],
      ],
    );
  });

  test("/ready says 503 with the failing check when the database is gone", async () => {
    const original = server.ctx.readiness[0]!;
    server.ctx.readiness[0] = {
      name: "database",
      check: () => Promise.reject(new Error("connection refused")),
    };
    try {
      const r = await server.call("/ready");
      assertError(r, 503, "NOT_READY", /database/);
    } finally {
      server.ctx.readiness[0] = original;
    }
  });

  test("/metrics wants the metrics token when one is configured", async () => {
    for (const token of [undefined, "wrong"]) {
      const refused = await server.call("/metrics", token ? { token } : {});
      assertError(refused, 401, "UNAUTHENTICATED", /the metrics token is missing or wrong/, String(token));
      assert.doesNotMatch(refused.text, /bulwark_http_requests_total/, "no metrics are shown");
    }
    const m = await server.call("/metrics", { token: "metrics-secret-123" });
    assert.equal(m.status, 200);
    assert.match(m.headers.get("content-type") ?? "", /text\/plain/);
    for (const name of [
      "bulwark_http_requests_total",
      "bulwark_http_request_duration_seconds",
      "bulwark_model_info",
      "bulwark_jobs",
      "bulwark_storage_operations_total",
      "bulwark_auth_failures_total",
      "bulwark_process_cpu_seconds_total",
    ]) {
      assert.match(m.text, new RegExp(`# TYPE ${name} `), name);
    }
    assert.match(m.text, /bulwark_jobs\{state="queued"\} 0/);
    assert.match(m.text, /bulwark_storage_operations_total\{operation="list",outcome="ok"\} [1-9]/);
  });

  test("everything else needs credentials, unknown routes included", async () => {
    for (const path of ["/v1/jobs", "/v1/nothing-here", "/docs", "/docs/json"]) {
      const r = await server.call(path);
      assertError(r, 401, "UNAUTHENTICATED", /credentials are required/, path);
    }
    const known = await server.call("/v1/nothing-here", { key: server.adminKey });
    assertError(known, 404, "NOT_FOUND", /no route GET \/v1\/nothing-here/);
  });

  test("the OpenAPI document describes the API; the docs accept Basic for browsers", async () => {
    const doc = await server.call("/docs/json", { key: server.adminKey });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, "3.0.3");
    for (const path of [
      "/v1/detect",
      "/v1/detect/batch",
      "/v1/scan",
      "/v1/auth/login",
      "/v1/users",
      "/v1/keys",
      "/v1/audit",
      "/v1/jobs",
      "/v1/storage/objects",
    ]) {
      assert.ok(doc.body.paths[path], path);
    }
    const detect = doc.body.paths["/v1/detect"].post;
    assert.ok(detect.requestBody.content["application/json"].schema.properties.text);
    assert.ok(doc.body.components.securitySchemes.bearer);
    const docs401 = await server.call("/docs");
    assertError(docs401, 401, "UNAUTHENTICATED");
    assert.match(docs401.headers.get("www-authenticate") ?? "", /^Basic/);
    const basic = Buffer.from(`admin:${server.admin.password}`).toString("base64");
    const ui = await server.call("/docs/static/index.html", { headers: { authorization: `Basic ${basic}` } });
    assert.equal(ui.status, 200);
    assert.match(ui.text, /swagger/i);
    const client = await keyFor(server, "client", "docs-reader");
    const viaKey = Buffer.from(`any:${client}`).toString("base64");
    assert.equal(
      (await server.call("/docs/json", { headers: { authorization: `Basic ${viaKey}` } })).status,
      200,
    );
  });

  test("broken HTTP gets the error envelope too, and the server keeps serving", async () => {
    const raw = (bytes: string) =>
      new Promise<string>((resolve) => {
        const u = new URL(server.url);
        const socket = connect(Number(u.port), u.hostname);
        let data = "";
        socket.on("data", (d: Buffer) => (data += d.toString()));
        socket.on("close", () => resolve(data));
        socket.write(bytes);
      });
    const garbage = await raw("GARBAGE\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(garbage.slice(garbage.indexOf("\r\n\r\n") + 4)).code, "BAD_REQUEST");
    const huge = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"h".repeat(20_000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.match(huge, /"code":"HEADERS_TOO_LARGE"/);
    assert.equal((await server.call("/health")).status, 200);
  });

  test("security headers are set and requests carry an id", async () => {
    const r = await server.call("/health", { headers: { "x-request-id": "trace-abc-123" } });
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("x-frame-options"), "SAMEORIGIN");
    assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    assert.equal(r.headers.get("x-request-id"), "trace-abc-123");
    const odd = await server.call("/health", { headers: { "x-request-id": "has spaces and\ttabs" } });
    assert.match(odd.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.get("x-powered-by"), null);
  });
});

describe("TLS", async () => {
  const dir = tempDir("bulwark-tls-");
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const server = await startTestServer({ env: { BULWARK_TLS_CERT: cert, BULWARK_TLS_KEY: key } });

  test("serves HTTPS with HSTS when a certificate and key are configured", async () => {
    assert.match(server.url, /^https:\/\//);
    const { status, hsts, body } = await new Promise<{
      status: number;
      hsts: string | undefined;
      body: string;
    }>((resolve, reject) => {
      const req = request(`${server.url}/health`, { ca: execFileSync("cat", [cert]) }, (res) => {
        let data = "";
        res.on("data", (d: Buffer) => (data += d.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            hsts: res.headers["strict-transport-security"] as string | undefined,
            body: data,
          }),
        );
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 200);
    assert.match(hsts ?? "", /max-age=31536000/);
    assert.equal(JSON.parse(body).data.status, "ok");
  });
});
