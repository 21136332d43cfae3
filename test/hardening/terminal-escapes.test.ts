// Terminal output escaped: escape sequences and bidi controls in names, errors and log lines are neutralised in
// the CLI and the terminal UI; a clock set back never gives a negative duration.

import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { escapeTerminal } from "../../src/core/terminal-text.js";
import { flow, task } from "../../src/index.js";
import { getRunGraph } from "../../src/engine/graph.js";
import { dagRows, rowText } from "../../src/tui/dag-view.js";
import { detailLines } from "../../src/tui/TaskDetails.js";
import { ScrollbackStore } from "../../src/tui/scrollback-store.js";
import { renderDag } from "../../src/display/dag.js";
import { runDuration, taskRunJson } from "../../src/cli/output.js";
import { cli, requireBuiltCli, SLOW, tempDir, type CliResult } from "../acceptance/helpers.js";
import { freshStore } from "../engine/helpers.js";

requireBuiltCli();

/** Control characters that must never reach a terminal raw: ESC, BEL, CR, C1 CSI, RLO and an isolate. */
// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW = /[\u001b\u0007\r\u009b\u202e\u2066]/;

const EVIL_FLOW = `import { flow, getRunLogger, task } from "cellflow";
const evil = task("t\\u001b]0;pwned\\u0007ask", () => {
  getRunLogger().warn("log \\u001b[2J\\u202egnp.exe\\r over");
  throw new Error("boom \\u001b[31mred\\u009b1m \\u2066iso");
});
export const f = flow("evil\\u001b[2J\\u202eflow", async () => evil());
`;

describe("the CLI neutralises user text", { timeout: SLOW }, () => {
  const dir = tempDir("escapes");
  const home = tempDir("escapes-home");
  let run: CliResult;
  let id: string;

  beforeAll(async () => {
    fs.writeFileSync(path.join(dir, "evil.ts"), EVIL_FLOW);
    run = await cli(["run", path.join(dir, "evil.ts")], { home });
    id = /\(([0-9a-f-]{36})\)/.exec(run.stdout)![1];
  }, SLOW);

  it("`cellflow run`: state lines, DAG and summary show escapes as text", () => {
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(RAW);
    expect(run.stdout).toContain("evil\\e[2J\\u202eflow");
    expect(run.stdout).toContain("boom \\e[31mred\\x9b1m \\u2066iso");
    expect(run.stdout).toContain("t\\e]0;pwned\\x07ask");
  });

  it.each([
    ["runs show", () => ["runs", "show", id]],
    ["runs logs", () => ["runs", "logs", id]],
    ["runs ls", () => ["runs", "ls"]],
  ])("`cellflow %s` shows escapes as text", async (_what, args) => {
    const r = await cli(args(), { home });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toMatch(/\\e\[|\\u202e/);
  });

  it("an error echoing user input is one line without raw escapes", async () => {
    const r = await cli(["runs", "show", "abcd\u001b[2J\nforged line"], { home });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain("abcd\\e[2J\\nforged line");
  });
});

describe("the terminal UI neutralises user text", () => {
  beforeAll(() => {
    freshStore();
  });

  it("DAG rows, task details and the scrollback show escapes as text", async () => {
    const evil = task("t\u001b[2J\u202e", () => {
      throw new Error("bad \u001b[31m\u2066");
    });
    const outcome = await flow("f\u001b]0;x\u0007", async () => evil()).run({});
    const graph = getRunGraph(outcome.id);
    const rows = dagRows(graph, Date.now());
    expect(rows.map((r) => rowText(r, 10)).join("\n")).not.toMatch(RAW);
    expect(rowText(rows[0], 10)).toContain("t\\e[2J\\u202e");
    const details = detailLines(graph.taskRuns[0], graph, [{ flowRunId: outcome.id, taskRunId: graph.taskRuns[0].id, level: "error", message: "log \u001b[2J", timestamp: 0 }], (s) => s);
    expect(details.map((l) => l.text).join("\n")).not.toMatch(RAW);
    const scrollback = new ScrollbackStore();
    scrollback.push(`run ${outcome.name}\u001b[2J\u202e done`);
    expect(scrollback.lines().map((l) => l.text).join("\n")).not.toMatch(RAW);
  });
});

describe("a clock set back during a run", () => {
  const realNow = Date.now;
  afterEach(() => {
    Date.now = realNow;
  });

  it("never gives a negative duration", async () => {
    freshStore();
    const jump = task("jump", () => {
      const back = realNow() - 3_600_000;
      Date.now = () => back;
      return 1;
    });
    const outcome = await flow("clock", async () => jump()).run({});
    Date.now = realNow;
    const graph = getRunGraph(outcome.id);
    const t = graph.taskRuns[0];
    expect(t.endTime! - t.startTime!).toBeGreaterThanOrEqual(0);
    expect(graph.flowRun.endTime! - graph.flowRun.startTime!).toBeGreaterThanOrEqual(0);
    expect(taskRunJson(t).durationMs).toBeGreaterThanOrEqual(0);
    expect(runDuration(graph.flowRun)).not.toMatch(/^-/);
    expect(renderDag(graph)["text/plain"]).not.toMatch(/-\d/);
  });
});

describe("escapeTerminal", () => {
  it.each([
    ["plain text stays", "plain text", "plain text"],
    ["ESC becomes \\e", "a\u001b[2Jb", "a\\e[2Jb"],
    ["C1 CSI becomes \\x9b", "a\u009bb", "a\\x9bb"],
    ["bidi override becomes \\u202e", "a\u202eb", "a\\u202eb"],
    ["newline stays in multi-line text", "a\nb", "a\nb"],
    ["CR is escaped", "a\rb", "a\\rb"],
  ])("%s", (_what, input, expected) => {
    expect(escapeTerminal(input)).toBe(expected);
  });

  it("inline text escapes newlines and tabs too", () => {
    expect(escapeTerminal("a\nb\tc", { inline: true })).toBe("a\\nb\\tc");
  });
});
