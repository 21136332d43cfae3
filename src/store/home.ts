// Where the store lives: $CELLFLOW_HOME, else the nearest .cellflow/ walking up from the cwd, else ~/.cellflow.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const HOME_DIR_NAME = ".cellflow";

export function resolveHome(cwd = process.cwd(), env = process.env): string {
  if (env.CELLFLOW_HOME) return path.resolve(cwd, env.CELLFLOW_HOME);
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, HOME_DIR_NAME);
    if (isDirectory(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(os.homedir(), HOME_DIR_NAME);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
