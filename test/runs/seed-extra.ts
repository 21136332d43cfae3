// Small seeding helpers beside seed.ts: an artifact through the store, and where a result file lives.

import path from "node:path";
import { resultPath } from "../../src/store/results.js";
import type { Store } from "../../src/store/store.js";

export function createArtifactRow(store: Store, key: string, flowRunId: string): void {
  store.createArtifact({ key, type: "table", data: JSON.stringify({ rows: [{ n: 1 }] }), flowRunId, taskRunId: null });
}

export function resultFile(home: string, ref: string): string {
  return resultPath(path.join(home, "results"), ref);
}
