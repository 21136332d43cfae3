// Writes the Cellflow kernelspec (kernel.json and its logos) where Jupyter looks for kernels.

import { existsSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DISPLAY_NAME } from "./kernel-info.js";

/** Options for {@link installKernelspec}. */
export interface InstallKernelspecOptions {
  /**
   * Install for the current user (Jupyter's user data directory, or `$JUPYTER_DATA_DIR`).
   * This is what happens when neither `user` nor `prefix` is given.
   * @default true
   */
  user?: boolean;
  /**
   * Install under `<prefix>/share/jupyter/kernels/` (e.g. a virtualenv or conda env) instead.
   * @example installKernelspec({ prefix: sys.prefix })
   */
  prefix?: string;
  /**
   * The kernel's name: its directory and what `--kernel`/`kernelspec` refer to.
   * @default "cellflow"
   */
  name?: string;
  /**
   * The command Jupyter runs, `{connection_file}` included.
   * @default [node, "<package>/dist/src/cli/main.js", "kernel", "start", "{connection_file}"]
   */
  argv?: string[];
}

/** What was installed. */
export interface InstalledKernelspec {
  name: string;
  /** The kernelspec directory holding kernel.json. */
  dir: string;
  spec: KernelJson;
}

/** The kernel.json document. */
export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "message" | "signal";
  metadata: Record<string, unknown>;
}

// dist/kernel/install.js → the package root is two levels up; kernel/install.ts (tests) → one.
const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = [resolve(HERE, "..", ".."), resolve(HERE, "..")].find((dir) => existsSync(join(dir, "kernel", "logos"))) ?? resolve(HERE, "..", "..");
/** The logos Jupyter shows for the kernel (made by scripts/make-logos.mjs). */
export const LOGOS = ["logo-32x32.png", "logo-64x64.png"];

/** Jupyter's per-user data directory, honouring JUPYTER_DATA_DIR like jupyter_core does. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/**
 * Installs the kernelspec so Jupyter lists "TypeScript (Cellflow)". Interrupts are sent as
 * messages (`interrupt_mode: "message"`), which the kernel answers even while a cell is busy.
 * @example await installKernelspec({ user: true })
 * @example await installKernelspec({ prefix: "/opt/conda", name: "cellflow-dev" })
 */
export async function installKernelspec(options: InstallKernelspecOptions = {}): Promise<InstalledKernelspec> {
  const name = options.name ?? "cellflow";
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(`kernel name "${name}" may only contain letters, digits, ".", "_" and "-"`);
  }
  const root = options.prefix ? join(resolve(options.prefix), "share", "jupyter") : userDataDir();
  const dir = join(root, "kernels", name.toLowerCase());
  const spec: KernelJson = {
    argv: options.argv ?? [process.execPath, join(PACKAGE_ROOT, "dist", "src", "cli", "main.js"), "kernel", "start", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "kernel.json"), `${JSON.stringify(spec, null, 2)}\n`);
  for (const logo of LOGOS) await copyFile(join(PACKAGE_ROOT, "kernel", "logos", logo), join(dir, logo));
  return { name: name.toLowerCase(), dir, spec };
}
