// The type checker's startup snapshot: what `node --build-snapshot` runs (bundled with the checker into
// dist/src/cells/type-check-snapshot.cjs, see scripts/bundle-type-checker.mjs). It loads the compiler, parses and
// binds the libraries, @types/node and the cellflow API's declarations with a warm-up check, and leaves them in the
// heap V8 saves; a checker process started from the blob (type-check-process.ts) then begins with all of that done
// instead of spending ~1.5 s of CPU on it. A file changed since the blob was built is parsed again, never used stale.

import { statSync } from "node:fs";
import { startupSnapshot } from "node:v8";
import { CellTypeChecker, type ParsedFiles } from "./type-check.js";
import { serveChecks, warmUp, warmUpCellflow } from "./type-check-server.js";

/** What a file looked like when it was parsed: size and modification time, or missing. */
function stampOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "missing";
  }
}

// Warmed up in the builder's own (scratch) folder: the parsed files serve a checker of any folder.
const parsed: ParsedFiles = new Map();
const warm = new CellTypeChecker(process.cwd(), parsed);
warmUp(warm);
warmUpCellflow(warm);
const stamps = new Map([...parsed.keys()].map((file) => [file, stampOf(file)]));

startupSnapshot.setDeserializeMainFunction(() => {
  for (const [file, stamp] of stamps) if (stampOf(file) !== stamp) parsed.delete(file);
  // An interrupt reaches the kernel's whole process group: it is the kernel's to handle, not this process's.
  process.on("SIGINT", () => {});
  // The kernel is gone (or closed the channel): nothing is left to check for.
  process.on("disconnect", () => process.exit(0));
  serveChecks(
    new CellTypeChecker(process.cwd(), parsed),
    (onRequest) => process.on("message", onRequest),
    (reply) => process.send?.(reply),
  );
});
