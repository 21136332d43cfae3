// `cellflow kernel install|start`: the Jupyter kernelspec, and the kernel process it starts.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";

export function registerKernelCommands(program: Command): void {
  const kernel = program.command("kernel").description("the TypeScript (Cellflow) Jupyter kernel");
  kernel
    .command("install")
    .description("write the kernelspec so Jupyter, VS Code and nbconvert can start the kernel")
    .option("--user", "install for this user (the default when not root)")
    .option("--prefix <dir>", "install under <dir>/share/jupyter/kernels (e.g. a virtualenv)")
    .option("--name <name>", "the kernelspec's name", "cellflow")
    .action(async (opts: { user?: boolean; prefix?: string; name: string }) => {
      if (opts.user && opts.prefix) throw new CellflowError("USAGE", "--user and --prefix exclude each other", "give one of them");
      const { installKernelspec } = await import("../../../kernel/main.js");
      const installed = await installKernelspec({ user: opts.user, prefix: opts.prefix, name: opts.name });
      process.stdout.write(`installed kernelspec '${opts.name}' in ${installed.dir}\n`);
    });
  kernel
    .command("start <connection-file>")
    .description("run the kernel (what the kernelspec starts)")
    .action(startKernelCommand);
}

/**
 * `cellflow kernel start <connection-file>` (also reached without commander, see cli/main.ts). The type checker
 * starts first, so the compiler warms up while the kernel's own modules load and its sockets bind; the session
 * loads after the first request is answered, so kernel_info is fast. Serves requests until a shutdown request, then
 * exits the process.
 */
export async function startKernelCommand(connectionFile: string): Promise<void> {
  const { sessionExecutor } = await import("../../../kernel/session-factory.js");
  const executor = sessionExecutor(process.cwd());
  const { startKernel } = await import("../../../kernel/main.js");
  await startKernel(connectionFile, { executor });
}
