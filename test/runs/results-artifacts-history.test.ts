// runs result / getResult, artifacts versioned by key, and runs show --history, end to end through the CLI.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, SLOW, cli, cliJson, errorLines, requireBuiltCli, tempDir, type FlowRunJson } from "../acceptance/helpers.js";
import { withDb } from "../deploy/helpers.js";

requireBuiltCli();

const FLOW = `import { artifact, flow, task, getRunLogger } from "cellflow";

const extract = task("extract", (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, state: i % 2 ? "NY" : "CA" })));
const count = task("count", (rows: Array<{ id: number }>) => {
  artifact.table("row-counts", [{ stage: "extract", rows: rows.length }], { description: "rows per stage" });
  getRunLogger().warn("few rows: %d", rows.length);
  getRunLogger().info("counted");
  return rows.length;
});
const handle = task("handle", () => () => "a function cannot be persisted");

export const etl = flow({ name: "etl", tags: ["nightly"] }, async ({ n = 3 }: { n?: number }) => {
  const rows = await extract(n);
  const total = await count(rows);
  await handle();
  artifact.markdown("report", "# " + total + " rows");
  artifact.link("docs", "https://example.com/etl", { text: "runbook" });
  return { total };
});
`;

interface ArtifactJson {
  key: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  flowRunId: string;
  taskRunId: string | null;
}

interface HistoryJson {
  time: string;
  kind: "flow" | "task";
  name: string;
  runId: string;
  state: { type: string; name: string; message: string };
}

