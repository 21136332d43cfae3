// Direct kernel entry for tests and benchmarks: node dist/kernel/bin.js <connection-file>.

import { startKernel } from "./main.js";
import { kernelLog } from "./log.js";

const file = process.argv[2];
if (!file) {
  kernelLog("usage: node dist/kernel/bin.js <connection-file>");
  process.exit(2);
}
startKernel(file).catch((error: unknown) => {
  kernelLog(`cannot start: ${(error as Error).message}`);
  process.exit(1);
});
