// `cellflow completion bash|zsh|fish`: print a shell completion script for every command and option.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { completionScript, SHELLS, type Shell } from "../completion.js";

export function registerCompletionCommand(program: Command): void {
  program
    .command("completion <shell>")
    .description(`print a completion script: ${SHELLS.join(", ")} (e.g. eval "$(cellflow completion bash)")`)
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new CellflowError("USAGE", `no completion for shell '${shell}'`, `use one of ${SHELLS.join(", ")}`);
      }
      process.stdout.write(completionScript(program, shell as Shell));
    });
}
