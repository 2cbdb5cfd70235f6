/**
 * The rules behind the SSRF and URL-secret tests, as tables: which addresses an import
 * may not reach (every spelling the URL parser and the resolver can produce), which host
 * entries an operator can allow, and what the one masking function leaves of a URL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { redactDeep, redactText, redactUrl } from "../../src/core/redact.js";
import { refusedRange } from "../../src/data/import/addresses.js";
import { checkUrl, hostAllowed, normaliseHostEntry } from "../../src/data/import/policy.js";
import type { BulwarkError } from "../../src/core/errors.js";

test("refused address ranges, and the IPv6 forms that carry a refused IPv4 address", () => {
  const refused: [string, RegExp][] = [
    ["127.0.0.1", /^loopback$/],
    ["127.255.255.254", /^loopback$/],
    ["0.0.0.0", /^unspecified$/],
    ["10.1.2.3", /RFC 1918/],
    ["172.31.255.255", /RFC 1918/],
    ["192.168.0.1", /RFC 1918/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["100.100.100.200", /carrier-grade NAT/], // Alibaba Cloud metadata
    ["169.254.169.254", /link-local, cloud metadata/], // AWS, GCP, Azure, OpenStack metadata
    ["169.254.170.2", /link-local/], // ECS task metadata
    ["224.0.0.1", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["::", /^unspecified$/],
    ["::1", /^loopback$/],
    ["fd00:ec2::254", /unique-local, cloud metadata/], // AWS metadata over IPv6
    ["fc00::1", /unique-local/],
    ["fe80::1", /link-local/],
    ["ff02::1", /multicast/],
    ["::ffff:127.0.0.1", /loopback, in IPv4-mapped form/],
    ["::ffff:7f00:1", /loopback, in IPv4-mapped form/],
    ["::ffff:a9fe:a9fe", /cloud metadata, in IPv4-mapped form/],
    ["::ffff:0:a00:1", /RFC 1918, in IPv4-translated form/],
    ["::7f00:1", /loopback, in IPv4-compatible form/],
    ["64:ff9b::a9fe:a9fe", /cloud metadata, in NAT64 form/],
    ["2002:7f00:1::", /loopback, in 6to4 form/],
    ["[::1]", /^loopback$/],
    ["not-an-address", /not an IP address/],
  ];
  for (const [address, reason] of refused) assert.match(String(refusedRange(address)), reason, address);
  for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
    assert.equal(refusedRange(address), undefined, address);
});

test("addresses written in URLs are refused in every spelling; allowed hosts pass", () => {
  const policy = { allowHosts: ["data.internal", "10.0.0.5:8443", "[fd00::5]"], s3Buckets: [] };
  const refused = (raw: string) =>
    assert.throws(
      () => checkUrl(new URL(raw), policy),
      (err: BulwarkError) => err.code === "IMPORT_ADDRESS_REFUSED",
      raw,
    );
  for (const raw of [
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://10.0.0.5/", // allowed only on 8443
    "http://[fd00::6]/",
    "ftp://example.org/data.jsonl",
  ])
    refused(raw);
  for (const raw of [
    "https://example.org/x.jsonl",
    "http://data.internal:9000/",
    "https://10.0.0.5:8443/",
    "http://[fd00::5]:81/",
  ]) {
    checkUrl(new URL(raw), policy);
    assert.equal(hostAllowed(new URL(raw), policy), raw !== "https://example.org/x.jsonl", raw);
  }
  assert.equal(normaliseHostEntry(" Data.Internal. "), "data.internal");
  assert.equal(normaliseHostEntry("127.0.0.1:80"), "127.0.0.1:80");
  assert.equal(normaliseHostEntry("[0:0::1]:8080"), "[::1]:8080");
  assert.throws(() => normaliseHostEntry("http://x/"), /not a host or host:port/);
});

test("one masking function: user info and credential-looking parameters, in URLs and in any text", () => {
  assert.equal(
    redactUrl("https://alice:s3cret@feed.example/x.jsonl?token=abc&label=1&X-Amz-Signature=zz#frag"),
    "https://****:****@feed.example/x.jsonl?token=****&label=1&X-Amz-Signature=****",
  );
  assert.equal(redactUrl("https://ghp_abc@feed.example/x"), "https://****@feed.example/x");
  assert.equal(redactUrl("https://feed.example/x?lang=en"), "https://feed.example/x?lang=en");
  assert.equal(
    redactText('fetch "http://bob:pw@10.0.0.1/a?api_key=k1&n=2" failed; see https://x.example/?sig=abc'),
    'fetch "http://****:****@10.0.0.1/a?api_key=****&n=2" failed; see https://x.example/?sig=****',
  );
  assert.deepEqual(redactDeep({ sources: ["http://u:p@h/?password=x"], n: 1 }), {
    sources: ["http://****:****@h/?password=****"],
    n: 1,
  });
});
