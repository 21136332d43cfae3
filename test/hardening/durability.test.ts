// "Completed" on the console means on disk: SIGKILL right after the console shows tasks Completed, and
// `runs retry` executes none of them again. SIGTERM and SIGHUP cancel a run cleanly, as Ctrl-C does.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, cliJson, requireBuiltCli, SLOW, startCli, tempDir, until, type FlowRunJson } from "../acceptance/helpers.js";

requireBuiltCli();

/** 3000 quick tasks, each logging its dynamic key to executed.log, then one that waits for release.marker. */
const FLOW = `import fs from "node:fs";
import path from "node:path";
import { flow, getRunContext, task } from "cellflow";
const dir = path.dirname(new URL(import.meta.url).pathname);
const step = task("step", (i: number) => {
  fs.appendFileSync(path.join(dir, "executed.log"), getRunContext().taskRun!.dynamicKey + "\\n");
  return i;
});
const gate = task("gate", async () => {
  const { signal } = getRunContext();
  while (!fs.existsSync(path.join(dir, "release.marker"))) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return "released";
});
export const many = flow("many", async () => {
  let sum = 0;
  for (let i = 0; i < 3000; i++) sum += await step(i);
  return [sum, await gate()];
});
`;

function executedKeys(dir: string): string[] {
  const file = path.join(dir, "executed.log");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

describe("the console shows Completed only once it is durable", { timeout: SLOW }, () => {
  it("SIGKILL right after tasks are shown Completed: runs retry executes none of them again", async () => {
    const home = tempDir("durable-home");
    const dir = tempDir("durable-flow");
    const file = path.join(dir, "many.ts");
    fs.writeFileSync(file, FLOW);
    const { child, done } = startCli(["run", file], { home });
    const shown = new Set<string>();
    let buffer = "";
    child.stdout!.on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = / task (step-\d+) Completed/.exec(line);
        if (m) shown.add(m[1]);
      }
      // Kill mid-stream, while tasks are still completing quickly.
      if (shown.size >= 500) child.kill("SIGKILL");
    });
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");
    expect(shown.size).toBeGreaterThanOrEqual(500);

    const runId = (await cliJson<FlowRunJson[]>(["runs", "ls"], { home }))[0].id;
    fs.writeFileSync(path.join(dir, "release.marker"), "");
    const before = executedKeys(dir).length;
    const retry = await cli(["runs", "retry", runId], { home });
    expect(retry.code, retry.stderr).toBe(0);
    const again = executedKeys(dir).slice(before);
    const reExecuted = again.filter((key) => shown.has(key));
    expect(reExecuted).toEqual([]);
    // The retry finished the rest: every step ran at least once.
    expect(new Set(executedKeys(dir)).size).toBe(3000);
  });
});

describe("SIGTERM and SIGHUP cancel a run like Ctrl-C", { timeout: SLOW }, () => {
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    it(`${signal}: the run ends Cancelled, the process exits on its own`, async () => {
      const home = tempDir(`signal-home`);
      const dir = tempDir(`signal-flow`);
      const file = path.join(dir, "many.ts");
      fs.writeFileSync(file, FLOW);
      const { child, done } = startCli(["run", file], { home });
      let stdout = "";
      child.stdout!.on("data", (chunk: string) => (stdout += chunk));
      await until("the gate task to start", async () => (stdout.includes("task gate-0 Running") ? true : undefined), 120_000, 100);
      child.kill(signal);
      const r = await done;
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      const run = (await cliJson<FlowRunJson[]>(["runs", "ls"], { home }))[0];
      expect(run.state.name).toBe("Cancelled");
      expect(run.state.message).toContain(signal);
    });
  }
});
