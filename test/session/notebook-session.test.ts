// NotebookSession: cells → session flow runs, lazy run creation, rerun from failure. Cells import "cellflow"
// through the real loader, which vitest's module runner bypasses, so each scenario runs in a child `node`
// against the built dist/ (npm test builds it first).

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempHome } from "../engine/helpers.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SESSION = path.join(ROOT, "dist", "src", "session", "notebook-session.js");

/** Runs `body` (an async function body with `session`, `dir` and `out(value)` in scope) in a child node. */
async function scenario(body: string): Promise<any> {
  if (!fs.existsSync(SESSION)) throw new Error(`${SESSION} is missing: build first with \`npx tsc -p tsconfig.json\` (npm test does)`);
  const dir = tempHome("cellflow-session-");
  const script = path.join(dir, "scenario.mjs");
  fs.writeFileSync(
    script,
    `import { NotebookSession } from ${JSON.stringify(SESSION)};
     const dir = ${JSON.stringify(dir)};
     const session = new NotebookSession({ cwd: dir, name: "nb" });
     const results = [];
     const out = (v) => results.push(v);
     ${body}
     process.stdout.write(JSON.stringify(results));`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: dir, env: { ...process.env, CELLFLOW_HOME: path.join(dir, "home") }, encoding: "utf8" });
  return { results: JSON.parse(stdout), dir };
}

