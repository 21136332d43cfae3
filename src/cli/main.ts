#!/usr/bin/env node
// The cellflow command. `cellflow kernel start <connection-file>`, what the kernelspec runs, goes straight to the
// kernel: its type checker starts and its sockets bind without first loading every command's module (~80 ms of
// CPU). Every other command line is parsed by commander (program.ts).

const [command, sub, connectionFile, ...rest] = process.argv.slice(2);
if (command === "kernel" && sub === "start" && connectionFile && !connectionFile.startsWith("-") && rest.length === 0) {
  try {
    // The type checker's process first: its start overlaps the loading of the kernel's modules.
    (await import("../cells/type-check-process.js")).prestartChecker(process.cwd());
    await (await import("./commands/kernel.js")).startKernelCommand(connectionFile);
  } catch (error) {
    (await import("./program.js")).fail(error);
  }
} else {
  await (await import("./program.js")).main();
}
