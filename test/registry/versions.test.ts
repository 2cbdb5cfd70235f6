import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshotRetention } from "../../src/app/registry-settings.js";
import { bumpVersion, compareVersions, parseModelRef, parseVersion } from "../../src/registry/versions.js";

test("semantic versions parse, compare and bump", () => {
  assert.deepEqual(parseVersion("1.10.3"), { major: 1, minor: 10, patch: 3 });
  assert.ok(compareVersions(parseVersion("1.10.0"), parseVersion("1.9.9")) > 0);
  assert.deepEqual(bumpVersion(undefined), { major: 1, minor: 0, patch: 0 });
  assert.deepEqual(bumpVersion(parseVersion("1.2.3")), { major: 1, minor: 3, patch: 0 });
  assert.deepEqual(bumpVersion(parseVersion("1.2.3"), "major"), { major: 2, minor: 0, patch: 0 });
  assert.deepEqual(bumpVersion(parseVersion("1.2.3"), "patch"), { major: 1, minor: 2, patch: 4 });
  for (const bad of ["1.2", "v1.2.3", "01.2.3", "1.2.3-rc1", ""])
    assert.throws(() => parseVersion(bad), /must be a semantic version like 1\.2\.0/, bad);
});

test("model references", () => {
  assert.deepEqual(parseModelRef("builtin"), { name: "builtin", selector: undefined });
  assert.deepEqual(parseModelRef("builtin@1.2.0"), { name: "builtin", selector: "1.2.0" });
  assert.deepEqual(parseModelRef("guard.v2@production"), { name: "guard.v2", selector: "production" });
  assert.throws(() => parseModelRef("Builtin"), /model name "Builtin" must be/);
  assert.throws(() => parseModelRef("builtin@"), /give a version after "@"/);
});

test("snapshot retention comes from the environment, else the defaults", () => {
  assert.deepEqual(snapshotRetention({ configFile: undefined }, {}), { mode: "GOVERNANCE", days: 365 });
  assert.deepEqual(
    snapshotRetention(
      { configFile: undefined },
      { BULWARK_SNAPSHOT_LOCK_MODE: "compliance", BULWARK_SNAPSHOT_RETENTION_DAYS: "30" },
    ),
    { mode: "COMPLIANCE", days: 30 },
  );
  assert.throws(
    () => snapshotRetention({ configFile: undefined }, { BULWARK_SNAPSHOT_LOCK_MODE: "forever" }),
    /governance or compliance/,
  );
  assert.throws(
    () => snapshotRetention({ configFile: undefined }, { BULWARK_SNAPSHOT_RETENTION_DAYS: "0" }),
    /at least 1/,
  );
});
