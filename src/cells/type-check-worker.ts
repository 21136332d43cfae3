// The type-check thread's body (started by type-check-thread.ts): checks cells as asked and, from its start, warms the
// checker up on cells like a notebook's (between requests), so the first cells are not checked by cold code.

import { parentPort, workerData } from "node:worker_threads";
import type { CellDeclarations } from "./declarations.js";
import type { CheckReply, CheckRequest, TypeCheckWorkerData } from "./type-check-thread.js";
import { CellTypeChecker } from "./type-check.js";

const { cwd } = workerData as TypeCheckWorkerData;
const port = parentPort!;
const checker = new CellTypeChecker(cwd);
let declarations: CellDeclarations = { source: "\nexport {};\n", names: [] };

const rows: CellDeclarations = { source: "const rows = [{ id: 1, name: \"a\" }];\nexport { rows };\n", names: ["rows"] };
const none: CellDeclarations = { source: "\nexport {};\n", names: [] };
/** Cells like a notebook's: a value, a type error, the cellflow API (its declarations load now, not in a cell), node. */
const WARM_UP: Array<[CellDeclarations, string]> = [
  [none, "1 + 1"],
  [none, 'const n: number = "a"'],
  [rows, "rows.map((r) => r.id * 2)"],
  [none, 'import { task, flow } from "cellflow";\nconst double = task("double", async (x: number) => x * 2);\nawait flow("f", async () => double(1))()'],
  [rows, 'import fs from "node:fs";\nfs.writeFileSync("out.json", JSON.stringify(rows.filter((r) => r.name !== "")))'],
];
/** Rounds over WARM_UP: enough for V8 to optimise the checker's hot paths (measured: bench/kernel.ts). */
const WARM_UP_ROUNDS = 6;

port.on("message", (request: CheckRequest) => {
  if (request.declarations) declarations = request.declarations;
  let reply: CheckReply;
  try {
    reply = { id: request.id, diagnostics: checker.check(declarations, request.code, request.cellId) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});

// One warm-up check per turn of the event loop, so a request waits for at most one.
let step = 0;
const warm = (): void => {
  if (step >= WARM_UP.length * WARM_UP_ROUNDS) return;
  const [decls, code] = WARM_UP[step++ % WARM_UP.length];
  checker.check(decls, code, "warm-up");
  setImmediate(warm);
};
setImmediate(warm);
