// The kernel's completion and hover see earlier cells' declarations, and a cell's own `///` directives as well.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCellLanguageService } from "../../kernel/language-service.js";

const dir = mkdtempSync(join(tmpdir(), "cellflow-language-service-"));
const EARLIER = "declare const earlier: number;";

describe("CellLanguageService", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("completes a name an earlier cell declared", async () => {
    const service = await createCellLanguageService(dir);
    const code = "const twice = earl";
    expect(service.complete(EARLIER, code, code.length).matches).toContain("earlier");
  });

  it("reads a /// <reference lib> at the top of the cell when earlier cells declared something", async () => {
    const service = await createCellLanguageService(dir);
    const code = '/// <reference lib="dom" />\nconst t = document.tit';
    const found = service.complete(EARLIER, code, code.length);
    expect(found.matches).toContain("title");
    expect([found.cursorStart, found.cursorEnd]).toEqual([code.length - 3, code.length]);
  });

  it("hovers a name after the directive, at the cell's own position", async () => {
    const service = await createCellLanguageService(dir);
    const code = '/// <reference lib="dom" />\nearlier + document.title';
    expect(service.inspect(EARLIER, code, code.indexOf("earlier") + 2)?.text).toContain("const earlier: number");
    expect(service.inspect(EARLIER, code, code.indexOf("title") + 1)?.text).toContain("title: string");
  });
});
