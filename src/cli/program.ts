// The cellflow command's parser: commander, handing each command to its module (main.ts runs it).

import { Command, CommanderError } from "commander";
import { CellflowError } from "../core/errors.js";
import { escapeTerminal } from "../core/terminal-text.js";
import { redact } from "../core/redaction.js";
import { version } from "../version.js";
import { registerRunCommands } from "./commands/run.js";
import { registerRunsCommands } from "./commands/runs.js";
import { registerLimitsCommands } from "./commands/limits.js";
import { registerInitCommand } from "./commands/init.js";
import { registerTuiCommand } from "./commands/tui.js";
import { registerKernelCommands } from "./commands/kernel.js";
import { registerDeployCommand } from "./commands/deploy.js";
import { registerDeploymentsCommands } from "./commands/deployments.js";
import { registerWorkerCommands } from "./commands/worker.js";
import { registerBlocksCommands } from "./commands/blocks.js";
import { registerArtifactsCommands } from "./commands/artifacts.js";
import { registerCompletionCommand } from "./commands/completion.js";
import { registerUiCommand } from "./commands/ui.js";
import { registerDoctorCommand } from "./commands/doctor.js";
import { registerCacheCommands } from "./commands/cache.js";
import { registerConfigCommands } from "./commands/config.js";

export function buildProgram(): Command {
  const program = new Command("cellflow")
    .description("Workflow orchestration for TypeScript notebooks: tasks, flows, retries, caching, rerun from failure.")
    .version(version)
    .showSuggestionAfterError()
    .exitOverride();
  registerInitCommand(program);
  registerRunCommands(program);
  registerRunsCommands(program);
  registerCacheCommands(program);
  registerLimitsCommands(program);
  registerTuiCommand(program);
  registerKernelCommands(program);
  registerDeployCommand(program);
  registerDeploymentsCommands(program);
  registerWorkerCommands(program);
  registerBlocksCommands(program);
  registerArtifactsCommands(program);
  registerCompletionCommand(program);
  registerUiCommand(program);
  registerDoctorCommand(program);
  registerConfigCommands(program);
  return program;
}

/** Print a CellflowError as one line and exit 2; anything else is a bug and shows its stack. */
export function fail(error: unknown): never {
  if (error instanceof CellflowError) {
    // One line, secrets masked, and user text in it (names, echoed values) unable to drive the terminal.
    process.stderr.write(`error: ${escapeTerminal(redact(error.message), { inline: true })}\n`);
    process.exit(2);
  }
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  process.stderr.write(`cellflow: unexpected error: ${redact(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
  process.exit(70);
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}
