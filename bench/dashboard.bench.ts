/**
 * The dashboard's first page in Debian's Chromium against a real server on loopback:
 * from navigation to interactive (the sign-in form ready for typing; after sign-in, the
 * overview with its charts drawn), each load in a fresh browser context (empty cache),
 * median and worst of N. And the JavaScript the first page loads, gzipped.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Writable } from "node:stream";
import { loadConfig } from "../src/core/config.js";
import { loadServiceSettings } from "../src/app/settings.js";
import { DASHBOARD_ROOT } from "../src/server/routes/dashboard.js";
import { createServerLogger, startServer } from "../src/server/start.js";
import { browserMissing, launch } from "../test/dashboard/browser.js";
import { markdownTable, percentile } from "./util.js";

const N = Number(process.env.BULWARK_BENCH_N ?? 15);

const missing = browserMissing();
if (missing) {
  console.log(`dashboard bench skipped: ${missing}`);
  process.exit(0);
}

// The JavaScript and CSS index.html loads, raw and gzipped.
const shell = readFileSync(join(DASHBOARD_ROOT, "index.html"), "utf8");
const files = [...shell.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
const sizes = files.map((f) => {
  const bytes = readFileSync(join(DASHBOARD_ROOT, "assets", f));
  return { f, raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
});
const allJs = readdirSync(join(DASHBOARD_ROOT, "assets")).filter((f) => f.endsWith(".js"));

const home = mkdtempSync(join(tmpdir(), "bulwark-dashboard-bench-"));
const env = {
  BULWARK_HOME: home,
  BULWARK_PORT: "0",
  BULWARK_HOST: "127.0.0.1",
  // Every load signs in afresh: more sign-ins than the default login budget allows.
  BULWARK_RATE_LIMIT_LOGIN: "1000",
};
let admin: { username: string; password: string } | undefined;
const server = await startServer({
  config: loadConfig(env),
  settings: loadServiceSettings(env),
  env,
  logger: createServerLogger(new Writable({ write: (_c, _e, done) => done() }), { level: "warn" }),
  onFirstAdmin: (c) => (admin = c),
  timers: false,
});
const browser = await launch();

async function timeLoads(signedIn: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    if (signedIn) {
      // Sign in through the API in this context, so the load below starts with the cookies.
      const r = await page.request.post(`${server.url}/v1/session`, { data: admin });
      if (!r.ok()) throw new Error(`sign-in failed: ${r.status()}`);
    }
    const start = performance.now();
    await page.goto(`${server.url}/`);
    if (signedIn) {
      await page.getByRole("heading", { name: "Service health" }).waitFor();
      await page.locator(".uplot, .chart .muted").first().waitFor();
    } else {
      await page.getByLabel("Username").waitFor();
    }
    const ms = performance.now() - start;
    if (i > 0) times.push(ms); // the first load warms the server, not the browser
    await context.close();
  }
  return times.sort((a, b) => a - b);
}

const signIn = await timeLoads(false);
const overview = await timeLoads(true);
await browser.close();
await server.close();
rmSync(home, { recursive: true, force: true });

const row = (name: string, t: number[]) => [
  name,
  t.length,
  percentile(t, 0.5).toFixed(0),
  t.at(-1)!.toFixed(0),
];
console.log(
  `First-page load in Chromium, ${N} times each (fresh context, empty cache, loopback server), ` +
    `from navigation to interactive:\n`,
);
console.log(
  markdownTable(
    ["page", "loads", "median ms", "worst ms"],
    [row("sign-in", signIn), row("overview (signed in, charts drawn)", overview)],
  ),
);
console.log("");
console.log(
  markdownTable(
    ["file the first page loads", "bytes", "gzipped"],
    [
      ...sizes.map((s) => [s.f, s.raw, s.gz]),
      [
        "JavaScript total",
        sizes.filter((s) => s.f.endsWith(".js")).reduce((a, s) => a + s.raw, 0),
        sizes.filter((s) => s.f.endsWith(".js")).reduce((a, s) => a + s.gz, 0),
      ],
    ],
  ),
);
console.log(
  `\n(${allJs.length} JavaScript file(s) in the build; the budget is 250 KB gzipped for the first page.)`,
);
process.exit(0);
