/** Local files and folders (searched recursively for data files). */
import { createReadStream } from "node:fs";
import { expandInputs } from "../files.js";
import { DATA_FILE_KINDS, DATA_FILE_PATTERN } from "../formats.js";
import type { ImportSource } from "./source.js";

export function fileSources(inputs: string[]): ImportSource[] {
  return expandInputs(inputs, DATA_FILE_PATTERN, DATA_FILE_KINDS).map((path) => ({
    kind: "file",
    location: path,
    open: async () => createReadStream(path),
  }));
}
