// What answers check requests, on the type-check thread (type-check-worker.ts) or in the checker's process started
// from its startup snapshot (type-check-snapshot.ts): warms the checker up, then checks cells as asked.

import type { CellDeclarations } from "./declarations.js";
import type { CheckReply, CheckRequest } from "./type-check-thread.js";
import type { CellTypeChecker } from "./type-check.js";

const NONE: CellDeclarations = { source: "\nexport {};\n", names: [] };

/**
 * Serves `checker`: `listen` hands each request over, `reply` sends the answer back. `warmedUp` runs once the
 * warm-up checks are done.
 * @example serveChecks(checker, (on) => port.on("message", on), (r) => port.postMessage(r));
 */
export function serveChecks(
  checker: CellTypeChecker,
  listen: (onRequest: (request: CheckRequest) => void) => void,
  reply: (answer: CheckReply) => void,
  warmedUp: () => void = () => {},
): void {
  let declarations = NONE;
  listen((request) => {
    if (request.declarations) declarations = request.declarations;
    let answer: CheckReply;
    try {
      const diagnostics = checker.check(declarations, request.code, request.cellId);
      answer = { id: request.id, diagnostics, reusable: checker.lastCheckReusable };
    } catch (error) {
      answer = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    reply(answer);
  });
  // The libraries load now (the first cell's check waits for this); a request already waiting then goes before the
  // cellflow declarations, which load on the next turn of the event loop.
  warmUp(checker);
  setImmediate(() => {
    warmUpCellflow(checker);
    warmedUp();
  });
}

/** Builds the first program: the compiler's libraries and @types/node. */
export function warmUp(checker: CellTypeChecker): void {
  checker.check(NONE, "", "warm-up");
}

/** Loads the cellflow API's declarations, which most notebooks import first thing. */
export function warmUpCellflow(checker: CellTypeChecker): void {
  checker.check(NONE, 'import { task, flow } from "cellflow";', "warm-up");
}
