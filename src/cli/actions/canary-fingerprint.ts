/** `bulwark canary fingerprint`: a prompt's hashes, from a file or stdin; opens no database. */
import { readFile } from "node:fs/promises";
import { text as readStream } from "node:stream/consumers";
import { ValidationError } from "../../core/errors.js";
import { promptFingerprint } from "../../detect/output/prompt-text.js";
import { printJson } from "../output.js";

export async function canaryFingerprint(file: string | undefined): Promise<void> {
  const text = file ? await readFile(file, "utf8") : await readStream(process.stdin);
  if (text.trim() === "") throw new ValidationError("no prompt given: pass a file or write it on stdin");
  printJson(promptFingerprint(text));
}
