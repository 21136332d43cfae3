// artifact.* inside tasks and flows: stored per run with the task that made it, shown as HTML in a notebook
// (the display sink the kernel installs), and listed in the terminal UI's task details.

import { afterEach, describe, expect, it } from "vitest";
import { artifact, flow, task } from "../../src/index.js";
import { installDisplaySink, type DisplayOutput } from "../../src/display/sink.js";
import { detailLines } from "../../src/tui/TaskDetails.js";
import { freshStore, flushed } from "../engine/helpers.js";

afterEach(() => void installDisplaySink(undefined));

describe("artifacts in runs", () => {
  it("a task's table artifact is stored with its run and task run, and shown as an HTML table in a notebook", async () => {
    freshStore();
    const shown: DisplayOutput[] = [];
    installDisplaySink({ display: (o) => shown.push(o), update() {}, clear() {} });
    const counts = task("counts", (rows: number[]) => {
      artifact.table("row-counts", [{ stage: "<raw>", rows: rows.length }], { description: "rows per stage" });
      return rows.length;
    });
    const etl = flow("etl-artifacts", async () => {
      const n = await counts([1, 2, 3]);
      artifact.link("docs", "javascript:alert(1)", { text: "docs" });
      return n;
    });
    const run = await etl.run();
    const stored = flushed().listArtifacts({ flowRunId: run.id });
    expect(stored.map((a) => [a.key, a.version, a.type, a.taskRunId])).toEqual([
      ["row-counts", 1, "table", run.taskRuns[0].id],
      ["docs", 1, "link", null],
    ]);
    expect(shown).toHaveLength(2);
    const html = String(shown[0].data["text/html"]);
    expect(html).toContain("artifact row-counts v1 (table) — rows per stage");
    expect(html).toMatch(/<table class="cellflow-table".*<td[^>]*>&lt;raw&gt;<\/td>.*<td[^>]*>3<\/td>/);
    // A link that is not http(s) is never made clickable.
    expect(String(shown[1].data["text/html"])).toContain('<a href="#"');
    expect(shown[0].data["text/plain"]).toMatch(/^artifact row-counts v1 \(table\) — rows per stage\nstage {2}rows\n/);

    // The terminal UI's task details list the task's artifacts above its logs.
    const lines = detailLines(run.taskRuns[0], { flowRun: run, taskRuns: run.taskRuns }, [], (s) => s, flushed().listArtifacts({ taskRunId: run.taskRuns[0].id })).map((l) => l.text);
    const at = lines.indexOf("artifact row-counts v1 (table) — rows per stage");
    expect(at).toBeGreaterThan(-1);
    expect(lines.slice(at + 1, at + 4)).toEqual(["  stage  rows", "  ─────  ────", "  <raw>     3"]);
    expect(lines.indexOf("logs (0):")).toBeGreaterThan(at);
  });

  it("versions count per key across runs; a bad key or value is refused by name", async () => {
    freshStore();
    const report = flow("report-artifacts", async ({ n = 1 }: { n?: number }) => artifact.markdown("report", `# ${n}`).version);
    expect(await report({ n: 1 })).toBe(1);
    expect(await report({ n: 2 })).toBe(2);
    expect(flushed().getArtifactVersions("report").map((a) => a.data)).toEqual([{ markdown: "# 2" }, { markdown: "# 1" }]);
    expect(() => artifact.table("Row Counts", [])).toThrow(/artifact key "Row Counts" is not allowed — use lowercase letters, digits, '-' and '_'/);
    expect(() => artifact.table("ok", 5 as unknown as unknown[])).toThrow(/artifact.table\("ok", …\) needs a list of rows/);
    expect(artifact.table("columns", { state: ["NY", "CA"], n: [1, 2] }).data).toEqual({ rows: [{ state: "NY", n: 1 }, { state: "CA", n: 2 }] });
  });
});
