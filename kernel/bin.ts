// Direct kernel entry for tests and benchmarks: node dist/kernel/bin.js <connection-file>. It runs the same
// session-backed kernel as `cellflow kernel start`, without loading the CLI.

import { startKernel } from "./main.js";
import { kernelLog } from "./log.js";
import { sessionExecutor } from "./session-factory.js";

const file = process.argv[2];
if (!file) {
  kernelLog("usage: node dist/kernel/bin.js <connection-file>");
  process.exit(2);
}
// The type checker's thread starts now; the session loads after the sockets are bound, so kernel_info is fast.
startKernel(file, { executor: sessionExecutor(process.cwd()) }).catch((error: unknown) => {
  kernelLog(`cannot start: ${(error as Error).message}`);
  process.exit(1);
});
