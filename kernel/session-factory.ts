// What both kernel entry points (`cellflow kernel start`, dist/kernel/bin.js) run cells with. The type checker
// starts first thing (its process from the startup snapshot, else its thread), so it is warm by the time the sockets
// are bound and kernel_info is answered; the session itself loads after the first request (it is heavier), then
// checks on that checker.

import { TypeCheckThread } from "../src/cells/type-check-thread.js";
import type { CellExecutor } from "./cell-executor.js";
import { kernelLog } from "./log.js";

/**
 * Starts the type checker's thread for `cwd` now and returns the kernel's executor factory.
 * @example await startKernel(file, { executor: sessionExecutor(process.cwd()) });
 */
export function sessionExecutor(cwd: string): (dir: string) => Promise<CellExecutor> {
  const checker = new TypeCheckThread(cwd, kernelLog);
  checker.start();
  return async (dir) => (await import("./session-executor.js")).createSessionExecutor(dir, dir === cwd ? checker : undefined);
}
