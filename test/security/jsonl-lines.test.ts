/**
 * Long JSONL lines: a line is split in time linear in its length and held to a limit
 * (BULWARK_MAX_LINE_BYTES). A line past it stops the read with LINE_TOO_LONG naming the file
 * and line, in the library, in `bulwark data validate` and `bulwark data import` (which
 * leave no dataset behind), and in an import job reading an upload. Lines that fit, and
 * CRLF or UTF-8 characters cut by a chunk boundary, read as before.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { emptySummary, readData } from "../../src/data/formats.js";
import { DEFAULT_MAX_LINE_BYTES } from "../../src/data/lines.js";
import type { BulwarkError } from "../../src/core/errors.js";
import type { Sample } from "../../src/data/sample.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";
import { keyFor, startTestServer, type TestServer } from "../server/helpers.js";

const dir = tempDir("bulwark-lines-");
const row = (text: string, label: 0 | 1 = 0) =>
  JSON.stringify({ text, label, category: label ? "prompt_injection" : "benign", source: "t" });

/** The bytes as a stream cut into chunks of `size` bytes. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function readAll(
  bytes: Buffer,
  options: { chunk?: number; maxLineBytes?: number } = {},
): Promise<{ rows: Sample[]; bytesRead: number }> {
  const summary = emptySummary();
  const rows: Sample[] = [];
  const stream = chunked(bytes, options.chunk ?? 65_536);
  const limit = options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes };
  for await (const s of readData(stream, "big.jsonl", limit, summary)) rows.push(s);
  return { rows, bytesRead: summary.bytes };
}

function refusedAt(line: number, limit: number) {
  return (err: BulwarkError) => {
    assert.equal(err.code, "LINE_TOO_LONG", err.message);
    assert.equal(err.status, 413);
    assert.match(
      err.message,
      new RegExp(`^big\\.jsonl:${line}: line is longer than the limit of ${limit} bytes`),
    );
    assert.match(err.message, /BULWARK_MAX_LINE_BYTES/);
    return true;
  };
}

describe("JSONL line limit", () => {
  test("a line over the limit is refused with its line number", async () => {
    const text = [row("one"), "", row("x".repeat(2_000)), row("four")].join("\n");
    await assert.rejects(
      readAll(Buffer.from(text), { chunk: 100, maxLineBytes: 1_000 }),
      refusedAt(3, 1_000),
    );
  });

  test("a 16 MB line is refused at the limit, without reading the rest of it", async () => {
    const huge = Buffer.from(`${row("first")}\n${row("y".repeat(16 * 1024 * 1024))}\n${row("last")}\n`);
    const summary = emptySummary();
    await assert.rejects(
      async () => {
        for await (const _ of readData(chunked(huge, 65_536), "big.jsonl", {}, summary));
      },
      refusedAt(2, DEFAULT_MAX_LINE_BYTES),
    );
    // The read stopped once the line passed the limit: about 4 MiB of the 16 MB were read.
    assert.ok(summary.bytes < DEFAULT_MAX_LINE_BYTES + 2 * 65_536, `read ${summary.bytes} bytes`);
  });

  test("a line exactly at the limit is read; one byte more is refused", async () => {
    const line = row("z".repeat(500));
    const text = Buffer.from(`${row("a")}\n${line}\r\n${row("b")}`);
    // The CR of a CRLF counts as part of the line.
    const limit = Buffer.byteLength(line) + 1;
    const { rows } = await readAll(text, { chunk: 64, maxLineBytes: limit });
    assert.deepEqual(
      rows.map((r) => r.text.length),
      [1, 500, 1],
    );
    await assert.rejects(readAll(text, { chunk: 64, maxLineBytes: limit - 1 }), refusedAt(2, limit - 1));
  });

  test("the default limit holds a row with the longest text a sample may have, in 3-byte characters", async () => {
    const text = "語".repeat(1_000_000);
    const { rows } = await readAll(Buffer.from(`${row(text, 1)}\n`));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.text, text);
  });

  test("CRLF and multibyte UTF-8 split across chunk boundaries read intact", async () => {
    const texts = ["héllo wörld", "日本語のテキスト", "emoji 😀🎉 here", "plain", "ß∂ƒ©˙∆˚¬"];
    const bytes = Buffer.from(texts.map((t) => row(t)).join("\r\n") + "\r\n");
    // Every chunk size from 1 byte up puts a boundary inside every character and every CRLF.
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      const { rows } = await readAll(bytes, { chunk: size, maxLineBytes: 200 });
      assert.deepEqual(
        rows.map((r) => r.text),
        texts,
        `chunks of ${size} bytes`,
      );
    }
  });

  test("an envelope's sample is held to the same limit", async () => {
    const envelope = JSON.stringify({
      version: "1.0",
      metadata: { total_samples: 2 },
      samples: [
        { text: "ok", label: 0 },
        { text: "w".repeat(5_000), label: 0 },
      ],
    });
    await assert.rejects(
      readAll(Buffer.from(envelope), { chunk: 256, maxLineBytes: 1_000 }),
      (err: BulwarkError) => {
        assert.equal(err.code, "LINE_TOO_LONG", err.message);
        assert.match(err.message, /^big\.jsonl:1: a value of the envelope is longer than the limit of 1000/);
        return true;
      },
    );
  });
});

describe("JSONL line limit in the CLI", () => {
  const file = join(dir, "long.jsonl");
  writeFileSync(
    file,
    [row("fine"), row("fine too"), row("v".repeat(10_000), 1), row("after")].join("\n") + "\n",
  );
  const env = { BULWARK_HOME: join(dir, "home"), BULWARK_MAX_LINE_BYTES: "4096" };

  test("data validate names the file and line", async () => {
    const r = await runCli(["data", "validate", file], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, new RegExp(`${file}:3: line is longer than the limit of 4096 bytes`));
  });

  test("data import fails with file:line and leaves no dataset", async () => {
    const r = await runCli(["data", "import", file, "--name", "long"], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`${file}:3: line is longer than the limit of 4096 bytes`));
    const ls = await runCli(["data", "ls", "--json"], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.doesNotMatch(ls.stdout, /"long"/);
  });

  test("scan names the file and line, and writes no verdicts", async () => {
    const out = join(dir, "verdicts.jsonl");
    const r = await runCli(["scan", "--input", file, "--output", out, "--no-progress"], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`${file}:3: line is longer than the limit of 4096 bytes`));
    assert.equal(existsSync(out), false);
  });

  test("data import --skip-invalid does not skip an over-long line", async () => {
    const r = await runCli(["data", "import", file, "--name", "long", "--skip-invalid"], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /:3: line is longer than the limit/);
  });
});

describe("JSONL line limit over HTTP", async () => {
  const server: TestServer = await startTestServer({ env: { BULWARK_MAX_LINE_BYTES: "4096" } });
  const analyst = await keyFor(server, "analyst");

  test("an import job of an upload with an over-long line fails with LINE_TOO_LONG and no dataset", async () => {
    const body = [row("fine"), row("u".repeat(10_000), 1), row("after")].join("\n") + "\n";
    const up = await server.call("/v1/datasets/uploads/long.jsonl", { method: "PUT", key: analyst, body });
    assert.equal(up.status, 201, up.text);
    const started = await server.call("/v1/datasets/import", {
      key: analyst,
      json: { sources: [up.body.data.source], name: "long" },
    });
    assert.equal(started.status, 202, started.text);
    let job;
    for (let i = 0; i < 300; i++) {
      job = (await server.call(`/v1/jobs/${started.body.data.id}`, { key: analyst })).body.data;
      if (!["queued", "running"].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.status, "failed", JSON.stringify(job));
    assert.match(
      job.error,
      /^LINE_TOO_LONG: s3:\/\/\S+long\.jsonl:2: line is longer than the limit of 4096 bytes/,
    );
    const list = await server.call("/v1/datasets", { key: analyst });
    assert.deepEqual(list.body.data, []);
  });
});
