/**
 * The Kubernetes example in deploy/k8s/: every manifest parses, the API runs two replicas
 * with readiness on /ready and liveness on /health (the routes src/server/routes/health.ts
 * serves) on a port the container declares, the Service and the PodDisruptionBudget select
 * exactly the API pods, the worker runs `bulwark worker`, both take their settings from the
 * ConfigMap and a Secret they only reference, and both run as the image's non-root user.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { filesIn, readText, readYamlDocuments } from "./files.js";

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    minAvailable?: number;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
        volumes?: { name: string }[];
      };
    };
    ports?: { targetPort: string | number }[];
  };
  data?: Record<string, string>;
}

const manifests = filesIn("deploy/k8s", ".yaml", ".yml").flatMap((f) =>
  readYamlDocuments(f).map((d) => ({ file: f, doc: d as Manifest })),
);
const all = manifests.map((m) => m.doc);
const one = (kind: string, name: string) => {
  const found = all.filter((d) => d.kind === kind && d.metadata.name === name);
  assert.equal(found.length, 1, `${kind}/${name}`);
  return found[0]!;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

test("every manifest parses, with a kind, an apiVersion and the bulwark namespace", () => {
  assert.deepEqual(all.map((d) => d.kind).sort(), [
    "ConfigMap",
    "Deployment",
    "Deployment",
    "Namespace",
    "PodDisruptionBudget",
    "Service",
  ]);
  for (const { file, doc } of manifests) {
    assert.ok(doc.apiVersion, file);
    if (doc.kind !== "Namespace") assert.equal(doc.metadata.namespace, "bulwark", `${file} ${doc.kind}`);
  }
  // No Secret is checked in: it is created by hand (configmap.yaml says how).
  assert.ok(!all.some((d) => d.kind === "Secret"));
});

test("the API: two replicas, ready on /ready, alive on /health, on the declared port", () => {
  const api = one("Deployment", "bulwark-api");
  assert.equal(api.spec!.replicas, 2);
  const [c] = api.spec!.template!.spec.containers;
  assert.ok(c);
  assert.deepEqual(c.args.slice(0, 3), ["serve", "--host", "0.0.0.0"]);
  const port = c.ports!.find((p) => p.name === "http")!;
  assert.equal(port.containerPort, 8000);
  assert.equal(c.readinessProbe?.httpGet?.path, "/ready");
  assert.equal(c.livenessProbe?.httpGet?.path, "/health");
  assert.equal(c.startupProbe?.httpGet?.path, "/health");
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe])
    assert.equal(probe?.httpGet?.port, "http");
  // The routes the probes ask are the ones the server has.
  const health = readText("src/server/routes/health.ts");
  assert.match(health, /"\/health"/);
  assert.match(health, /"\/ready"/);
});

test("the Service and the PodDisruptionBudget select exactly the API pods", () => {
  const api = one("Deployment", "bulwark-api");
  const worker = one("Deployment", "bulwark-worker");
  const apiLabels = api.spec!.template!.metadata.labels;
  const workerLabels = worker.spec!.template!.metadata.labels;
  assert.ok(matches(api.spec!.selector!.matchLabels!, apiLabels));
  const service = one("Service", "bulwark-api");
  const { ports, selector } = service.spec! as {
    ports: { targetPort: string }[];
    selector: Record<string, string>;
  };
  assert.ok(matches(selector, apiLabels) && !matches(selector, workerLabels));
  assert.equal(ports[0]!.targetPort, "http");
  const pdb = one("PodDisruptionBudget", "bulwark-api");
  assert.equal(pdb.apiVersion, "policy/v1");
  assert.equal(pdb.spec!.minAvailable, 1);
  assert.ok(
    matches(pdb.spec!.selector!.matchLabels!, apiLabels) &&
      !matches(pdb.spec!.selector!.matchLabels!, workerLabels),
  );
});

test("the worker runs `bulwark worker`; both read the ConfigMap and a Secret, as the image's non-root user", () => {
  const worker = one("Deployment", "bulwark-worker");
  const [w] = worker.spec!.template!.spec.containers;
  assert.deepEqual(w!.args, ["worker"]);
  assert.equal(w!.readinessProbe, undefined, "the worker serves no HTTP");
  const configMap = one("ConfigMap", "bulwark-config");
  assert.ok(configMap.data!.MINIO_ENDPOINT && configMap.data!.BULWARK_OBJECT_LOCK === "true");
  const uid = Number(/^USER (\d+)/m.exec(readText("Dockerfile"))![1]);
  for (const name of ["bulwark-api", "bulwark-worker"]) {
    const spec = one("Deployment", name).spec!.template!.spec;
    const c = spec.containers[0]!;
    assert.deepEqual(
      c.envFrom!.map((e) => e.configMapRef?.name ?? e.secretRef?.name),
      ["bulwark-config", "bulwark-secrets"],
    );
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.equal(spec.securityContext?.runAsUser, uid);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    // A read-only root needs writable BULWARK_HOME and /tmp, each a declared volume.
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    const volumes = new Set(spec.volumes!.map((v) => v.name));
    const paths = c.volumeMounts!.filter((m) => volumes.has(m.name)).map((m) => m.mountPath);
    assert.deepEqual(paths.sort(), ["/tmp", "/var/lib/bulwark"]);
  }
});
