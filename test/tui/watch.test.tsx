import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStore, tempHome } from "../engine/helpers.js";
import { mount, until, writeNotebook, type Mounted } from "./helpers.js";

// Cells get task() through a global (see helpers.tsx); names are unique to this file.
const setup = "const task7 = (globalThis as any).__tuiTestTask;";
const tasks = (factor: number) =>
  `const extract7 = task7("extract", (n: number) => [n, n + 1]);\nconst scale7 = task7("scale", (rows: number[]) => rows.map((r) => r * ${factor}));`;
const main = "const out7 = await scale7(await extract7(1));\nout7";

describe("watch mode", () => {
  let ui: Mounted | undefined;
  beforeEach(() => freshStore());
  afterEach(() => ui?.unmount());

  it("re-runs the changed cell and the cells after it when the notebook changes, as a new run whose tasks all execute (keys are run-scoped)", async () => {
    const dir = tempHome("cellflow-tui-watch-");
    const file = writeNotebook(dir, [setup, tasks(10), main]);
    ui = mount({ cwd: dir, notebookPath: file, watch: true, runOnStart: true });
    await ui.waitFor(/✓ scale\s+Completed/);
    await ui.waitFor("[ 10, 20 ]");
    await ui.controller.whenIdle();
    // Changes made before chokidar is watching are not seen: wait for the UI to say it is watching.
    await until(() => ui!.controller.scrollback.all().some((e) => e.text.startsWith("watching nb.ipynb")), () => "the watcher to be ready");

    fs.writeFileSync(file, "{ half-written");
    await ui.waitFor("is not valid JSON");
    expect(ui.controller.message?.text).toMatch(/nb\.ipynb is not valid JSON .* \(keeping the last good cells\)$/);
    expect(ui.controller.cells.map((c) => c.id)).toEqual([2, 3, 4]);

    writeNotebook(dir, [setup, tasks(100), main]);
    await ui.waitFor("nb.ipynb changed: re-running cells 3, 4 as one run");
    const frame = await ui.waitFor("[ 100, 200 ]");
    await ui.waitFor(/✓ scale\s+Completed/);
    // A new run: caching never skips work the user expects, so the unchanged extract executes too.
    expect(ui.frame()).toMatch(/✓ extract\s+Completed/);
    expect(frame).not.toContain("[2] const task7");
  });
});
