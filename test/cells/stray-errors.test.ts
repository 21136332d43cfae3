// catchStrayErrors: the text of an error no cell caught, and listeners that come and go. The real thing (a timer's
// throw in a kernel and in the terminal UI, which Node would end the process for) is in test/kernel/client.test.ts
// and test/tui/tmux.test.ts.

import { describe, expect, it } from "vitest";
import { catchStrayErrors, strayErrorText } from "../../src/cells/stray-errors.js";

describe("strayErrorText", () => {
  it("names what happened and the error, keeps user frames and drops Node's own", () => {
    const error = new TypeError("bad input");
    // Not a cell[N] frame: those are mapped by whichever cell runtime ran last in this process.
    error.stack = "TypeError: bad input\n    at parse (/home/me/lib/parse.js:2:9)\n    at listOnTimeout (node:internal/timers:573:17)\n    at process.processTimers (node:internal/timers:514:7)";
    expect(strayErrorText("Uncaught", error)).toBe("Uncaught TypeError: bad input\n    at parse (/home/me/lib/parse.js:2:9)\n");
  });

  it("inspects a rejection that is not an Error", () => {
    expect(strayErrorText("Unhandled promise rejection", "just a string")).toBe("Unhandled promise rejection: 'just a string'\n");
    expect(strayErrorText("Unhandled promise rejection", { code: 7, nested: { deep: { deeper: { deepest: 1 } } } })).toBe(
      "Unhandled promise rejection: { code: 7, nested: { deep: { deeper: [Object] } } }\n",
    );
  });
});

describe("catchStrayErrors", () => {
  it("reports uncaught exceptions and unhandled rejections until released, and a failing report is not rethrown", () => {
    const before = [process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")];
    const seen: string[] = [];
    const release = catchStrayErrors((text) => {
      seen.push(text);
      throw new Error("the report failed");
    });
    expect([process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")]).toEqual([before[0] + 1, before[1] + 1]);
    const ours = (event: string) => process.listeners(event as "uncaughtException").at(-1) as (value: unknown) => void;
    expect(() => ours("uncaughtException")(new Error("boom"))).not.toThrow();
    expect(() => ours("unhandledRejection")(42)).not.toThrow();
    expect(seen.map((t) => t.split("\n")[0])).toEqual(["Uncaught Error: boom", "Unhandled promise rejection: 42"]);
    release();
    expect([process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")]).toEqual(before);
  });
});
