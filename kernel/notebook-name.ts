// Which notebook a kernel runs, to name its runs after it. Jupyter Server says so in JPY_SESSION_NAME; under
// `jupyter nbconvert --execute` (nbclient) the kernel learns only its folder (the notebook's), so the notebook is
// read from the command line of the process that started the kernel, as Linux shows it in /proc.

import { readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { parentPid } from "./parent-poller.js";

/** nbconvert's flags whose value is where to write, not the notebook executed (`--output out.ipynb`). */
const OUTPUT_FLAGS = new Set(["--output", "--output-dir"]);

/**
 * The notebook's base name (no `.ipynb`), or undefined when no client said (the flow name falls back to `notebook`).
 * From the starter's command line: the `.ipynb` arguments that exist, the one in the kernel's folder (`cwd`), else
 * the only one; with several candidates the notebook is unknown (nbconvert given many notebooks of one folder).
 * @example notebookName("/work/nb") // "etl" when started by `jupyter nbconvert --execute etl.ipynb` in /work/nb
 */
export function notebookName(cwd: string, env: NodeJS.ProcessEnv = process.env, proc = "/proc"): string | undefined {
  if (env.JPY_SESSION_NAME) return baseName(env.JPY_SESSION_NAME);
  const starter = starterCommand(parentPid(env), proc);
  if (!starter) return undefined;
  const notebooks = notebookArguments(starter.argv).map((arg) => existing(path.resolve(starter.cwd, arg))).filter((f): f is string => f !== null);
  const unique = [...new Set(notebooks)];
  const here = existing(cwd);
  const inFolder = unique.filter((file) => path.dirname(file) === here);
  const found = inFolder.length > 0 ? inFolder : unique;
  return found.length === 1 ? baseName(found[0]) : undefined;
}

function baseName(file: string): string {
  return path.basename(file).replace(/\.ipynb$/, "");
}

/** The `.ipynb` arguments of a command line, leaving out where output goes (papermill's second notebook). */
export function notebookArguments(argv: string[]): string[] {
  const papermill = argv.slice(0, 2).some((a) => path.basename(a).startsWith("papermill"));
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (OUTPUT_FLAGS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    if (arg.endsWith(".ipynb")) out.push(arg);
  }
  return papermill ? out.slice(0, 1) : out;
}

/** A process's argv and working folder, or null where /proc does not show them (not Linux, another user's). */
function starterCommand(pid: number, proc: string): { argv: string[]; cwd: string } | null {
  try {
    const argv = readFileSync(path.join(proc, String(pid), "cmdline"), "utf8").split("\0").filter((a) => a !== "");
    return { argv, cwd: readlinkSync(path.join(proc, String(pid), "cwd")) };
  } catch {
    return null;
  }
}

/** The real path of an existing file or folder, or null. */
function existing(file: string): string | null {
  try {
    statSync(file);
    return realpathSync(file);
  } catch {
    return null;
  }
}
