// How `run` and `runs retry` show a run going: one line per state change, then the DAG and a summary line.

import type { FlowRunOutcome } from "../engine/flow-run.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import { subscribe } from "../engine/events.js";
import { getRunGraph } from "../engine/graph.js";
import { renderDag } from "../display/dag.js";
import { flowRunJson, graphSummary, progressLine, runDuration } from "./output.js";

/** Print progress while `work` runs; Ctrl-C cancels the run (a second Ctrl-C exits at once). */
export async function withProgress(json: boolean, work: () => Promise<FlowRunOutcome>): Promise<FlowRunOutcome> {
  const out = json ? process.stderr : process.stdout;
  const unsubscribe = subscribe((event) => {
    const line = progressLine(event);
    if (line) out.write(line + "\n");
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write("cancelling… (Ctrl-C again to exit at once)\n");
    for (const run of getEngine().live.values()) run.controller.abort(new CancelledError("cancelled by Ctrl-C"));
  };
  process.on("SIGINT", onSigint);
  // With --json, stdout holds only the final JSON: whatever the flow prints (console.log, display()) goes to stderr.
  const stdoutWrite = process.stdout.write;
  if (json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = stdoutWrite;
    process.off("SIGINT", onSigint);
    unsubscribe();
  }
}

export function finishRun(outcome: FlowRunOutcome, json: boolean): void {
  const graph = getRunGraph(outcome.record.id);
  const r = graph.flowRun;
  if (json) {
    process.stdout.write(JSON.stringify(flowRunJson(r, graph.taskRuns, outcome.ok ? safeResult(outcome.value) : undefined, graph.subflows), null, 2) + "\n");
  } else {
    const why = r.state.type === "COMPLETED" ? "" : ` — ${r.state.message}`;
    process.stdout.write(`\n${renderDag(graph)["text/plain"]}\n`);
    process.stdout.write(`\nflow run ${r.name} (${r.id}) ${r.state.name} in ${runDuration(r)}: ${graphSummary(graph)}${why}\n`);
    process.stdout.write(`details: cellflow runs show ${r.id.slice(0, 8)}${r.state.type === "COMPLETED" ? "" : `   rerun from failure: cellflow runs retry ${r.id.slice(0, 8)}`}\n`);
  }
  process.exitCode = r.state.type === "COMPLETED" ? 0 : 1;
}

function safeResult(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch {
    return String(value);
  }
}
