// The cellflow command's parser: commander, handing each command to its module (main.ts runs it).

import { createRequire } from "node:module";
import { CellflowError } from "../core/errors.js";
import { escapeTerminal } from "../core/terminal-text.js";
import { redact } from "../core/redaction.js";
import { version } from "../version.js";

// commander is CommonJS: require() skips its ES wrapper and Node's scan of the file for named exports (~5 ms CPU of a
// command line's start-up).
const { Command, CommanderError } = createRequire(import.meta.url)("commander") as typeof import("commander");
type Command = import("commander").Command;

/**
 * Each top-level command's registration, in the order help lists them. A command line that names one loads only that
 * command's module, `--version` none; any other (help, an unknown name with its suggestion, `completion`, which prints
 * every command) loads them all.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  init: async () => (await import("./commands/init.js")).registerInitCommand,
  run: async () => (await import("./commands/run.js")).registerRunCommands,
  runs: async () => (await import("./commands/runs.js")).registerRunsCommands,
  cache: async () => (await import("./commands/cache.js")).registerCacheCommands,
  limits: async () => (await import("./commands/limits.js")).registerLimitsCommands,
  tui: async () => (await import("./commands/tui.js")).registerTuiCommand,
  kernel: async () => (await import("./commands/kernel.js")).registerKernelCommands,
  deploy: async () => (await import("./commands/deploy.js")).registerDeployCommand,
  deployments: async () => (await import("./commands/deployments.js")).registerDeploymentsCommands,
  worker: async () => (await import("./commands/worker.js")).registerWorkerCommands,
  blocks: async () => (await import("./commands/blocks.js")).registerBlocksCommands,
  artifacts: async () => (await import("./commands/artifacts.js")).registerArtifactsCommands,
  completion: async () => (await import("./commands/completion.js")).registerCompletionCommand,
  ui: async () => (await import("./commands/ui.js")).registerUiCommand,
  doctor: async () => (await import("./commands/doctor.js")).registerDoctorCommand,
  config: async () => (await import("./commands/config.js")).registerConfigCommands,
};

/** The commands the command line `args` (after `cellflow`) needs: see COMMANDS. */
function commandsFor(args: readonly string[]): string[] {
  const [first] = args;
  if (first === "--version" || first === "-V") return [];
  if (first !== undefined && first !== "completion" && Object.hasOwn(COMMANDS, first)) return [first];
  return Object.keys(COMMANDS);
}

/** The program with the commands `args` needs (every command without `args`). */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command("cellflow")
    .description("Workflow orchestration for TypeScript notebooks: tasks, flows, retries, caching, rerun from failure.")
    .version(version)
    .showSuggestionAfterError()
    .exitOverride();
  const registers = await Promise.all(commandsFor(args).map((name) => COMMANDS[name]()));
  for (const register of registers) register(program);
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
    await (await buildProgram(argv.slice(2))).parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}
