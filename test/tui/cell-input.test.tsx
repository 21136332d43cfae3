import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshStore, tempHome } from "../engine/helpers.js";
import { KEY, mount, type Mounted } from "./helpers.js";

// Cells run in this process's global scope: every test uses its own variable names.
describe("the cell input", () => {
  let ui: Mounted;
  beforeEach(() => {
    freshStore();
    ui = mount({ cwd: tempHome("cellflow-tui-") });
  });
  afterEach(() => ui.unmount());

  it("typing a cell and Enter runs it and shows its value in the scrollback", async () => {
    await ui.press("const tuiAnswer1 = 6 * 7;", KEY.enter);
    await ui.waitFor("[1] const tuiAnswer1 = 6 * 7;");
    await ui.press("tuiAnswer1 + 0.5", KEY.enter);
    const frame = await ui.waitFor(/^42\.5\s*$/m);
    expect(frame).toContain("[2] tuiAnswer1 + 0.5");
  });

  it("Enter on an incomplete cell adds a line instead of running it; completing it runs it", async () => {
    await ui.press("const tuiObj2 = {", KEY.enter);
    await ui.waitFor("… ");
    expect(ui.controller.typed).toHaveLength(0);
    await ui.press("a: [1, 2],", KEY.enter, "};", KEY.enter);
    await ui.waitFor("[1] const tuiObj2 = {");
    await ui.press("tuiObj2.a", KEY.enter);
    await ui.waitFor("[ 1, 2 ]");
  });

  it("alt+enter and ctrl+j add a line to a complete cell", async () => {
    await ui.press("const tuiLines3 = 1;", KEY.altEnter, "const tuiLines3b = 2;", KEY.ctrlJ, "tuiLines3 + tuiLines3b");
    const frame = await ui.waitFor("… tuiLines3 + tuiLines3b");
    expect(frame).toContain("… const tuiLines3b = 2;");
    expect(ui.controller.typed).toHaveLength(0);
    await ui.press(KEY.enter);
    await ui.waitFor(/^3\s*$/m);
  });

  it("arrays of records show as a table, errors with the cell's line and column", async () => {
    await ui.press('[{ state: "NY", n: 3 }, { state: "CA", n: 5 }]', KEY.enter);
    await ui.waitFor(/state\s+n\n.*─/);
    await ui.press("const tuiOk4 = 1;", KEY.altEnter, "tuiMissing4.x", KEY.enter);
    const frame = await ui.waitFor("ReferenceError");
    expect(frame).toMatch(/cell 2 \(`tuiMissing4\.x`\), line 2, col 1: ReferenceError: tuiMissing4 is not defined/);
  });

  it("up at the first line brings back the previous cell from history", async () => {
    await ui.press("const tuiHist5 = 5;", KEY.enter);
    await ui.waitFor("[1] const tuiHist5 = 5;");
    await ui.press(KEY.up);
    await ui.waitFor("› const tuiHist5 = 5;");
    await ui.press(KEY.down);
    await ui.waitFor(/║ › +║/);
  });
});
