// One temporary folder per run (bench/scratch.ts): the tests' own run uses it, and it is removed at the end.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useScratchTmpdir } from "../../bench/scratch.js";

describe("useScratchTmpdir", () => {
  it("this test run keeps its temporary files in the folder its global setup made", () => {
    const root = process.env.CELLFLOW_TESTS_TMPDIR;
    expect(root).toMatch(/cellflow-tests-/);
    expect(os.tmpdir()).toBe(root);
  });

  it("points TMPDIR at a new folder, then puts it back and removes the folder with what was written in it", () => {
    const before = process.env.TMPDIR;
    const remove = useScratchTmpdir("cellflow-scratch-test-", "CELLFLOW_SCRATCH_TEST");
    const root = os.tmpdir();
    try {
      expect(path.basename(root)).toMatch(/^cellflow-scratch-test-/);
      expect(process.env.CELLFLOW_SCRATCH_TEST).toBe(root);
      fs.mkdirSync(path.join(root, "a", "b"), { recursive: true });
      fs.writeFileSync(path.join(root, "a", "b", "file"), "x");
      // An inner run under the same marker uses the outer folder and removes nothing.
      useScratchTmpdir("cellflow-scratch-test-", "CELLFLOW_SCRATCH_TEST")();
      expect(os.tmpdir()).toBe(root);
      expect(fs.existsSync(path.join(root, "a", "b", "file"))).toBe(true);
    } finally {
      remove();
    }
    expect(fs.existsSync(root)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
    expect(process.env.CELLFLOW_SCRATCH_TEST).toBeUndefined();
  });
});
