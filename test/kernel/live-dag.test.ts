// The live DAG as a Jupyter client sees it: one display_data, then update_display_data with the same display_id.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, jupyterEnv, scenario, type JupyterEnv } from "./harness.js";

const { python, skip } = findPython();

interface Output {
  type: string;
  display_id: string | null;
  text: string | null;
  html: string | null;
  ename: string | null;
}

const shown = (outputs: Output[]) => outputs.filter((o) => o.type === "display_data" || o.type === "update_display_data");

describe.skipIf(!python)(`live DAG under jupyter_client${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let jupyter: JupyterEnv;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    jupyter = await jupyterEnv();
    env = { ...jupyter.env, CELLFLOW_HOME: mkdtempSync(join(tmpdir(), "cellflow-live-dag-home-")) };
  });
  afterAll(() => jupyter?.cleanup());

  it("a cell calling three tasks shows its DAG once and updates that same output in place until all are Completed", async () => {
    const found = await scenario(python as string, "updates", env, "live_dag.py");
    expect(found.status).toBe("ok");
    const outputs = found.outputs as Output[];
    const [first, ...updates] = shown(outputs);
    expect(outputs.filter((o) => o.type === "display_data")).toHaveLength(1);
    expect(first.type).toBe("display_data");
    expect(first.display_id).toMatch(/\S/);
    expect(first.text).toMatch(/^▶ notebook · \S+ · Running/);
    expect(first.text).toContain("alpha");
    expect(first.html).toContain('class="cellflow-dag"');

    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (const update of updates) {
      expect(update.type).toBe("update_display_data");
      expect(update.display_id).toBe(first.display_id);
      expect(update.html).toContain('class="cellflow-dag"');
    }
    // Each task's 300 ms sleep starts after the 200 ms render timer its start armed, so a render showing a
    // task still Running always comes before the last one (timer order, not wall-clock luck).
    expect(updates.slice(0, -1).some((u) => /▶ (alpha|beta|gamma)\s+Running/.test(u.text ?? ""))).toBe(true);
    const last = updates.at(-1) as Output;
    expect(last.text).toMatch(/^✓ notebook · \S+ · Completed/);
    for (const name of ["alpha", "beta", "gamma"]) {
      expect(last.text).toMatch(new RegExp(`✓ ${name}\\s+Completed`));
      expect(last.html).toContain(name);
    }
    expect(last.html).toContain("Completed");
    // The DAG outputs come before the cell's result and its idle status.
    expect(outputs.map((o) => o.type).slice(-2)).toEqual(["execute_result", "status"]);
  });

  it("an interrupt while a task awaits a long sleep on its run signal ends the cell, and the task run is stored Cancelled", async () => {
    const found = await scenario(python as string, "interrupt", env, "live_dag.py");
    expect(found.interrupt_mode).toBe("message");
    expect(found.reply).toEqual({ status: "error", ename: "Interrupted" });
    const outputs = found.outputs as Output[];
    const dags = shown(outputs);
    expect(new Set(dags.map((d) => d.display_id)).size).toBe(1);
    const last = dags.at(-1) as Output;
    expect(last.type).toBe("update_display_data");
    expect(last.text).toMatch(/✓ quick\s+Completed/);
    expect(last.text).toMatch(/⊘ slow\s+Cancelled/);
    expect(outputs.find((o) => o.type === "error")?.ename).toBe("Interrupted");
    // %dag reads the run back from the store.
    const dag = shown(found.dag as Output[]);
    expect(dag).toHaveLength(1);
    expect(dag[0].text).toMatch(/^⊘ notebook · \S+ · Cancelled/);
    expect(dag[0].text).toMatch(/✓ quick\s+Completed/);
    expect(dag[0].text).toMatch(/⊘ slow\s+Cancelled/);
    expect((found.after as Output[]).find((o) => o.type === "execute_result")?.text).toBe("2");
    expect(found.alive).toBe(true);
  });
});
