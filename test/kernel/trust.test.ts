// Notebook runs you can trust, through a real Jupyter client: rerun keeps the fix typed in a new cell, type errors
// under the cell (%typecheck), %lsmagic, a flow's task runs nested under it in the live DAG, and a kernel that
// exits when its parent process is killed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, jupyterEnv, scenario, type JupyterEnv } from "./harness.js";

const { python, skip } = findPython();

describe.skipIf(!python)(`the kernel under jupyter_client${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let jupyter: JupyterEnv;
  beforeAll(async () => {
    jupyter = await jupyterEnv();
  });
  afterAll(() => jupyter?.cleanup());
  const run = (name: string) => scenario(python as string, name, jupyter.env, "trust.py");

  it("%rerun after the fix was typed in a new cell keeps the fix: the broken task body never runs again", async () => {
    const found = await run("rerun_fix");
    expect(found.failing).toMatchObject({ status: "error" });
    expect(found.fix).toMatchObject({ status: "ok" });
    expect(found.rerun).toMatchObject({ status: "ok" });
    expect(found.total).toBe("3");
    expect(found.counts).toEqual({ extract: 1, "transform-broken": 1, "transform-fixed": 1 });
    expect(found.dag).toMatch(/✓ \S+ · \S+ · Completed/);
    expect(found.dag).toMatch(/extract\s+Cached/);
  });

  it("type errors show under the cell with line and column; strict refuses the cell, off stops checking", async () => {
    const found = await run("typecheck");
    expect(found.warn).toMatchObject({ status: "ok" });
    expect(found.warn_stderr).toMatch(/cell \d+, line 1, col 7: Type 'string' is not assignable to type 'number'\. \(TS2322\)/);
    expect(found.ran_warn).toBe("1");
    expect(found.set_strict_stdout).toContain("%typecheck strict");
    expect(found.strict).toMatchObject({ status: "error", ename: "TypeScriptError" });
    expect(found.strict_stderr).toMatch(/line 1, col 7: Type 'number' is not assignable to type 'string'/);
    expect(found.ran_strict).toBe("'undefined'");
    expect(found.clean_strict).toMatchObject({ status: "ok" });
    expect(found.clean_result).toBe("2");
    expect(found.off).toMatchObject({ status: "ok" });
    expect(found.off_stderr).toBe("");
    expect(found.bad_mode).toMatchObject({ status: "error", evalue: expect.stringContaining("use %typecheck strict, warn or off") });
  });

  it("under %typecheck warn a cell replies once it ran; its type errors follow under it, then its idle, then the next cell", async () => {
    const found = await run("warn_order");
    const arrived = found.arrived as Array<{ cell: string; type: string; state: string | null; text: string | null }>;
    const first = arrived.filter((m) => m.cell === "first");
    const kinds = first.map((m) => (m.type === "iopub:status" ? `status ${m.state}` : m.type === "iopub:stream" ? "type errors" : m.type));
    // Its reply (ok: the cell ran) before its type errors, which come before its idle status, all under its own header.
    expect(kinds).toEqual(["status busy", "iopub:execute_input", "shell:execute_reply", "type errors", "status idle"]);
    expect(first[2].state).toBe("ok");
    expect(first[3].text).toMatch(/^cell 1, line 3, col 7: Type 'string' is not assignable to type 'number'\. \(TS2322\)/);
    // The next request starts only after that idle status (iopub keeps its order), and none of the first cell's type
    // errors land under it.
    const iopub = arrived.filter((m) => m.type.startsWith("iopub:"));
    expect(iopub.findIndex((m) => m.cell === "second")).toBe(iopub.findIndex((m) => m.cell === "first" && m.state === "idle") + 1);
    const second = arrived.filter((m) => m.cell === "second");
    expect(second.some((m) => m.type === "iopub:stream")).toBe(false);
    expect(second.find((m) => m.type === "iopub:execute_result")?.text).toBe("2");
  });

  it("an interrupt while a replied cell's check goes on ends the wait: idle follows, its type errors are never sent", async () => {
    const found = await run("warn_interrupt");
    expect(found.reply).toBe("ok");
    expect(found.first).toEqual(["status", "execute_input", "status"]);
    expect(found.next).toMatchObject({ status: "ok" });
    expect(found.next_outputs).toEqual([["execute_result", null, "2"]]);
  });

  it("%lsmagic lists every magic; an unknown magic points at it", async () => {
    const found = await run("lsmagic");
    expect(found.reply).toMatchObject({ status: "ok" });
    for (const magic of ["%rerun", "%runs", "%dag", "%logs", "%typecheck", "%lsmagic"]) expect(found.stdout).toContain(magic);
    expect((found.unknown as { evalue: string }).evalue).toMatch(/unknown magic %nosuch.*%lsmagic/);
  });

  it("a flow called in a cell shows its own task runs nested under it, live, in the DAG output and in %dag", async () => {
    const found = await run("nested");
    expect(found.reply).toMatchObject({ status: "ok" });
    const dags = found.dags as string[];
    // Each task's 300 ms pause starts after the render timer its start armed, so a nested task shows Running before the end.
    expect(dags.slice(0, -1).some((d) => /▶ etl\s+Running[\s\S]*└ (extract|transform|load)\s+Running/.test(d))).toBe(true);
    const last = dags.at(-1) as string;
    expect(last).toMatch(/✓ etl\s+Completed[^\n]*\n\s+\d ✓ └ extract\s+Completed[^\n]*\n\s+\d ✓ └ transform\s+Completed[^\n]*\n\s+\d ✓ └ load\s+Completed/);
    expect(found.html).toContain('data-depth="1"');
    expect(found.dag).toMatch(/✓ └ load\s+Completed/);
  });

  it("the kernel exits when the process that started it is killed", async () => {
    const found = await run("parent_exit");
    expect(found).toEqual({ alive_before: true, alive_after_2s: true, gone_after_parent_killed: true });
  });
});
