// The order of the checks the checker's server makes at start: its own warm-up ones and a cell's that was waiting.

import { describe, expect, it } from "vitest";
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
});
