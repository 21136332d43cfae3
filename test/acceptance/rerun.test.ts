// Acceptance scenario 2: rerun from failure through the CLI — the fixed middle task and its dependent execute, the first is Cached.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, executions, requireBuiltCli, SLOW, taskNamed, tempDir, type CliResult, type FlowRunJson } from "./helpers.js";

requireBuiltCli();

/** Each task appends a line to its own counter file when it executes; `transform` throws until the marker exists. */
const FLOW = `// A three-task flow whose middle task fails until a marker file exists.
import fs from "node:fs";
import path from "node:path";
import { flow, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const count = (name: string) => fs.appendFileSync(path.join(dir, name + ".count"), "x\\n");

const extract = task("extract", () => {
  count("extract");
  return [3, 1, 2];
});
const transform = task("transform", (xs: number[]) => {
  count("transform");
  if (!fs.existsSync(path.join(dir, "fixed.marker"))) throw new Error("transform is broken: create fixed.marker");
  return xs.map((x) => x * 10).sort((a, b) => a - b);
});
const load = task("load", (ys: number[]) => {
  count("load");
  fs.writeFileSync(path.join(dir, "loaded.json"), JSON.stringify(ys));
  return ys.length;
});

export const pipeline = flow("pipeline", async () => load(await transform(await extract())));
`;

describe("cellflow runs retry <id> after the middle task is fixed", { timeout: SLOW }, () => {
  const dir = tempDir("rerun-flow");
  const home = tempDir("rerun-home");
  const file = path.join(dir, "pipeline.ts");
  const counter = (name: string) => executions(path.join(dir, `${name}.count`));
  let first: CliResult;
  let failed: FlowRunJson;
  let retry: CliResult;
  let retried: FlowRunJson;

  beforeAll(async () => {
    fs.writeFileSync(file, FLOW);
    first = await cli(["run", file, "--json"], { home });
    failed = JSON.parse(first.stdout) as FlowRunJson;
    fs.writeFileSync(path.join(dir, "fixed.marker"), "");
    retry = await cli(["runs", "retry", failed.id.slice(0, 8), "--json"], { home });
    retried = JSON.parse(retry.stdout) as FlowRunJson;
  }, SLOW);

  it("the first run exits 1: extract Completed, transform Failed, load never ran", () => {
    expect(first.code).toBe(1);
    expect(failed.state.name).toBe("Failed");
    expect(failed.state.message).toContain("transform is broken");
    expect(taskNamed(failed, "extract").state.name).toBe("Completed");
    expect(taskNamed(failed, "transform").state.name).toBe("Failed");
    expect(failed.taskRuns!.some((t) => t.name === "load" && t.state.name === "Completed")).toBe(false);
  });

  it("the retry exits 0 as a second attempt of the same run", () => {
    expect(retry.code, retry.stderr).toBe(0);
    expect(retried.id).toBe(failed.id);
    expect(retried.attempt).toBe(2);
    expect(retried.state.name).toBe("Completed");
    expect(retried.result).toBe(3);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "loaded.json"), "utf8"))).toEqual([10, 20, 30]);
  });

  it("extract executed once in total, transform twice, load once", () => {
    expect([counter("extract"), counter("transform"), counter("load")]).toEqual([1, 2, 1]);
  });

  it("runs show --json explains the decisions: extract Cached from the first attempt, the others executed", async () => {
    const shown = await cliJson<FlowRunJson>(["runs", "show", failed.id], { home });
    const extract = taskNamed(shown, "extract");
    expect(extract.state.name).toBe("Cached");
    expect(extract.cacheReason).toMatch(/^cached: from run [a-z-]+ \([0-9a-f]{8}\)$/);
    expect(taskNamed(shown, "transform").state.name).toBe("Completed");
    expect(taskNamed(shown, "transform").cacheReason ?? "").not.toMatch(/^cached/);
    expect(taskNamed(shown, "load").state.name).toBe("Completed");
    expect(shown.taskRuns!.map((t) => t.name).sort()).toEqual(["extract", "load", "transform"]);
  });

  it("runs ls shows one run, now Completed, and a second retry is refused", async () => {
    const list = await cliJson<FlowRunJson[]>(["runs", "ls"], { home });
    expect(list.map((r) => [r.id, r.state.name, r.attempt])).toEqual([[failed.id, "Completed", 2]]);
    const again = await cli(["runs", "retry", failed.id], { home });
    expect(again.code).toBe(2);
    expect([counter("extract"), counter("transform"), counter("load")]).toEqual([1, 2, 1]);
  });
});
