// Acceptance-test helpers: run the built `cellflow` CLI in a child process against a temporary CELLFLOW_HOME.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");

/** Fail the whole file with the fix when the CLI was not built (`npm test` builds it first). */
export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${path.relative(ROOT, CLI)} is missing: build first with \`npx tsc -p tsconfig.json\` (npm test does it for you)`);
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cellflow-${prefix}-`));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home: string;
  cwd?: string;
}

/** The environment of a CLI child process on store `home`, with `extra` on top and without vitest's variables. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CELLFLOW_HOME: home, NO_COLOR: "1", FORCE_COLOR: "0", ...extra };
  // vitest's own variables would leak into the child's behaviour otherwise.
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  delete env.NODE_OPTIONS;
  return env;
}

/** Start the CLI without waiting for it (asynchronous, so a server in this process can still answer it). */
export function startCli(args: string[], options: CliOptions): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env: childEnv(options.home), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Run the CLI to its end. */
export function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Run a `--json` command that must succeed, and parse what it printed. */
export async function cliJson<T = any>(args: string[], options: CliOptions): Promise<T> {
  const r = await cli([...args, "--json"], options);
  if (r.code !== 0) throw new Error(`cellflow ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * The ids of the flow runs in store `home`, read in this process (none when the store was never created): for "and
 * no run was created" after each of many refused commands, where a `runs ls` process per case costs more than the
 * command under test. What the CLI prints is still checked by the tests of `runs ls` itself.
 */
export function storedRunIds(home: string): string[] {
  const file = path.join(home, "cellflow.db");
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT id FROM flow_runs").all() as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
}

/** stderr's lines that are not blank: a "one-line message" has exactly one. */
export function errorLines(r: CliResult): string[] {
  return r.stderr.split("\n").filter((l) => l.trim().length > 0);
}

/**
 * Poll `check` until it returns a value other than undefined; gives up after `timeoutMs`. A deadline, not a number of
 * tries: a check that reads the store takes a millisecond, one that starts a CLI takes seconds on a loaded machine,
 * and either way the limit is for a machine under load, not an expectation.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Lines of a side-effect counter file: one per execution. */
export function executions(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
}

export interface TaskRunJson {
  id: string;
  name: string;
  dynamicKey: string;
  state: { type: string; name: string; message: string };
  runCount: number;
  cacheReason: string | null;
  cachedFrom: string | null;
  upstream: string[];
}

export interface FlowRunJson {
  id: string;
  name: string;
  flowName: string;
  state: { type: string; name: string; message: string };
  parameters: Record<string, unknown>;
  attempt: number;
  taskRuns?: TaskRunJson[];
  result?: unknown;
}

export function taskNamed(run: FlowRunJson, name: string): TaskRunJson {
  const found = run.taskRuns?.find((t) => t.name === name);
  if (!found) throw new Error(`run ${run.name} has no task '${name}' (it has: ${(run.taskRuns ?? []).map((t) => t.name).join(", ")})`);
  return found;
}

/** A limit, not an expectation: each check spawns node processes, which takes seconds on a loaded machine. */
export const SLOW = 180_000;

/** The example notebooks and their data, copied to a fresh folder outside the repository (no node_modules there). */
export function copyNotebooks(): string {
  const dir = tempDir("notebooks");
  fs.cpSync(path.join(ROOT, "notebooks"), dir, { recursive: true, filter: (src) => !/[\\/]out$/.test(src) });
  return dir;
}
