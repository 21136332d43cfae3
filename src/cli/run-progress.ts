// How `run` and `runs retry` show a run going: one line per state change, then the DAG and a summary line.

import type { FlowRunOutcome } from "../engine/flow-run.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import { subscribe } from "../engine/events.js";
import { getRunGraph } from "../engine/graph.js";
import { renderDag } from "../display/dag.js";
import { flowRunJson, graphSummary, progressLine, runDuration, print } from "./output.js";
import { jsonView, stringifyJson } from "../core/result-json.js";

/** Print progress while `work` runs; Ctrl-C cancels the run (a second Ctrl-C exits at once). */
export async function withProgress(json: boolean, work: () => Promise<FlowRunOutcome>): Promise<FlowRunOutcome> {
  const out = json ? process.stderr : process.stdout;
  const unsubscribe = subscribe((event) => {
    const line = progressLine(event);
    if (line) print(line + "\n", out);
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
    const out = flowRunJson(r, graph.taskRuns);
    if (outcome.ok) {
      const view = jsonView(outcome.value);
      out.result = view.value;
      if (view.note) out.resultNote = view.note;
    }
    process.stdout.write(stringifyJson(out, 2) + "\n");
  } else {
    const why = r.state.type === "COMPLETED" ? "" : ` — ${r.state.message}`;
    print(`\n${renderDag(graph)["text/plain"]}\n`);
    print(`\nflow run ${r.name} (${r.id}) ${r.state.name} in ${runDuration(r)}: ${graphSummary(graph)}${why}\n`);
    print(`details: cellflow runs show ${r.id.slice(0, 8)}${r.state.type === "COMPLETED" ? "" : `   rerun from failure: cellflow runs retry ${r.id.slice(0, 8)}`}\n`);
  }
  process.exitCode = r.state.type === "COMPLETED" ? 0 : 1;
}
