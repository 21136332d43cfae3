// The terminal UI you can trust: a rerun keeps a fix typed in a new cell (counted by side effects), cells typed
// while one runs are queued and run in order, an earlier cell is edited in place, display() output shows under its
// cell, long errors wrap instead of being cut, a cancel shows no library frames, type errors show under the cell.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStore, tempHome } from "../engine/helpers.js";
import { display } from "../../src/display/display.js";
import { KEY, mount, until, writeNotebook, type Mounted } from "./helpers.js";

// Cells run in this process's global scope: every test uses its own names. They reach task() through a global.
const g = globalThis as Record<string, unknown>;
g.__tuiTestDisplay = display;
const ALT_UP = "\u001b\u001b[A";

describe("the terminal UI keeps what you did", () => {
  let dir: string;
  let ui: Mounted | undefined;
  beforeEach(() => {
    freshStore();
    dir = tempHome("cellflow-tui-trust-");
  });
  afterEach(() => ui?.unmount());

  const text = () => ui!.controller.scrollback.all().map((e) => e.text).join("\n");
  const run = async (source: string) => {
    await ui!.press(source, KEY.enter);
  };

  it("r after a fix typed in a new cell reruns with the fix: the broken task body runs once, the fixed one once", async () => {
    const counts: Record<string, number> = {};
    g.countsT1 = counts;
    ui = mount({ cwd: dir });
    await run('const taskT1 = (globalThis as any).__tuiTestTask; const bumpT1 = (k: string) => { const c = (globalThis as any).countsT1; c[k] = (c[k] ?? 0) + 1; };');
    await until(() => !ui!.controller.busy && ui!.controller.typed.length === 1, () => text());
    await run('const exT1 = taskT1("extract", () => { bumpT1("extract"); return [1, 2]; }); const trT1 = taskT1("transform", (rows: number[]) => { bumpT1("broken"); throw new Error("broken transform"); }); const totT1 = (await trT1(await exT1())).length;');
    await ui.waitFor(/✗ transform\s+Failed/);
    await until(() => !ui!.controller.busy, () => text());
    await run('const trT1 = taskT1("transform", (rows: number[]) => { bumpT1("fixed"); return rows.map((r) => r * 2); });');
    await until(() => !ui!.controller.busy && ui!.controller.typed.length === 3, () => text());
    await ui.press(KEY.esc, "r");
    await ui.waitFor(/✓ transform\s+Completed/);
    await until(() => !ui!.controller.busy, () => text());
    expect(ui.frame()).toMatch(/◆ extract\s+Cached/);
    expect(counts).toEqual({ extract: 1, broken: 1, fixed: 1 });
  });

  it("cells typed while one runs are queued and run after it, in order, each as its own cell", async () => {
    let release!: () => void;
    g.gateT2 = new Promise<void>((resolve) => (release = resolve));
    const order: number[] = [];
    g.orderT2 = order;
    ui = mount({ cwd: dir });
    await run("await (globalThis as any).gateT2; (globalThis as any).orderT2.push(1)");
    await until(() => ui!.controller.busy !== null, () => text());
    await run("(globalThis as any).orderT2.push(2)");
    await run("(globalThis as any).orderT2.push(3)");
    await ui.waitFor("2 cells queued");
    expect(order).toEqual([]);
    release();
    await until(() => order.length === 3 && !ui!.controller.busy, () => text());
    expect(order).toEqual([1, 2, 3]);
    expect(ui.controller.typed.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(ui.controller.typed[1].source).toBe("(globalThis as any).orderT2.push(2)");
  });

  it("alt+up picks an earlier cell into the input; enter replaces that cell and the session runs the edit", async () => {
    ui = mount({ cwd: dir });
    await run("const valT3 = 1");
    await until(() => !ui!.controller.busy && ui!.controller.typed.length === 1, () => text());
    await run("valT3 + 100");
    await until(() => !ui!.controller.busy && ui!.controller.typed.length === 2, () => text());
    await ui.waitFor(/^101$/m);
    await ui.press(ALT_UP, ALT_UP);
    await ui.waitFor("editing cell [1]");
    expect(ui.frame()).toContain("› const valT3 = 1");
    await ui.press("\u007f", "7", KEY.enter);
    await until(() => !ui!.controller.busy && ui!.controller.typed[0].source === "const valT3 = 7", () => text());
    expect(ui.controller.typed.map((c) => c.id)).toEqual([1, 2]);
    expect(text()).toContain("[1] const valT3 = 7\n    (edited)");
    await run("valT3 + 100");
    await ui.waitFor(/^107$/m);
  });

  it("display() output shows under its cell when all cells run", async () => {
    const file = writeNotebook(dir, ["const showT4 = (globalThis as any).__tuiTestDisplay;", 'showT4("shown-by-cell-2");', '"after"']);
    ui = mount({ cwd: dir, notebookPath: file });
    await ui.press(KEY.ctrlR);
    await until(() => text().includes("'after'") && !ui!.controller.busy, () => text());
    const entries = ui.controller.scrollback.all().map((e) => e.text);
    const echo = entries.findLastIndex((t) => t.startsWith('[3] showT4("shown-by-cell-2")'));
    const shown = entries.findLastIndex((t) => t.includes("shown-by-cell-2") && !t.startsWith("["));
    expect(echo).toBeGreaterThanOrEqual(0);
    expect(shown).toBe(echo + 1);
  });

  it("a long error wraps in the scrollback: its end is readable, not cut at the pane width", async () => {
    ui = mount({ cwd: dir });
    await run('throw new Error("a long message " + "word ".repeat(60) + "END-OF-MESSAGE")');
    await until(() => !ui!.controller.busy && text().includes("END-OF-MESSAGE"), () => text());
    await ui.waitFor("END-OF-MESSAGE");
  });

  it("cancelling shows the cancel, with no library frames (Ink, React, node_modules) in the stack", async () => {
    ui = mount({ cwd: dir });
    await run('const slowT6 = (globalThis as any).__tuiTestTask("slowT6", () => new Promise((r) => setTimeout(r, 60_000)));\nawait slowT6()');
    await ui.waitFor(/slowT6\s+Running/);
    await ui.press(KEY.esc, "c");
    await until(() => !ui!.controller.busy, () => text());
    expect(text()).toMatch(/cancel/i);
    expect(text()).not.toMatch(/node_modules|ink[\\/]build|react-reconciler/);
  });

  it("type errors show under the cell with line and column; the cell still runs", async () => {
    ui = mount({ cwd: dir });
    ui.session.typecheck = "warn";
    await run('const badT7: number = "a string";\n(globalThis as any).ranT7 = true');
    await until(() => !ui!.controller.busy && ui!.controller.typed.length === 1, () => text(), 120_000);
    expect(text()).toMatch(/\[1\] const badT7[^\n]*\n[^\n]*\ncell 1, line 1, col 7: Type 'string' is not assignable to type 'number'\. \(TS2322\)/);
    expect(g.ranT7).toBe(true);
  }, 180_000);
});
