// The order of the checks the checker's server makes at start: its own warm-up ones and a cell's that was waiting.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { CellDeclarations } from "../../src/cells/declarations.js";
import { serveChecks } from "../../src/cells/type-check-server.js";
import type { CheckReply, CheckRequest } from "../../src/cells/type-check-thread.js";
import type { CellTypeChecker } from "../../src/cells/type-check.js";

const NONE: CellDeclarations = { source: "\nexport {};\n", names: [] };

describe("serveChecks", () => {
  it("loads the libraries, answers a waiting cell, loads the cellflow API, and ends on a check that imports nothing", async () => {
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
    serveChecks(
      checker,
      (onRequest) => (deliver = onRequest),
      (answer) => replies.push(answer),
    );
    deliver!({ id: 1, code: "1 + 1", cellId: 1, declarations: NONE });
    await new Promise((resolve) => setImmediate(resolve));
    over = true;
    expect(replies).toEqual([{ id: 1, diagnostics: [], reusable: true }]);
    // The last warm-up check leaves the program as a cell without imports (most cells) finds it: a check whose
    // imports differ from the one before rebuilds the program's structure.
    expect(checked).toEqual(["", "1 + 1", 'import { task, flow } from "cellflow";', ""]);
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
      expect(checked).toHaveLength(3); // the libraries, the cellflow API, a cell importing nothing
      deliver!({ id: 1, code: "cell 1", cellId: 1, declarations: NONE });
      const madeUp = () => checked.slice(3).filter((code) => !code.startsWith("cell ")).length;
      vi.advanceTimersByTime(999);
      expect(madeUp()).toBe(0);
      vi.advanceTimersByTime(1);
      for (let i = 0; i < 9; i++) vi.advanceTimersToNextTimer();
      expect(madeUp()).toBe(10);
      deliver!({ id: 2, code: "cell 2", cellId: 2 });
      vi.advanceTimersByTime(999);
      expect(madeUp()).toBe(10);
      vi.runAllTimers();
      // The two cells' checks count: the process has made 60 in all, then stops.
      expect(madeUp()).toBe(58);
      expect(checked.slice(3, 5)).toEqual(["cell 1", expect.stringMatching(/^\d+ \+ \d$/)]);
      expect(checked[14]).toBe("cell 2");
      vi.advanceTimersByTime(60_000);
      deliver!({ id: 3, code: "cell 3", cellId: 3 });
      vi.runAllTimers();
      expect(madeUp()).toBe(58);
    });
  });
});
