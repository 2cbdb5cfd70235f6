/**
 * The layer rule, enforced by `npm run lint`: a folder of src/ imports only from folders
 * of a lower layer (and from itself). Folders of the same layer do not import each other,
 * so no cycle between folders can form; `circular` forbids cycles between files too.
 * The order is explained in README.md ("Architecture"); change it there and here together.
 */
const LAYERS = [
  ["core"], //                                      config, errors, logging, ids, random; imports nothing
  ["db", "storage", "text", "privacy"], //           foundations over one concern each; privacy: PII found and redacted
  ["audit", "detect"], //                            the audit trail; detectors, rules, ensemble
  ["data"], //                                       dataset format, validation, import, export
  ["train"], //                                      trainers, metrics, experiment runs
  ["registry"], //                                   model versions, stages, integrity, lineage
  ["redteam", "feedback"], //                        attacks and hard negatives; users' reports
  ["analytics"], //                                  events, aggregates, drift, reports
  ["learn", "retention", "backup"], //               the champion/challenger loop; expiry, erasure, access; database backups
  ["jobs"], //                                       queues and the job handlers
  ["app"], //                                        the application composed from configuration
  ["server", "dashboard"], //                        HTTP shell
  ["cli"], //                                        command shell (starts the server)
];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const all = [...rank.keys()];

const upward = all.map((folder) => {
  const allowed = all.filter((other) => other === folder || rank.get(other) < rank.get(folder));
  return {
    name: `layer-${folder}`,
    comment: `src/${folder} may import only from ${allowed.map((f) => `src/${f}`).join(", ")} (see README, Architecture)`,
    severity: "error",
    from: { path: `^src/${folder}/` },
    to: { path: "^src/", pathNot: `^src/(${allowed.join("|")})/` },
  };
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "unknown-folder",
      comment: "every folder of src/ has a layer: add a new one to LAYERS in .dependency-cruiser.cjs",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^src/[^/]+/", pathNot: `^src/(${all.join("|")})/` },
    },
    {
      name: "library-entry",
      comment:
        "src/index.ts is the detection library: nothing it loads may reach the application, training, a database driver, the AWS SDK, a queue or the schema library",
      severity: "error",
      from: { path: "^src/index\\.ts$" },
      to: {
        path: [
          "^src/(db|storage|audit|data|train|registry|learn|jobs|app|server|cli)/",
          "^node_modules/(@aws-sdk|better-sqlite3|pg|kysely|bullmq|ioredis|fastify|@sinclair/typebox)",
        ],
        reachable: true,
      },
    },
    {
      name: "no-circular",
      comment: "import cycles between files make load order and layering unclear",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports count too: a type from a higher layer is still an upward dependency.
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