// Each scenario has its own folder and store, in a child node of its own: they run concurrently.
describe.concurrent("NotebookSession", { timeout: 180_000 }, () => {
  it("a cell that calls no task makes no flow run", async () => {
    const { results } = await scenario(`
      const r = await session.runCell("const plain = 40 + 2; plain", 1);
      out({ ok: r.outcome.ok, value: r.outcome.value, run: r.run });`);
    expect(results).toEqual([{ ok: true, value: 42, run: null }]);
  });

  it("a cell that calls no task loads neither the engine nor the store; the first task call does, and makes the run", async () => {
    const { results } = await scenario(`
      const { createRequire } = await import("node:module");
      const sqliteLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("better-sqlite3"));
      const plain = await session.runCell("1 + 1", 1);
      out({ value: plain.outcome.value, run: plain.run, sqlite: sqliteLoaded(), runs: session.runs().length });
      const tasks = await session.runCell('import { task } from "cellflow";\\nconst sq = task("sq", (x: number) => x * x);\\nawait sq(3)', 2);
      out({ value: tasks.outcome.value, state: tasks.run.state.name, sqlite: sqliteLoaded(), runs: session.runs().length });`);
    expect(results).toEqual([
      { value: 2, run: null, sqlite: false, runs: 0 },
      { value: 9, state: "Completed", sqlite: true, runs: 1 },
    ]);
  });

  it("task calls in a cell become task runs of one session flow run", async () => {
    const { results } = await scenario(`
      await session.runCell('import { task } from "cellflow";\\nconst sq = task("sq", (x: number) => x * x);', 1);
      const r = await session.runCell("const a = await sq(3); const b = await sq(4); a + b", 2);
      out({ value: r.outcome.value, state: r.run.state.name, flow: r.run.flowName, keys: session.graph().taskRuns.map((t) => t.dynamicKey) });`);
    expect(results).toEqual([{ value: 25, state: "Completed", flow: "nb", keys: ["sq-0", "sq-1"] }]);
  });

  it("rerun after a fix executes only the failed task and what depends on it; upstream is Cached", async () => {
    const { results, dir } = await scenario(`
      await session.runCell('import fs from "node:fs";\\nimport { task } from "cellflow";\\nconst bump = (k: string) => fs.appendFileSync(' + JSON.stringify(dir) + ' + "/count-" + k, "x");', "setup");
      await session.runCell('const extract = task("extract", () => { bump("extract"); return [1, 2, 3]; });', "e");
      await session.runCell('const transform = task("transform", (rows: number[]) => { bump("transform"); throw new Error("bad transform"); });', "t");
      await session.runCell('const load = task("load", (rows: number[]) => { bump("load"); return rows.length; });', "l");
      const failed = await session.runCell("const n = await load(await transform(await extract()));", "main");
      out({ ok: failed.outcome.ok, state: failed.run.state.name, message: failed.run.state.message });
      await session.runCell('const transform = task("transform", (rows: number[]) => { bump("transform"); return rows.map((r) => r * 10); });', "t");
      const again = await session.rerun();
      out({ ok: again.ok, same: again.run.id === failed.run.id, attempt: again.run.attempt, states: session.graph().taskRuns.map((t) => [t.taskName, t.state.name]) });`);
    expect(results[0]).toMatchObject({ ok: false, state: "Failed" });
    expect(results[0].message).toMatch(/^cell main: bad transform \(thrown at cell t, line 1, col \d+: `const transform = task\("transform", .*…`\)$/);
    expect(results[1]).toEqual({ ok: true, same: true, attempt: 2, states: [["extract", "Cached"], ["transform", "Completed"], ["load", "Completed"]] });
    const count = (k: string) => fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length;
    expect([count("extract"), count("transform"), count("load")]).toEqual([1, 2, 1]);
  });

  it("a new run of the same cells executes every task again (no silent cache); %refresh re-executes a cross-run cached task", async () => {
    const { results, dir } = await scenario(`
      await session.runCell('import fs from "node:fs";\\nimport { task } from "cellflow";\\nconst bump = (k: string) => fs.appendFileSync(' + JSON.stringify(dir) + ' + "/count-" + k, "x");', "setup");
      await session.runCell('const store = task("store", (n: number) => { bump("store"); return n; });\\nconst daily = task({ name: "daily", cachePolicy: "inputs" }, (n: number) => { bump("daily"); return n; });', "defs");
      const state = (r) => session.graph(r.run.id).taskRuns.map((t) => [t.taskName, t.state.name, t.cacheReason]);
      const first = await session.runCell("await store(await daily(5))", "main");
      const second = await session.runCell("await store(await daily(5))", "main");
      session.refreshNextRun();
      const refreshed = await session.runCell("await store(await daily(5))", "main");
      const after = await session.runCell("await store(await daily(5))", "main");
      out({ second: state(second), refreshed: state(refreshed), after: state(after), refreshedName: refreshed.run.name, refreshedId: refreshed.run.id.slice(0, 8) });`);
    const [r] = results;
    expect(r.second).toEqual([
      ["daily", "Cached", expect.stringMatching(/^cached: from run nb-[a-z]+-[a-z]+ \([0-9a-f]{8}\)$/)],
      ["store", "Completed", "executed: no earlier run"],
    ]);
    expect(r.refreshed).toEqual([
      ["daily", "Completed", "executed: refresh requested"],
      ["store", "Completed", "executed: refresh requested"],
    ]);
    expect(r.after[0]).toEqual(["daily", "Cached", `cached: from run ${r.refreshedName} (${r.refreshedId})`]);
    const count = (k: string) => fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length;
    expect([count("store"), count("daily")]).toEqual([4, 2]);
  });

  it("rerun with no failed run is a clear error", async () => {
    const { results } = await scenario(`
      try { await session.rerun(); out("no error"); } catch (e) { out(e.message); }`);
    expect(results[0]).toMatch(/^no failed run in this session to rerun — /);
  });

  it("rerun keeps a fix typed in a new cell: the failing cell defined the task, a later cell redefined it", async () => {
    const { results, dir } = await scenario(`
      await session.runCell('import fs from "node:fs";\\nimport { task } from "cellflow";\\nconst bump = (k: string) => fs.appendFileSync(' + JSON.stringify(dir) + ' + "/count-" + k, "x");', 1);
      const failed = await session.runCell('const extract = task("extract", () => { bump("extract"); return [1, 2, 3]; });\\nconst transform = task("transform", (rows: number[]) => { bump("transform-broken"); throw new Error("bad transform"); });\\nconst total = (await transform(await extract())).length;', 2);
      out({ ok: failed.outcome.ok });
      const fix = await session.runCell('const transform = task("transform", (rows: number[]) => { bump("transform-fixed"); return rows.map((r) => r * 10); });', 3);
      out({ fixRun: fix.run });
      const again = await session.rerun();
      out({ ok: again.ok, cells: again.cells.map((c) => c.cell), same: again.run.id === failed.run.id, states: session.graph().taskRuns.map((t) => [t.taskName, t.state.name]) });
      const after = await session.runCell("[total, transform.name]", 4);
      out(after.outcome.value);`);
    expect(results[0]).toEqual({ ok: false });
    expect(results[1]).toEqual({ fixRun: null });
    expect(results[2]).toEqual({ ok: true, cells: [2], same: true, states: [["extract", "Cached"], ["transform", "Completed"]] });
    const count = (k: string) => (fs.existsSync(path.join(dir, `count-${k}`)) ? fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length : 0);
    expect([count("extract"), count("transform-broken"), count("transform-fixed")]).toEqual([1, 1, 1]);
    expect(results[3][0]).toBe(3);
  });

  it("rerun replays only task-calling cells: a definition-only cell of the failed run is not replayed over a newer one", async () => {
    const { results, dir } = await scenario(`
      await session.runCell('import fs from "node:fs";\\nimport { task } from "cellflow";\\nconst bump = (k: string) => fs.appendFileSync(' + JSON.stringify(dir) + ' + "/count-" + k, "x");', 0);
      const failed = await session.execute([
        { id: 1, source: 'const source = task("source", () => { bump("source"); return 2; });' },
        { id: 2, source: 'const double = task("double", (x: number) => { bump("double-broken"); throw new Error("no"); });' },
        { id: 3, source: 'const result = await double(await source());' },
      ]);
      out({ ok: failed.ok, state: failed.run.state.name });
      await session.runCell('const double = task("double", (x: number) => { bump("double-fixed"); return x * 2; });', 4);
      const again = await session.rerun();
      out({ ok: again.ok, cells: again.cells.map((c) => c.cell) });
      out((await session.runCell("result", 5)).outcome.value);`);
    expect(results[0]).toEqual({ ok: false, state: "Failed" });
    expect(results[1]).toEqual({ ok: true, cells: [3] });
    expect(results[2]).toBe(4);
    const count = (k: string) => (fs.existsSync(path.join(dir, `count-${k}`)) ? fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length : 0);
    expect([count("source"), count("double-broken"), count("double-fixed")]).toEqual([1, 1, 1]);
  });

  it("under warn, awaitLastCheck: false resolves once the cell ran; its type errors, then onCell, follow and `checked` resolves after them", async () => {
    // The checker takes a while over a thousand levels of a recursive type; running the cell takes nothing.
    const cell = (n: number) =>
      JSON.stringify(`type Build${n}<N extends number, A extends unknown[] = []> = A["length"] extends N ? A : Build${n}<N, [...A, unknown]>;\nconst slow${n}: Build${n}<990>["length"] = 990;\nconst wrong${n}: number = "text";\nslow${n}`);
    const { results } = await scenario(`
      session.typecheck = "warn";
      for (const [id, source, awaitLastCheck] of [[1, ${cell(1)}, true], [2, ${cell(2)}, false]]) {
        const seen = [];
        const r = await session.execute([{ id, source }], { awaitLastCheck, onDiagnostics: () => seen.push("diagnostics"), onCell: () => seen.push("onCell") });
        seen.push("resolved");
        const atResolve = r.cells[0].diagnostics.length;
        await r.checked;
        out({ seen, atResolve, codes: r.cells[0].diagnostics.map((d) => d.code), value: r.cells[0].outcome.value });
      }`);
    expect(results[0]).toEqual({ seen: ["diagnostics", "onCell", "resolved"], atResolve: 1, codes: [2322], value: 990 });
    expect(results[1]).toEqual({ seen: ["resolved", "diagnostics", "onCell"], atResolve: 0, codes: [2322], value: 990 });
  });

  it("rerun after an upstream task's source changed: it re-executes, and its dependent stays Cached when the result is the same", async () => {
    const { results, dir } = await scenario(`
      await session.runCell('import fs from "node:fs";\\nimport { task } from "cellflow";\\nconst bump = (k: string) => fs.appendFileSync(' + JSON.stringify(dir) + ' + "/count-" + k, "x");\\nlet fail = true;', 0);
      await session.runCell('const a = task("a", () => { bump("a"); return 1; });\\nconst b = task("b", (x: number) => { bump("b"); return x + 1; });\\nconst c = task("c", (x: number) => { bump("c"); if (fail) throw new Error("c fails"); return x; });', 1);
      const failed = await session.runCell("await c(await b(await a()))", 2);
      await session.runCell('const a = task("a", () => { bump("a2"); return 0 + 1; });\\nfail = false;', 3);
      const again = await session.rerun();
      out({ ok: again.ok, states: session.graph().taskRuns.map((t) => [t.taskName, t.state.name, t.cacheReason]) });`);
    expect(results[0].ok).toBe(true);
    expect(results[0].states.map((s: string[]) => s.slice(0, 2))).toEqual([["a", "Completed"], ["b", "Cached"], ["c", "Completed"]]);
    expect(results[0].states[0][2]).toBe("executed: source changed");
    const count = (k: string) => (fs.existsSync(path.join(dir, `count-${k}`)) ? fs.readFileSync(path.join(dir, `count-${k}`), "utf8").length : 0);
    expect([count("a"), count("a2"), count("b"), count("c")]).toEqual([1, 1, 1, 2]);
  });
});
