import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStore, tempHome } from "../engine/helpers.js";
import { readNotebook } from "../../src/notebook/index.js";
import { KEY, mount, writeNotebook, type Mounted } from "./helpers.js";

// Cells run in this process's global scope: every test uses its own names (suffix = test number).
// Cells get task() and getRunLogger() through globals (see helpers.tsx), not `import "cellflow"`.
function pipeline(n: number, marker: string): string[] {
  return [
    `const task${n} = (globalThis as any).__tuiTestTask;\nconst log${n} = (globalThis as any).__tuiTestLogger;`,
    `const extract${n} = task${n}("extract", () => [1, 2, 3]);\n` +
      `const transform${n} = task${n}("transform", (rows: number[]) => {\n` +
      `  log${n}().info("transforming %d rows", rows.length);\n` +
      `  if (require${n}(${JSON.stringify(marker)})) throw new Error("marker says fail");\n` +
      `  return rows.map((r) => r * 10);\n});\n` +
      `const load${n} = task${n}("load", (rows: number[]) => rows.length);`,
    `const out${n} = await load${n}(await transform${n}(await extract${n}()));\nout${n}`,
  ];
}

describe("the terminal UI", () => {
  let dir: string;
  let ui: Mounted | undefined;
  beforeEach(() => {
    freshStore();
    dir = tempHome("cellflow-tui-app-");
  });
  afterEach(() => ui?.unmount());

  it("lists a notebook's cells without running them; ctrl+r runs all as one run; Esc r reruns from failure", async () => {
    const marker = path.join(dir, "fail.marker");
    fs.writeFileSync(marker, "");
    (globalThis as Record<string, unknown>).require1 = (p: string) => fs.existsSync(p);
    const file = writeNotebook(dir, pipeline(1, marker));
    ui = mount({ cwd: dir, notebookPath: file });
    await ui.waitFor("[4] const out1 = await load1(");
    expect(ui.controller.scrollback.all()[0].text).toContain("nb.ipynb: 3 code cells (not run)");
    expect(ui.frame()).toContain("no run yet");
    await ui.press(KEY.ctrlR);
    await ui.waitFor(/✗ transform\s+Failed/);
    expect(ui.frame()).toMatch(/✓ extract\s+Completed/);
    // describeCellError names the running cell, and the line (not the first one) where the error was thrown.
    await ui.waitFor(/cell 4: marker says fail \(thrown at cell 3, line 4, col \d+: `[^`]+`\)/);
    expect(ui.controller.scrollback.all().map((e) => e.text).join("\n")).toMatch(/marker says fail \(thrown at cell 3, line 4, col \d+: `[^`]+`\)\n {2}at cell\[3\]:4:\d+/);
    fs.rmSync(marker);
    await ui.press(KEY.esc, "r");
    await ui.waitFor(/✓ load\s+Completed/);
    const frame = await ui.waitFor(/^3$/m);
    expect(frame).toMatch(/◆ extract\s+Cached/);
    expect(frame).toMatch(/✓ transform\s+Completed/);
    expect(frame).toContain("attempt 2");
  });

  it("enter on a task shows its logs, inputs' hashes, error and cache reason", async () => {
    const marker = path.join(dir, "fail.marker");
    fs.writeFileSync(marker, "");
    (globalThis as Record<string, unknown>).require2 = (p: string) => fs.existsSync(p);
    ui = mount({ cwd: dir, notebookPath: writeNotebook(dir, pipeline(2, marker)) });
    await ui.press(KEY.ctrlR);
    await ui.waitFor(/✗ transform\s+Failed/);
    await ui.press(KEY.esc, KEY.down, KEY.down, KEY.enter);
    // The pane follows the newest log line; scrolling up shows the rest.
    const tail = await ui.waitFor(/info\s+transforming 3 rows/);
    expect(tail).toMatch(/✗ transform-0 · Failed/);
    expect(tail).toMatch(/error\s+transform-0 failed: Error: marker says fail/);
    await ui.press(...Array<string>(12).fill(KEY.up));
    const top = await ui.waitFor("error: marker says fail");
    expect(top).toMatch(/rows ← extract-0\s+hash [0-9a-f]{6,}/);
    expect(top).toMatch(/cache: executed/);
    await ui.press(KEY.esc);
    await ui.waitFor("[4] const out2 = await load2(");
  });

  it("/ filters the DAG by state, esc clears the filter", async () => {
    (globalThis as Record<string, unknown>).require3 = () => false;
    ui = mount({ cwd: dir, notebookPath: writeNotebook(dir, pipeline(3, "")) });
    await ui.press(KEY.ctrlR);
    await ui.waitFor(/✓ load\s+Completed/);
    await ui.press(KEY.esc, "/", "l", "o", "a", "d", KEY.enter);
    let frame = await ui.waitFor("/load · 1 match");
    expect(frame).not.toMatch(/extract\s+Completed/);
    await ui.press("/", "x");
    frame = await ui.waitFor("/loadx▏ · 0 matches");
    await ui.press(KEY.esc);
    frame = await ui.waitFor(/extract\s+Completed/);
    expect(frame).not.toContain("/load");
  });

  it("? shows every key; any key closes the help", async () => {
    ui = mount({ cwd: dir });
    await ui.press(KEY.esc, "?");
    const frame = await ui.waitFor("keys · any key closes this help");
    const lines = frame.split("\n");
    const shows = (where: string, key: string) => lines.some((l) => new RegExp(`^║ ${where}\\s+${key.replace(/[?/+*]/g, "\\$&")}\\s{2,}\\S`).test(l));
    const expected: Array<[string, string]> = [
      ["input", "enter"], ["input", "alt/shift+enter, ctrl+j"], ["input", "up / down"], ["input", "ctrl+r"], ["input", "ctrl+s"], ["input", "esc"],
      ["DAG", "enter"], ["DAG", "r"], ["DAG", "R"], ["DAG", "c"], ["DAG", "/"], ["DAG", "esc"], ["DAG", "i"], ["DAG", "?"],
      ["any", "q, ctrl+c in the input"], ["any", "tab"],
    ];
    for (const [where, key] of expected) expect(shows(where, key), `${where} ${key} in\n${frame}`).toBe(true);
    await ui.press("x");
    await ui.waitFor("no run yet");
  });

  it("q while a run is going asks first; n keeps the UI, y cancels the run and quits", async () => {
    let release!: () => void;
    (globalThis as Record<string, unknown>).tuiGate5 = new Promise<void>((r) => (release = r));
    ui = mount({ cwd: dir });
    await ui.press("const slow5 = (globalThis as any).__tuiTestTask(\"slow\", async () => { await (globalThis as any).tuiGate5; return 1; });", KEY.enter);
    await ui.press("await slow5()", KEY.enter);
    await ui.waitFor(/⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/);
    await ui.press(KEY.esc, "q");
    await ui.waitFor("A run is going: cancel it and quit? (y/n)");
    await ui.press("n");
    await ui.waitFor("enter details");
    expect(ui.session.running).toBe(true);
    await ui.press("q", "y");
    release();
    await ui.controller.whenIdle();
    expect(ui.session.running).toBe(false);
    expect(ui.session.runs()[0].state.name).toBe("Cancelled");
  });

  it("ctrl+s appends the typed cells to the notebook, keeping its other cells and metadata", async () => {
    const file = writeNotebook(dir, ["const kept6 = 1;"]);
    ui = mount({ cwd: dir, notebookPath: file });
    await ui.press("const typed6 = 2;", KEY.enter);
    await ui.waitFor("[3] const typed6 = 2;");
    await ui.press(KEY.ctrlS);
    await ui.waitFor("saved 1 cell to nb.ipynb");
    const nb = readNotebook(file);
    expect(nb.cells.map((c) => [c.cellType, c.source])).toEqual([
      ["markdown", "# test notebook"],
      ["code", "const kept6 = 1;"],
      ["code", "const typed6 = 2;"],
    ]);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).metadata.custom).toEqual({ keep: true });
  });
});
