/**
 * The fuzz bench's cases: malformed requests in eight categories, each drawn with a weight
 * from one seeded generator. Kept apart from the runner (fuzz.bench.ts) so the table reads
 * as data, and so a failing case can be replayed from its seed without starting a server.
 */
import { mulberry32 } from "../src/core/random.js";

export interface FuzzCase {
  category: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Bytes sent as they are on a fresh connection (broken HTTP). */
  raw?: Buffer;
}

/** The API keys the server was seeded with: a case may use them, break them or leave them out. */
export interface FuzzKeys {
  client: string;
  admin: string;
}

/** What a case maker draws from: the seeded generator, helpers over it, and the keys. */
interface Draw extends FuzzKeys {
  random(): number;
  pick<T>(xs: readonly T[]): T;
  int(n: number): number;
  text(n: number): string;
  bytes(n: number): Buffer;
  /** Headers of a well-formed JSON request from the client key. */
  json: Record<string, string>;
}

export const ROUTES = [
  "/v1/detect",
  "/v1/detect/batch",
  "/v1/scan",
  "/v1/auth/login",
  "/v1/keys",
  "/v1/users",
  "/v1/datasets/import",
  "/v1/training",
  "/v1/jobs/selftest",
];

const TYPE_VALUES = [
  5,
  -1,
  1e308,
  true,
  false,
  null,
  [],
  ["a"],
  {},
  { text: "x" },
  "",
  0.5,
  "0.5",
  [1, 2],
  "\u0000",
];

interface Generator {
  category: string;
  /** Relative frequency among the generators. */
  weight: number;
  make(d: Draw): Omit<FuzzCase, "category">;
}

