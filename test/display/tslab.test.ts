// Inside a tslab kernel (no Cellflow sink), display() goes through tslab's newDisplay() API.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { display } from "../../src/display/display.js";
import { installDisplaySink, type DisplaySink } from "../../src/display/sink.js";
import { findTslab, useTslabDisplay, type TslabModule } from "../../src/display/tslab.js";

type Sent = { kind: "display" | "update"; id: string; data: Record<string, string> };

// A stand-in for tslab's CommonJS layout: dist/jupyter.js holds the live writer, dist/public.js the
// API (newDisplay: first call display_data, later calls update_display_data with the same id).
const JUPYTER_JS = `exports.sent = []; exports.lastWriteDisplayData = (data, update) => exports.sent.push({ kind: update ? "update" : "display", id: data.transient.display_id, data: data.data });`;
const PUBLIC_JS = `const jupyter = require("./jupyter");
let next = 0;
exports.newDisplay = () => {
  const id = "tslab-" + next++;
  let shown = false;
  const raw = (type, b) => { jupyter.lastWriteDisplayData({ data: { [type]: b }, metadata: {}, transient: { display_id: id } }, shown); shown = true; };
  return { raw, text: (s) => raw("text/plain", s), html: (s) => raw("text/html", s) };
};`;

describe("tslab display routing", () => {
  let dir: string;
  let jupyter: { sent: Sent[] };
  let previousSink: DisplaySink | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cellflow-tslab-"));
    const dist = join(dir, "node_modules", "tslab", "dist");
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, "jupyter.js"), JUPYTER_JS);
    writeFileSync(join(dist, "public.js"), PUBLIC_JS);
    // As in a tslab kernel: the kernel's own jupyter.js is already loaded into the shared require cache.
    jupyter = createRequire(join(dir, "index.js"))(join(dist, "jupyter.js")) as { sent: Sent[] };
    previousSink = installDisplaySink(undefined);
  });
  afterAll(() => {
    installDisplaySink(previousSink);
    const require = createRequire(import.meta.url);
    for (const file of Object.keys(require.cache)) if (file.startsWith(dir)) delete require.cache[file];
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    jupyter.sent.length = 0;
    useTslabDisplay(undefined);
  });

  it("finds the running tslab through the require cache", () => {
    expect(typeof findTslab()?.newDisplay).toBe("function");
  });

  it("display() sends the richest MIME type tslab can show, and update() replaces it in place", () => {
    const handle = display([{ a: 1 }]);
    handle.update([{ a: 2 }]);
    expect(jupyter.sent.map((s) => s.kind)).toEqual(["display", "update"]);
    expect(jupyter.sent[0].id).toBe(jupyter.sent[1].id);
    expect(Object.keys(jupyter.sent[0].data)).toEqual(["text/html"]);
    expect(jupyter.sent[1].data["text/html"]).toContain("<td");
  });

  it("plain values go as text/plain", () => {
    display(42);
    expect(jupyter.sent).toEqual([{ kind: "display", id: expect.any(String), data: { "text/plain": "42" } }]);
  });

  it("useTslabDisplay() registers a tslab module explicitly, ahead of the require cache", () => {
    const calls: [string, unknown][] = [];
    const fake: TslabModule = { newDisplay: () => ({ raw: (t, d) => void calls.push([t, d]), text: (s) => void calls.push(["text/plain", s]) }) };
    useTslabDisplay(fake);
    display.markdown("# hi");
    expect(calls).toEqual([["text/markdown", "# hi"]]);
    expect(jupyter.sent).toEqual([]);
  });

  it("a Cellflow sink takes precedence over tslab", () => {
    const seen: string[] = [];
    const previous = installDisplaySink({ display: (o) => void seen.push(o.data["text/plain"]), update: () => {}, clear: () => {} });
    try {
      display("via sink");
    } finally {
      installDisplaySink(previous);
    }
    expect(seen).toEqual(["via sink"]);
    expect(jupyter.sent).toEqual([]);
  });
});
