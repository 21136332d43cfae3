// Shared setup for kernel tests: a Python with jupyter_client, a kernelspec in a temp Jupyter prefix, running scripts.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installKernelspec } from "../../kernel/install.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const KERNEL_BIN = join(ROOT, "dist", "kernel", "bin.js");
export const DISPLAY_MODULE = join(ROOT, "dist", "src", "display", "index.js");
export const PY_DIR = join(ROOT, "test", "kernel", "py");
export const KERNEL_NAME = "cellflow-test";

const MISSING =
  "needs Debian packages jupyter-client and python3-jupyter-kernel-test (apt-get install -y jupyter-client python3-jupyter-kernel-test)";

/** A python3 that can import jupyter_client and jupyter_kernel_test, or the reason there is none. */
export function findPython(): { python?: string; skip?: string } {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(candidate, ["-c", "import jupyter_client, jupyter_kernel_test"], { stdio: "ignore" });
    if (probe.status === 0) return { python: candidate };
  }
  return { skip: MISSING };
}

/** A throwaway Jupyter environment with the Cellflow kernelspec installed; never the user's own dirs. */
export interface JupyterEnv {
  dir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export async function jupyterEnv(): Promise<JupyterEnv> {
  if (!existsSync(KERNEL_BIN)) throw new Error(`${KERNEL_BIN} is missing: run \`npm run build\` first (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), "cellflow-jupyter-"));
  const prefix = join(dir, "prefix");
  await installKernelspec({ prefix, name: KERNEL_NAME, argv: [process.execPath, KERNEL_BIN, "{connection_file}"] });
  const work = join(dir, "work");
  mkdirSync(work);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(dir, "data"),
    JUPYTER_CONFIG_DIR: join(dir, "config"),
    JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
    IPYTHONDIR: join(dir, "ipython"),
    JUPYTER_PLATFORM_DIRS: "1",
    CELLFLOW_KERNEL_NAME: KERNEL_NAME,
    CELLFLOW_DISPLAY_MODULE: DISPLAY_MODULE,
    CELLFLOW_WORK_DIR: work,
    // Runs made by the kernels under test go to a throwaway store, never the user's ~/.cellflow.
    CELLFLOW_HOME: join(dir, "cellflow-home"),
    PYTHONDONTWRITEBYTECODE: "1",
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a Python script or module; resolves with its exit code and output. */
export function runPython(
  python: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, args, { cwd: PY_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Runs one scenario of a script in py/ (scenarios.py unless told) and parses the JSON it prints last. */
export async function scenario(python: string, name: string, env: NodeJS.ProcessEnv, script = "scenarios.py"): Promise<Record<string, unknown>> {
  const result = await runPython(python, [script, name], env);
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  if (result.code !== 0 || !last.startsWith("{")) {
    throw new Error(`${script} ${name} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return JSON.parse(last) as Record<string, unknown>;
}
