// Builds the type checker's startup snapshot (started detached by type-check-process.ts):
//   node type-check-snapshot-build.js <bundle> <blob> <typescript.js> <lock>
// Lowers its own priority, has Node build the blob aside, renames it into place only when complete, and always
// removes its scratch folder and the lock. Then deletes the blobs no kernel has started from for a week (earlier
// Node, TypeScript or Cellflow builds; ~45 MB each).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { snapshotEnv, snapshotFlags } from "./type-check-process.js";

const UNUSED_MS = 7 * 24 * 3600_000;

const [bundle, blob, typescript, lock] = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), "cellflow-snapshot-"));
const partial = `${blob}.${process.pid}.tmp`;
try {
  // A kernel may be starting beside it: the build takes what CPU is left.
  setPriority(19);
  const built = spawnSync(process.execPath, ["--no-warnings", ...snapshotFlags(blob), "--snapshot-blob", partial, "--build-snapshot", bundle], {
    cwd: scratch,
    env: snapshotEnv({ CELLFLOW_SNAPSHOT_TYPESCRIPT: typescript }),
    stdio: "ignore",
  });
  if (built.status === 0) renameSync(partial, blob);
} finally {
  rmSync(partial, { force: true });
  rmSync(scratch, { recursive: true, force: true });
  rmSync(lock, { force: true });
}
for (const name of readdirSync(dirname(blob))) {
  if (!/^typecheck-.*\.blob$/.test(name) || name === basename(blob)) continue;
  const file = join(dirname(blob), name);
  try {
    if (Date.now() - statSync(file).mtimeMs > UNUSED_MS) rmSync(file, { force: true });
  } catch {}
}