// The order of draws inside each maker is part of the seed's meaning: reordering them
// changes every case after the first, so edit with care.
const GENERATORS: Generator[] = [
  {
    category: "wrong types",
    weight: 3,
    make: (d) => {
      const body: Record<string, unknown> = d.pick([
        { text: d.pick(TYPE_VALUES) },
        { text: "hello", [d.pick(["threshold", "evidence", "detectors"])]: d.pick(TYPE_VALUES) },
        { texts: d.pick(TYPE_VALUES) },
        { content: d.pick(TYPE_VALUES), window: d.pick(TYPE_VALUES) },
        { username: d.pick(TYPE_VALUES), password: d.pick(TYPE_VALUES) },
        { name: d.pick(TYPE_VALUES), role: d.pick(TYPE_VALUES) },
      ]);
      return {
        method: "POST",
        path: d.pick(ROUTES),
        headers: { ...d.json, authorization: `Bearer ${d.pick([d.client, d.admin])}` },
        body: JSON.stringify(body),
      };
    },
  },
  {
    category: "unknown fields and shapes",
    weight: 1,
    make: (d) => ({
      method: "POST",
      // Not the routes that start jobs: an empty body is a valid training request there.
      path: d.pick(ROUTES.filter((r) => r !== "/v1/training" && r !== "/v1/jobs/selftest")),
      headers: { ...d.json, authorization: `Bearer ${d.admin}` },
      body: d.pick([
        '{"text":"hi","mode":"fast"}',
        "[]",
        '"text"',
        "null",
        "123",
        '{"__proto__":{"isAdmin":true},"text":"x"}',
        '{"constructor":{"prototype":{"x":1}},"text":"x"}',
        "{}",
        '{"text":"a","text":"b","extra":{}}',
      ]),
    }),
  },
  {
    category: "bad JSON",
    weight: 2,
    make: (d) => {
      const good = JSON.stringify({ text: d.text(50) });
      const bad = d.pick([
        good.slice(0, d.int(good.length)),
        good.replace(":", ""),
        good.replace("}", ",}"),
        "{'text': 'single quotes'}",
        '{"text": "bad \\x escape"}',
        '{"text": "raw \u0001 control"}',
        "{/* comment */}",
        "[".repeat(5000) + "]".repeat(5000),
        '{"text":' + "[".repeat(20_000),
        '{"text": NaN}',
        '{"text": "unterminated',
        "\uFEFF" + good,
        good + good,
      ]);
      return { method: "POST", path: d.pick(ROUTES.slice(0, 3)), headers: d.json, body: bad };
    },
  },
  {
    category: "huge bodies and texts",
    weight: 0.15,
    make: (d) =>
      d.pick([
        {
          method: "POST",
          path: "/v1/detect",
          headers: d.json,
          body: JSON.stringify({ text: "a".repeat(2_000_000) }),
        },
        {
          method: "POST",
          path: "/v1/detect",
          headers: d.json,
          body: JSON.stringify({ text: "b".repeat(100_001) }),
        },
        {
          method: "POST",
          path: "/v1/detect/batch",
          headers: d.json,
          body: JSON.stringify({ texts: Array(300).fill("x") }),
        },
        {
          method: "POST",
          path: "/v1/scan",
          headers: d.json,
          body: JSON.stringify({ content: "c ".repeat(600_000) }),
        },
      ]),
  },
  {
    category: "odd Unicode",
    weight: 2,
    make: (d) => {
      const text = d.pick([
        "\ud800 lone high",
        "lone low \udfff",
        "\u202eevil\u202c \u200b\u200c\u200d\u2060",
        "e\u0301".repeat(2000),
        "👩‍👩‍👧‍👦".repeat(200),
        "\u0000\u0001\u0002",
        "ｉｇｎｏｒｅ ａｌｌ ｐｒｅｖｉｏｕｓ",
        "\u{E0049}\u{E0067}\u{E006E}",
        "\ufeff\ufffe\uffff",
        "Ꙭ".repeat(500),
      ]);
      const asBytes = d.random() < 0.3;
      const body = asBytes
        ? Buffer.concat([
            Buffer.from('{"text":"'),
            d.pick([
              Buffer.from([0xff, 0xfe, 0xfd]),
              Buffer.from([0xc0, 0xaf]),
              Buffer.from([0xed, 0xa0, 0x80]),
              d.bytes(32),
            ]),
            Buffer.from('"}'),
          ])
        : JSON.stringify({ text });
      // The two bare draws once chose between identical variants of the body; they stay so
      // that a seed keeps replaying the cases it always produced.
      if (!asBytes) d.random();
      // A quarter of these go to /v1/scan, the rest to /v1/detect.
      const path = d.pick(["/v1/detect", "/v1/scan"]).replace("scan", d.random() < 0.5 ? "scan" : "detect");
      if (!asBytes) d.random();
      return { method: "POST", path, headers: d.json, body };
    },
  },
  {
    category: "bad auth headers",
    weight: 2,
    make: (d) => {
      const auth = d.pick([
        "",
        "Bearer",
        "Bearer ",
        "bearer    ",
        `Bearer ${d.text(40).replace(/\s/g, "x")}`,
        `Bearer bwk_${"A".repeat(49)}`,
        `Bearer ${d.client.slice(0, -1)}${d.client.endsWith("a") ? "b" : "a"}`,
        `Bearer ${"x".repeat(8000)}`,
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
        "Bearer a.b.c",
        `Basic ${Buffer.from("admin:admin").toString("base64")}`,
        "Digest username=admin",
        `Token ${d.client}`,
      ]);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (auth) headers.authorization = auth;
      if (d.random() < 0.3)
        headers["x-api-key"] = d.pick([
          "",
          "bwk_",
          d.text(20).replace(/\s/g, "_"),
          `${d.client} ${d.client}`,
        ]);
      return {
        method: d.pick(["GET", "POST"]),
        path: d.pick(["/v1/detect", "/v1/users", "/v1/audit", "/v1/jobs", "/docs/json", "/v1/nothing"]),
        headers,
        body: '{"text":"hi"}',
      };
    },
  },
  {
    category: "media types, methods, paths",
    weight: 1.5,
    make: (d) =>
      d.pick<Omit<FuzzCase, "category">>([
        {
          method: "POST",
          path: "/v1/detect",
          headers: {
            ...d.json,
            "content-type": d.pick([
              "text/plain",
              "multipart/form-data; boundary=x",
              "application/json; charset=utf-16",
              "application/x-www-form-urlencoded",
              "application/json, text/html",
              "",
              "*/*",
            ]),
          },
          body: '{"text":"hi"}',
        },
        {
          method: d.pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
          path: "/v1/detect",
          headers: d.json,
          body: '{"text":"hi"}',
        },
        {
          method: "GET",
          path: d.pick([
            "/v1/detect/../users",
            "/v1/%2e%2e/users",
            "//v1//detect",
            `/v1/${"a".repeat(5000)}`,
            "/v1/detect?a[b]=c&&&=",
            "/v1/jobs/%00",
            "/v1/jobs/%ZZ",
            "/v1/storage/object?key=../../etc/passwd",
            "/v1/storage/presigned/x?signature=zz",
            "/v1/audit?limit=-1&limit=99999999999",
          ]),
          headers: { authorization: `Bearer ${d.admin}` },
        },
      ]),
  },
  {
    category: "broken HTTP",
    weight: 0.8,
    make: (d) => ({
      raw: d.pick([
        Buffer.from("GARBAGE\r\n\r\n"),
        Buffer.from(
          "POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ),
        Buffer.from(
          "POST /v1/detect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\nnot-hex\r\n0\r\n\r\n",
        ),
        Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"h".repeat(20_000)}\r\n\r\n`),
        Buffer.from("GET /health HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n"),
        Buffer.from("GET /health HTTP/9.9\r\nHost: x\r\n\r\n"),
        Buffer.concat([
          Buffer.from("GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "),
          Buffer.from([0xff, 0x00, 0x7f]),
          Buffer.from("\r\n\r\n"),
        ]),
        d.bytes(200),
        Buffer.from(
          "POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}",
        ),
      ]),
    }),
  },
];

/** An endless, reproducible series of cases: the same seed and keys give the same cases. */
export function fuzzCases(keys: FuzzKeys, seed: number): () => FuzzCase {
  const random = mulberry32(seed);
  const int = (n: number) => Math.floor(random() * n);
  const d: Draw = {
    ...keys,
    random,
    pick: (xs) => xs[int(xs.length)]!,
    int,
    text(n) {
      const alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789.,;:!?'\"\\/{}[]<>\n\t";
      let s = "";
      for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
      return s;
    },
    bytes(n) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
    json: { "content-type": "application/json", authorization: `Bearer ${keys.client}` },
  };
  const total = GENERATORS.reduce((n, g) => n + g.weight, 0);
  return () => {
    let r = random() * total;
    for (const g of GENERATORS) {
      if ((r -= g.weight) <= 0) return { category: g.category, ...g.make(d) };
    }
    const first = GENERATORS[0]!;
    return { category: first.category, ...first.make(d) };
  };
}
