// The type-check thread's body (started by type-check-thread.ts): loads the compiler's libraries at once, checks
// cells as asked, and while no cell is being checked warms up on cells like a notebook's (the cellflow API's
// declarations load then, and V8 optimises the checker), so that work never delays a cell's check.

import { parentPort, workerData } from "node:worker_threads";
import type { CellDeclarations } from "./declarations.js";
import type { CheckReply, CheckRequest, TypeCheckWorkerData } from "./type-check-thread.js";
import { CellTypeChecker } from "./type-check.js";

const { cwd } = workerData as TypeCheckWorkerData;
const port = parentPort!;
const checker = new CellTypeChecker(cwd);
let declarations: CellDeclarations = { source: "\nexport {};\n", names: [] };

const rows: CellDeclarations = { source: 'const rows = [{ id: 1, name: "a" }];\nexport { rows };\n', names: ["rows"] };
const none: CellDeclarations = { source: "\nexport {};\n", names: [] };
/** Cells like a notebook's: the cellflow API, node's modules, a value, a type error, earlier cells' names. */
const WARM_UP: Array<[CellDeclarations, string]> = [
  [none, 'import { task, flow } from "cellflow";\nconst double = task("double", async (x: number) => x * 2);\nawait flow("f", async () => double(1))()'],
  [rows, 'import fs from "node:fs";\nfs.writeFileSync("out.json", JSON.stringify(rows.filter((r) => r.name !== "")))'],
  [none, "1 + 1"],
  [none, 'const n: number = "a"'],
  [rows, "rows.map((r) => r.id * 2)"],
];
/** Rounds over WARM_UP: enough for V8 to optimise the checker's hot paths. */
const WARM_UP_ROUNDS = 4;
/** Warm up only after this long without a request: cells checked one after another keep the thread to themselves. */
const IDLE_MS = 300;

let lastRequest = 0;
port.on("message", (request: CheckRequest) => {
  if (request.declarations) declarations = request.declarations;
  let reply: CheckReply;
  try {
    reply = { id: request.id, diagnostics: checker.check(declarations, request.code, request.cellId) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
  lastRequest = Date.now();
});

// The libraries load now: the first cell's check waits for this, not for the warm-up after it.
checker.check(none, "", "warm-up");
let step = 0;
const warm = (): void => {
  if (step >= WARM_UP.length * WARM_UP_ROUNDS) return;
  const idleFor = Date.now() - lastRequest;
  if (idleFor < IDLE_MS) {
    setTimeout(warm, IDLE_MS - idleFor);
    return;
  }
  const [decls, code] = WARM_UP[step++ % WARM_UP.length];
  checker.check(decls, code, "warm-up");
  setImmediate(warm);
};
setImmediate(warm);
