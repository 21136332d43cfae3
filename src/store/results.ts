// Content-addressed result files: small results live inline in the database, larger ones as files under results/
// (or the result storage's folder, result-storage.ts), each written atomically (temp file + rename) so a reader
// never sees half a result.

import fs from "node:fs";
import path from "node:path";
import { sha256 } from "../core/hash.js";
import { storeError } from "./store-errors.js";

/** Results up to this size live in the results table; larger ones are files. */
export const INLINE_RESULT_LIMIT = 4096;

export function resultPath(resultsDir: string, ref: string): string {
  return path.join(resultsDir, ref.slice(0, 2), ref.slice(2));
}

/**
 * Write a result file unless a sound copy is already there. A corrupt copy (its content no longer hashes to
 * its name) is replaced; a failed write leaves no temp file behind.
 */
export function writeResultFile(resultsDir: string, ref: string, bytes: Buffer): void {
  const file = resultPath(resultsDir, ref);
  if (fs.existsSync(file) && isSound(file, ref)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

function isSound(file: string, ref: string): boolean {
  try {
    return sha256(fs.readFileSync(file)) === ref;
  } catch {
    return false;
  }
}

/** Throw a one-line STORE error unless the results folder takes a write (checked before a run's user code). */
export function checkResultsWritable(resultsDir: string, dbPath: string, home: string): void {
  const probe = path.join(resultsDir, `.probe-${process.pid}-${Date.now()}.tmp`);
  try {
    fs.writeFileSync(probe, Buffer.alloc(4096));
  } catch (error) {
    throw storeError(error, "write results to", dbPath, home);
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
