// Test helpers: a fresh store in a temp CELLFLOW_HOME for each test file.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { configureStore } from "../../src/engine/engine.js";
import { getEngine } from "../../src/engine/engine.js";

export function tempHome(prefix = "cellflow-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Point the engine at a new empty store; returns its folder. */
export function freshStore(): string {
  const home = tempHome();
  configureStore(home);
  return home;
}

export function store() {
  return getEngine().store;
}
