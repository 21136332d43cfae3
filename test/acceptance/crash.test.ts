// Acceptance scenario 3: SIGKILL during a run; the next command shows it Crashed, and `runs retry` finishes it reusing what completed.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, cliJson, executions, requireBuiltCli, SLOW, startCli, taskNamed, tempDir, until, type CliResult, type FlowRunJson } from "./helpers.js";

requireBuiltCli();

/** `prepare` completes at once; `wait` blocks until release.marker exists, so the test can kill the process mid-run. */
const FLOW = `// A flow whose second task blocks until a marker file appears.
import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";

const dir = path.dirname(new URL(import.meta.url).pathname);
const count = (name: string) => fs.appendFileSync(path.join(dir, name + ".count"), "x\\n");

const prepare = task("prepare", () => {
  count("prepare");
  return { rows: 42 };
});
const wait = task("wait-for-release", async (input: { rows: number }) => {
  count("wait-started");
  const { signal } = getRunContext();
  while (!fs.existsSync(path.join(dir, "release.marker"))) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  count("wait-finished");
  return input.rows * 2;
});
const report = task("report", (n: number) => {
  count("report");
  return "rows: " + n;
});

export const longJob = flow("long-job", async () => report(await wait(await prepare())));
`;

describe("a run killed with SIGKILL", { timeout: SLOW }, () => {
  const dir = tempDir("crash-flow");
  const home = tempDir("crash-home");
  const file = path.join(dir, "long-job.ts");
  const counter = (name: string) => executions(path.join(dir, `${name}.count`));
  let runId: string;
  let killed: CliResult;
  let afterKill: FlowRunJson[];

  beforeAll(async () => {
    fs.writeFileSync(file, FLOW);
    const { child, done } = startCli(["run", file], { home });
    try {
      runId = await until("the run to appear in the store", async () => {
        const r = await cli(["runs", "ls", "--json"], { home });
        const list = r.code === 0 ? (JSON.parse(r.stdout) as FlowRunJson[]) : [];
        return list[0]?.id;
      });
      await until("prepare to complete and wait-for-release to start", async () => {
        const shown = await cliJson<FlowRunJson>(["runs", "show", runId], { home });
        const names = new Map(shown.taskRuns!.map((t) => [t.name, t.state.name]));
        return names.get("prepare") === "Completed" && names.get("wait-for-release") === "Running" && counter("wait-started") === 1 ? true : undefined;
      });
    } finally {
      child.kill("SIGKILL");
    }
    killed = await done;
    afterKill = await cliJson<FlowRunJson[]>(["runs", "ls"], { home });
  }, SLOW);

  it("the killed process died by the signal, mid-run", () => {
    expect(killed.signal).toBe("SIGKILL");
    expect(counter("wait-finished")).toBe(0);
  });

  it("the next `runs ls` shows the run Crashed, not Running", () => {
    expect(afterKill.map((r) => [r.id, r.state.type, r.state.name])).toEqual([[runId, "CRASHED", "Crashed"]]);
    expect(afterKill[0].state.message).not.toBe("");
  });

  it("its finished task stays Completed and its unfinished task run is Crashed", async () => {
    const shown = await cliJson<FlowRunJson>(["runs", "show", runId], { home });
    expect(shown.state.name).toBe("Crashed");
    expect(taskNamed(shown, "prepare").state.name).toBe("Completed");
    expect(taskNamed(shown, "wait-for-release").state.name).toBe("Crashed");
    expect(shown.taskRuns!.filter((t) => t.state.type === "RUNNING" || t.state.type === "PENDING")).toEqual([]);
  });

  it("`runs retry` finishes it: prepare Cached (executed once in total), the rest executed", async () => {
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    const retry = await cli(["runs", "retry", runId, "--json"], { home });
    expect(retry.code, retry.stderr).toBe(0);
    const run = JSON.parse(retry.stdout) as FlowRunJson;
    expect(run.id).toBe(runId);
    expect(run.attempt).toBe(2);
    expect(run.state.name).toBe("Completed");
    expect(run.result).toBe("rows: 84");
    expect(taskNamed(run, "prepare").state.name).toBe("Cached");
    expect(taskNamed(run, "prepare").cacheReason).toMatch(/^cached: from run [a-z-]+ \([0-9a-f]{8}\)$/);
    expect(taskNamed(run, "wait-for-release").state.name).toBe("Completed");
    expect(taskNamed(run, "report").state.name).toBe("Completed");
    expect([counter("prepare"), counter("wait-started"), counter("wait-finished"), counter("report")]).toEqual([1, 2, 1, 1]);
  });
});
