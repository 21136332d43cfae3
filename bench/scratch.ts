// One folder for every temporary file of a run (a test run, a benchmark run): its own and those of every process it
// starts. Runs make hundreds of temporary stores and folders and few remove theirs; the run's end removes them all.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Points TMPDIR at a new folder `<prefix>XXXXXX` under the system's temporary folder, for this process and every
 * process it starts from now on, and returns the function that puts TMPDIR back and removes the folder. Returns a
 * no-op when the environment variable `marker` already names such a folder (an outer run owns it).
 */
export function useScratchTmpdir(prefix: string, marker: string): () => void {
  if (process.env[marker]) return () => {};
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env[marker] = root;
  return () => {
    delete process.env[marker];
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      process.stderr.write(`could not remove the temporary folder ${root}: ${(error as Error).message}\n`);
    }
  };
}
