// The order of the checks the checker's server makes: the libraries at start, cells as they come, and its own warm-up
// (the cellflow API, then made-up cells) only once idle.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { CellDeclarations } from "../../src/cells/declarations.js";
import { serveChecks } from "../../src/cells/type-check-server.js";
import type { CheckReply, CheckRequest } from "../../src/cells/type-check-thread.js";
import type { CellTypeChecker } from "../../src/cells/type-check.js";

const NONE: CellDeclarations = { source: "\nexport {};\n", names: [] };

describe("serveChecks", () => {
  it("loads the libraries, answers cells, and loads the cellflow API only once idle, ending on a check that imports nothing", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate"] });
    try {
      const checked: string[] = [];
      let over = false;
      // A stand-in that records what it is asked; once the test is over it fails, which ends the idle warm-up.
      const checker = {
        lastCheckReusable: true,
        check: (_declarations: CellDeclarations, code: string) => {
          if (over) throw new Error("the test is over");
          checked.push(code);
          return [];
        },
      } as unknown as CellTypeChecker;
      let deliver: ((request: CheckRequest) => void) | undefined;
      const replies: CheckReply[] = [];
      let warm = 0;
      serveChecks(
        checker,
        (onRequest) => (deliver = onRequest),
        (answer) => replies.push(answer),
        () => warm++,
      );
      expect(checked).toEqual([""]);
      deliver!({ id: 1, code: "1 + 1", cellId: 1, declarations: NONE });
      vi.advanceTimersByTime(500);
      // Cells one after another right after the first: nothing of the warm-up runs between them.
      deliver!({ id: 2, code: "2 + 1", cellId: 2 });
      vi.advanceTimersByTime(999);
      expect(replies).toEqual([
        { id: 1, diagnostics: [], reusable: true },
        { id: 2, diagnostics: [], reusable: true },
      ]);
      expect(checked).toEqual(["", "1 + 1", "2 + 1"]);
      expect(warm).toBe(0);
      vi.advanceTimersByTime(1);
      // The last warm-up check of that step leaves the program as a cell without imports (most cells) finds it: a
      // check whose imports differ from the one before makes a new program.
      expect(checked).toEqual(["", "1 + 1", "2 + 1", 'import { task, flow } from "cellflow";', ""]);
      expect(warm).toBe(1);
      over = true;
      vi.runAllTimers();
      expect(warm).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  describe("when idle", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("checks made-up cells 1 s after the last request until 60 checks in all, a request putting the rest off", () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate"] });
      const checked: string[] = [];
      const checker = {
        lastCheckReusable: true,
        check: (_declarations: CellDeclarations, code: string) => {
          checked.push(code);
          return [];
        },
      } as unknown as CellTypeChecker;
      let deliver: ((request: CheckRequest) => void) | undefined;
      serveChecks(checker, (onRequest) => (deliver = onRequest), () => {});
      vi.advanceTimersByTime(0);
      expect(checked).toEqual([""]); // the libraries
      deliver!({ id: 1, code: "cell 1", cellId: 1, declarations: NONE });
      const madeUp = () => checked.filter((code) => /^\d+ \+ \d$/.test(code)).length;
      vi.advanceTimersByTime(999);
      expect(checked).toEqual(["", "cell 1"]);
      vi.advanceTimersByTime(1);
      // The cellflow API and a cell importing nothing (one step), then made-up cells.
      expect(checked.slice(2, 4)).toEqual(['import { task, flow } from "cellflow";', ""]);
      for (let i = 0; i < 10; i++) vi.advanceTimersToNextTimer();
      expect(madeUp()).toBe(10);
      deliver!({ id: 2, code: "cell 2", cellId: 2 });
      vi.advanceTimersByTime(999);
      expect(madeUp()).toBe(10);
      vi.runAllTimers();
      // The two cells' checks count: the process has made 60 in all, then stops.
      expect(madeUp()).toBe(58);
      expect(checked[4]).toMatch(/^\d+ \+ \d$/);
      expect(checked[14]).toBe("cell 2");
      vi.advanceTimersByTime(60_000);
      deliver!({ id: 3, code: "cell 3", cellId: 3 });
      vi.runAllTimers();
      expect(madeUp()).toBe(58);
    });
  });
});