describe("results, artifacts and history", { timeout: SLOW }, () => {
  let home: string;
  let file: string;
  let first: FlowRunJson;
  let second: FlowRunJson;

  beforeAll(async () => {
    home = tempDir("results-home");
    const dir = tempDir("results");
    file = path.join(dir, "etl.ts");
    fs.writeFileSync(file, FLOW);
    first = await cliJson<FlowRunJson>(["run", file, "-p", "n=3"], { home });
    second = await cliJson<FlowRunJson>(["run", file, "-p", "n=4"], { home });
    expect(second.state.name).toBe("Completed");
  });

  it("runs result reads a task's stored value back in a new process: a table for records, JSON with --json", async () => {
    const json = await cliJson(["runs", "result", first.id.slice(0, 8), "extract"], { home });
    expect(json).toEqual([{ id: 0, state: "CA" }, { id: 1, state: "NY" }, { id: 2, state: "CA" }]);
    const text = await cli(["runs", "result", first.id, "extract"], { home });
    expect(text.code).toBe(0);
    expect(text.stdout.split("\n").slice(0, 3)).toEqual(["id  state", "──  ─────", " 0  CA"]);
    expect(await cliJson(["runs", "result", second.id, "count-0"], { home })).toBe(4);
    expect(await cliJson(["runs", "result", second.id], { home })).toEqual({ total: 4 });
  });

  it("a result kept in memory only, or an unknown task, says so in one line", async () => {
    const memory = await cli(["runs", "result", first.id, "handle"], { home });
    expect(memory.code).toBe(2);
    expect(errorLines(memory)).toHaveLength(1);
    expect(memory.stderr).toMatch(/the result of task handle-0 of run etl-\S+ was kept in memory only/);
    const unknown = await cli(["runs", "result", first.id, "nope"], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/has no task 'nope' — its tasks: extract, count, handle/);
  });

  it("getResult(runId, taskName) from the library, in another process", () => {
    const script = `import { getResult } from ${JSON.stringify(path.join(ROOT, "dist", "src", "index.js"))};
      const rows = await getResult(${JSON.stringify(second.id)}, "extract");
      const flowValue = await getResult(${JSON.stringify(second.id.slice(0, 8))});
      let refused = "";
      try { await getResult(${JSON.stringify(second.id)}, "handle"); } catch (e) { refused = e.message; }
      console.log(JSON.stringify({ n: rows.length, last: rows.at(-1), flowValue, refused }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, CELLFLOW_HOME: home }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { n: number; last: unknown; flowValue: unknown; refused: string };
    expect(out).toMatchObject({ n: 4, last: { id: 3, state: "NY" }, flowValue: { total: 4 } });
    expect(out.refused).toMatch(/kept in memory only/);
  });

  it("artifacts are stored per run and versioned by key; ls, ls --key, show and runs show list them", async () => {
    const latest = await cliJson<ArtifactJson[]>(["artifacts", "ls"], { home });
    expect(latest.map((a) => [a.key, a.version, a.type, a.flowRunId])).toEqual([
      ["docs", 2, "link", second.id],
      ["report", 2, "markdown", second.id],
      ["row-counts", 2, "table", second.id],
    ]);
    const versions = await cliJson<ArtifactJson[]>(["artifacts", "ls", "--key", "row-counts"], { home });
    expect(versions.map((a) => [a.version, a.flowRunId, a.data])).toEqual([
      [2, second.id, { rows: [{ stage: "extract", rows: 4 }] }],
      [1, first.id, { rows: [{ stage: "extract", rows: 3 }] }],
    ]);
    const shown = await cli(["artifacts", "show", "report", "1"], { home });
    expect(shown.stdout).toMatch(/^report v1 \(markdown\) · .* · run [0-9a-f]{8}\n# 3 rows\n$/);
    const run = await cliJson<{ artifacts: ArtifactJson[]; taskRuns: Array<{ id: string; name: string }> }>(["runs", "show", first.id], { home });
    const countTask = run.taskRuns.find((t) => t.name === "count")!;
    expect(run.artifacts.map((a) => [a.key, a.version, a.taskRunId])).toEqual([["row-counts", 1, countTask.id], ["report", 1, null], ["docs", 1, null]]);
    const text = await cli(["runs", "show", first.id], { home });
    expect(text.stdout).toMatch(/artifacts:\n {2}row-counts v1 \(table\) — rows per stage from task count-0\n {4}stage {4}rows\n/);
    expect(text.stdout).toMatch(/ {2}docs v1 \(link\)\n {4}runbook: https:\/\/example.com\/etl/);
    const missing = await cli(["artifacts", "show", "nope"], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no artifact with key 'nope' — known keys: docs, report, row-counts/);
  });

  it("runs show --history lists every transition of the run and its task runs, in time order", async () => {
    const run = await cliJson<{ history: HistoryJson[] }>(["runs", "show", first.id, "--history"], { home });
    const times = run.history.map((h) => Date.parse(h.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const of = (name: string) => run.history.filter((h) => h.name === name).map((h) => h.state.name);
    expect(of(first.name)).toEqual(["Pending", "Running", "Completed"]);
    for (const task of ["extract-0", "count-0", "handle-0"]) expect(of(task)).toEqual(["Pending", "Running", "Completed"]);
    // Complete: as many entries as the stored histories hold.
    const stored = withDb(home, (db) => {
      const rows = [
        ...(db.prepare("SELECT history FROM flow_runs WHERE id = ?").all(first.id) as Array<{ history: string }>),
        ...(db.prepare("SELECT history FROM task_runs WHERE flow_run_id = ?").all(first.id) as Array<{ history: string }>),
      ];
      return rows.reduce((n, r) => n + (JSON.parse(r.history) as unknown[]).length, 0);
    });
    expect(run.history).toHaveLength(stored);
    const text = await cli(["runs", "show", first.id, "--history"], { home });
    expect(text.stdout).toMatch(/history:\nTIME +RUN +STATE +MESSAGE\n.* flow etl-\S+ +Pending/);
  });

  it("the example ETL notebook keeps its row counts as a table artifact", async () => {
    const nbHome = tempDir("nb-artifact-home");
    const cwd = tempDir("nb-artifact-cwd");
    const run = await cliJson<FlowRunJson>(["run", path.join(ROOT, "notebooks", "etl-complaints.ipynb"), "-p", "size=7"], { home: nbHome, cwd });
    const shown = await cliJson<ArtifactJson>(["artifacts", "show", "etl-row-counts"], { home: nbHome });
    expect(shown).toMatchObject({ version: 1, type: "table", flowRunId: run.id });
    expect(shown.data).toEqual({ rows: [{ stage: "extracted", rows: 7 }, { stage: "parsed", rows: 7 }, { stage: "stored", rows: 7 }] });
  });

  it("runs logs --level warn keeps warnings and errors only", async () => {
    const all = await cli(["runs", "logs", first.id], { home });
    expect(all.stdout).toMatch(/info +\[count-0\] counted/);
    const warn = await cli(["runs", "logs", first.id, "--level", "warn"], { home });
    const lines = warn.stdout.trim().split("\n");
    expect(lines.every((l) => / (warning|error) /.test(l))).toBe(true);
    expect(lines.some((l) => /few rows: 3/.test(l))).toBe(true);
    const bad = await cli(["runs", "logs", first.id, "--level", "loud"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown log level 'loud' — use debug, info, warn or error/);
  });
});
