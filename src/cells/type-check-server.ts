// What answers check requests, on the type-check thread (type-check-worker.ts) or in the checker's process started
// from its startup snapshot (type-check-snapshot.ts): warms the checker up, then checks cells as asked.

import type { CellDeclarations } from "./declarations.js";
import type { CheckReply, CheckRequest } from "./type-check-thread.js";
import type { CellTypeChecker } from "./type-check.js";

const NONE: CellDeclarations = { source: "\nexport {};\n", names: [] };

/**
 * Made-up cells checked while the checker sits idle: V8 compiles the checker's hot code only after it ran many times,
 * and a process started from the snapshot holds no compiled code. After WARM_UP_IDLE_MS without a request (a person
 * reading or typing), one made-up cell is checked per turn of the event loop until the process has made
 * WARM_UP_CHECKS checks, cells' and made-up ones together; a request that arrives goes first and puts the rest off
 * until the checker is idle again.
 * 60: since a cell is checked by the last program's own type checker (compiler-patches.ts), a fresh process's checks
 * average ~0.85 ms over its first 50 and 0.6–0.8 after (slower machine, IPC included): V8 has compiled what they run
 * by then. 200 new cells after a 3 s rest, eight rounds beside 250 made-up checks: p95 1.09–1.51 ms against
 * 1.79–3.31, p50 0.41–0.62 against 0.44–0.63 (why more did worse was not traced); ~35 ms of CPU once per kernel.
 */
const WARM_UP_CHECKS = 60;
const WARM_UP_IDLE_MS = 1000;

/**
 * Serves `checker`: `listen` hands each request over, `reply` sends the answer back. `warmedUp` runs once the idle
 * warm-up has loaded the cellflow API's declarations.
 * @example serveChecks(checker, (on) => port.on("message", on), (r) => port.postMessage(r));
 */
export function serveChecks(
  checker: CellTypeChecker,
  listen: (onRequest: (request: CheckRequest) => void) => void,
  reply: (answer: CheckReply) => void,
  warmedUp: () => void = () => {},
): void {
  let declarations = NONE;
  let requests = 0;
  let checks = 0;
  // Whether the idle warm-up has checked the cellflow API's import yet (it does that first).
  let primed = false;
  let idle: NodeJS.Timeout | undefined;
  const done = () => primed && checks >= WARM_UP_CHECKS;
  // The cellflow API's declarations first, then made-up cells, checked against the session's declarations so that
  // the next cell's check finds them parsed. A compiler that fails on one stops the warm-up (a cell's check reports
  // its own failure). A check whose imports differ from the previous one's makes a new program (~3 ms once V8 has
  // compiled the checker, 8–10 ms before): the step that loads the cellflow API ends on a check that imports nothing,
  // as most cells and the made-up ones do.
  const warmUpStep = (seen: number) => {
    if (requests !== seen || done()) return;
    try {
      if (!primed) {
        primed = true;
        warmUpCellflow(checker);
        warmUp(checker);
        warmedUp();
      } else {
        checker.check(declarations, `${checks} + ${checks % 7}`, "warm-up");
        checks++;
      }
    } catch {
      checks = WARM_UP_CHECKS;
    }
    setImmediate(warmUpStep, seen);
  };
  const warmUpWhenIdle = () => {
    if (done()) return;
    clearTimeout(idle);
    idle = setTimeout(warmUpStep, WARM_UP_IDLE_MS, requests).unref();
  };
  listen((request) => {
    requests++;
    checks++;
    if (request.declarations) declarations = request.declarations;
    let answer: CheckReply;
    try {
      const diagnostics = checker.check(declarations, request.code, request.cellId);
      answer = { id: request.id, diagnostics, reusable: checker.lastCheckReusable };
    } catch (error) {
      answer = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    reply(answer);
    warmUpWhenIdle();
  });
  // The libraries load now (the first cell's check waits for this); the rest waits until the checker is idle: cells
  // sent one after another right after the first (a notebook run from the top) are not slowed by a warm-up that takes
  // a CPU from them (~0.1 s of it, in ~85 ms, once the first cell was answered).
  warmUp(checker);
  warmUpWhenIdle();
}

/** Builds the first program: the compiler's libraries and @types/node. */
export function warmUp(checker: CellTypeChecker): void {
  checker.check(NONE, "", "warm-up");
}

/** Loads the cellflow API's declarations, which most notebooks import first thing. */
export function warmUpCellflow(checker: CellTypeChecker): void {
  checker.check(NONE, 'import { task, flow } from "cellflow";', "warm-up");
}
