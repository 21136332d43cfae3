// Test helpers for the terminal UI: mount the App over a real NotebookSession with ink-testing-library, wait for
// a frame to show something (polling with a deadline, never fixed sleeps), and key codes.

import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { NotebookSession } from "../../src/session/notebook-session.js";
import fs from "node:fs";
import path from "node:path";
import { task } from "../../src/engine/task.js";
import { getRunLogger } from "../../src/engine/logger.js";
import { App } from "../../src/tui/App.js";
import { TuiController } from "../../src/tui/controller.js";
import { ScrollbackStore } from "../../src/tui/scrollback-store.js";

// Under vitest a cell's `import ... from "cellflow"` does not resolve (the module runner intercepts import()), so
// cells reach the engine's task() through this global instead.
(globalThis as Record<string, unknown>).__tuiTestTask = task;
(globalThis as Record<string, unknown>).__tuiTestLogger = getRunLogger;

/** Writes a TypeScript notebook with these code cells (after a markdown cell) and returns its path. */
export function writeNotebook(dir: string, cells: string[], name = "nb.ipynb"): string {
  const file = path.join(dir, name);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "cellflow", display_name: "TypeScript (Cellflow)", language: "typescript" }, custom: { keep: true } },
    cells: [
      { cell_type: "markdown", metadata: {}, source: ["# test notebook"] },
      ...cells.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
    ],
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

export const KEY = {
  enter: "\r",
  esc: "\u001b",
  tab: "\t",
  up: "\u001b[A",
  down: "\u001b[B",
  altEnter: "\u001b\r",
  ctrlJ: "\n",
  ctrlR: "\u0012",
  ctrlS: "\u0013",
  ctrlC: "\u0003",
};

/** A deadline for a loaded machine (several test files share two cores), not an expectation. */
export async function until(check: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Mounted {
  controller: TuiController;
  session: NotebookSession;
  frame(): string;
  press(...keys: string[]): Promise<void>;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  unmount(): void;
}

export function mount(options: { cwd: string; notebookPath?: string; watch?: boolean; runOnStart?: boolean }): Mounted {
  const session = new NotebookSession({ cwd: options.cwd, notebookPath: options.notebookPath ?? null });
  const controller = new TuiController({ session, scrollback: new ScrollbackStore() });
  controller.load();
  const r = render(<App controller={controller} watch={options.watch} runOnStart={options.runOnStart} />);
  const frame = () => stripVTControlCharacters(r.lastFrame() ?? "");
  return {
    controller,
    session,
    frame,
    // One key per write, with a turn of the event loop between, as a terminal delivers them.
    async press(...keys: string[]) {
      // Ink listens to stdin from an effect after the first render: keys written before that are lost.
      await until(() => r.stdin.listenerCount("readable") > 0, () => "Ink listening to stdin");
      for (const key of keys) {
        r.stdin.write(key);
        await new Promise((res) => setTimeout(res, 30));
      }
    },
    async waitFor(text, timeoutMs) {
      const matches = () => (typeof text === "string" ? frame().includes(text) : text.test(frame()));
      await until(matches, () => `${String(text)} in frame:\n${frame()}`, timeoutMs);
      return frame();
    },
    unmount: () => r.unmount(),
  };
}
