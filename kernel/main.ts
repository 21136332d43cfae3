// The kernel's entry points for the CLI: start a kernel from a connection file, install the kernelspec.

import { readConnectionFile } from "./connection.js";
import { Kernel, type KernelOptions } from "./kernel.js";

export { installKernelspec, type InstallKernelspecOptions, type InstalledKernelspec, type KernelJson } from "./install.js";
export type { KernelOptions } from "./kernel.js";
export type { CellExecutor } from "./cell-executor.js";

/**
 * Starts the Jupyter kernel described by a connection file (what `cellflow kernel start` runs).
 * Resolves once every socket is bound; the process then serves requests until a shutdown request.
 * @example await startKernel(process.argv[2]);
 */
export async function startKernel(connectionFile: string, options: KernelOptions = {}): Promise<Kernel> {
  const info = await readConnectionFile(connectionFile);
  const kernel = new Kernel(info, options);
  await kernel.start();
  return kernel;
}
