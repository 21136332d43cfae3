// jupyter_kernel_test's protocol suite (python3 -m unittest) against the Cellflow kernelspec in a temp Jupyter prefix.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, jupyterEnv, runPython, type JupyterEnv } from "./harness.js";

const { python, skip } = findPython();

describe.skipIf(!python)(`jupyter_kernel_test suite${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let jupyter: JupyterEnv;
  beforeAll(async () => {
    jupyter = await jupyterEnv();
  });
  afterAll(() => jupyter?.cleanup());

  it("passes every test it has samples for (all but the pager)", async () => {
    const result = await runPython(python as string, ["-m", "unittest", "-v", "test_cellflow_kernel"], jupyter.env, 180_000);
    const report = result.stderr;
    expect(report, report).toMatch(/\nOK \(skipped=1\)\n/);
    expect(result.code).toBe(0);
    for (const name of [
      "kernel_info",
      "execute_stdout",
      "execute_stderr",
      "completion",
      "is_complete",
      "error",
      "execute_result",
      "display_data",
      "history",
      "inspect",
      "clear_output",
    ]) {
      expect(report).toMatch(new RegExp(`test_${name} \\(.*\\) \\.\\.\\. ok`));
    }
    expect(report).toMatch(/test_pager .*skipped/);
  }, 200_000);
});
