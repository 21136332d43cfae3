// The type-check thread's body (started by type-check-thread.ts): loads the compiler's libraries at once, then the
// cellflow API's declarations (most notebooks import it first thing), and checks cells as asked.

import { parentPort, workerData } from "node:worker_threads";
import type { CellDeclarations } from "./declarations.js";
import type { CheckReply, CheckRequest, TypeCheckWorkerData } from "./type-check-thread.js";
import { CellTypeChecker } from "./type-check.js";
import { saveTypeScriptCodeCache } from "./typescript-code-cache.cjs";

const { cwd } = workerData as TypeCheckWorkerData;
const port = parentPort!;
const checker = new CellTypeChecker(cwd);
const none: CellDeclarations = { source: "\nexport {};\n", names: [] };
let declarations = none;

port.on("message", (request: CheckRequest) => {
  if (request.declarations) declarations = request.declarations;
  let reply: CheckReply;
  try {
    const diagnostics = checker.check(declarations, request.code, request.cellId);
    reply = { id: request.id, diagnostics, reusable: checker.lastCheckReusable };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});

// The libraries load now (the first cell's check waits for this); a request already waiting then goes before the
// cellflow declarations, which load on the next turn of the event loop; then the compiler's code cache is written
// (once per TypeScript and Node version), holding what the warm-up compiled, for the next kernel.
checker.check(none, "", "warm-up");
setImmediate(() => {
  checker.check(none, 'import { task, flow } from "cellflow";', "warm-up");
  saveTypeScriptCodeCache();
});
