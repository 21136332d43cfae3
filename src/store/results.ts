// Content-addressed result storage: small results inline in the database, larger ones as files under results/,
// each written atomically (temp file + rename) so a reader never sees half a result.

import fs from "node:fs";
import path from "node:path";
import { deserializeResult } from "./serialize.js";

/** Results up to this size live in the results table; larger ones are files. */
export const INLINE_RESULT_LIMIT = 4096;

export function resultPath(resultsDir: string, ref: string): string {
  return path.join(resultsDir, ref.slice(0, 2), ref.slice(2));
}

export function writeResultFile(resultsDir: string, ref: string, bytes: Buffer): void {
  const file = resultPath(resultsDir, ref);
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/** Reads a result file and checks its content hash; throws when missing or corrupt. */
export function readResultFile(resultsDir: string, ref: string): unknown {
  return deserializeResult(fs.readFileSync(resultPath(resultsDir, ref)), ref);
}
