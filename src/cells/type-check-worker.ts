// The type-check thread's body (started by type-check-thread.ts): loads the compiler's libraries at once, checks cells
// as asked, and once idle loads the cellflow API's declarations (most notebooks import it first thing).

import { parentPort, workerData } from "node:worker_threads";
import type { TypeCheckWorkerData } from "./type-check-thread.js";
import { CellTypeChecker } from "./type-check.js";
import { serveChecks } from "./type-check-server.js";
import { saveTypeScriptCodeCache } from "./typescript-code-cache.cjs";

const { cwd } = workerData as TypeCheckWorkerData;
const port = parentPort!;
// Once the idle warm-up has loaded the cellflow API, the compiler's code cache is written (once per TypeScript and Node
// version), holding what was compiled so far, for the next kernel.
serveChecks(
  new CellTypeChecker(cwd),
  (onRequest) => port.on("message", onRequest),
  (reply) => port.postMessage(reply),
  saveTypeScriptCodeCache,
);
