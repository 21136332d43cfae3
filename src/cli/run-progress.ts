// How `run` and `runs retry` show a run going: one line per state change once it is on disk, then the DAG and
// a summary line, streamed from the store.

import type { FlowRunOutcome } from "../engine/flow-run.js";
import { CancelledError, getEngine } from "../engine/engine.js";
import { writeDagText } from "../display/dag-stream.js";
import { redact } from "../core/redaction.js";
import { followCommitted } from "./follow-committed.js";
import { flowRunJson, graphSummary, print, runDuration, stateSummary, writeFlowRunJson } from "./output.js";
import { jsonView, stringifyJson } from "../core/result-json.js";
import { getRunGraph } from "../engine/graph.js";
import { renderDag } from "../display/dag.js";
import type { FlowRunRecord } from "../core/records.js";

/** Signals that cancel the run like Ctrl-C; a second one exits at once with 128 + its number. */
const CANCEL_SIGNALS: Array<[NodeJS.Signals, number]> = [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]];

/**
 * Print progress while `work` runs, each line once its state is on disk. Ctrl-C, SIGTERM and SIGHUP cancel the
 * run (it ends Cancelled); a second signal exits at once.
 */
export async function withProgress(json: boolean, work: () => Promise<FlowRunOutcome>): Promise<FlowRunOutcome> {
  const out = json ? process.stderr : process.stdout;
  // The console prints from the store: the engine need not hold every task run's record for a live DAG.
  getEngine().keepTaskRecords = false;
  const progress = followCommitted(getEngine().store, (text) => print(text, out));
  let interrupts = 0;
  const handlers = CANCEL_SIGNALS.map(([signal, number]) => {
    const handler = () => {
      interrupts++;
      if (interrupts > 1) process.exit(128 + number);
      // After SIGHUP the terminal is gone: say nothing, and let writes to it fail quietly.
      if (signal === "SIGHUP") for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
      else process.stderr.write(`cancelling… (${signal === "SIGINT" ? "Ctrl-C" : signal} again to exit at once)\n`);
      for (const run of getEngine().live.values()) run.controller.abort(new CancelledError(`cancelled by ${signal === "SIGINT" ? "Ctrl-C" : signal}`));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  // With --json, stdout holds only the final JSON: whatever the flow prints (console.log, display()) goes to stderr.
  const stdoutWrite = process.stdout.write;
  if (json) process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = stdoutWrite;
    for (const [signal, handler] of handlers) process.off(signal, handler);
    progress.stop();
  }
}

/**
 * The run's DAG and a summary (or its JSON). A flat run (the kind with 100,000 task runs) streams from the store
 * a page at a time; a run with subflows nests their graphs and is rendered whole.
 */
export function finishRun(outcome: FlowRunOutcome, json: boolean): void {
  const store = getEngine().store;
  store.flush();
  store.useSmallCache();
  const r = store.findFlowRun(outcome.record.id);
  const result = outcome.ok ? safeResult(outcome.value) : undefined;
  // Terminal text is escaped (user names, messages); JSON is written as is.
  const write = (text: string) => void (json ? process.stdout.write(text) : print(text));
  let summary: string;
  if (store.hasSubflows(r.id, r.attempt)) {
    const graph = getRunGraph(r.id);
    if (json) return void writeAndExit(r, stringifyJson(flowRunJson(r, graph.taskRuns, result, graph.subflows), 2) + "\n");
    write(`\n${renderDag(graph)["text/plain"]}\n`);
    summary = graphSummary(graph);
  } else {
    if (json) {
      writeFlowRunJson(r, store.iterateTaskRuns(r.id, r.attempt), write, { result });
      return void writeAndExit(r, "");
    }
    write("\n");
    writeDagText(store, r, write);
    summary = stateSummary(store.taskRunStateCounts(r.id, r.attempt));
  }
  const why = r.state.type === "COMPLETED" ? "" : ` — ${r.state.message}`;
  write(`\nflow run ${r.name} (${r.id}) ${r.state.name} in ${runDuration(r)}: ${summary}${why}\n`);
  writeAndExit(r, `details: cellflow runs show ${r.id.slice(0, 8)}${r.state.type === "COMPLETED" ? "" : `   rerun from failure: cellflow runs retry ${r.id.slice(0, 8)}`}\n`);
}

/** Write the last text and set the exit code: 0 when the run Completed, 1 otherwise. */
function writeAndExit(r: FlowRunRecord, text: string): void {
  if (text) process.stdout.write(text);
  process.exitCode = r.state.type === "COMPLETED" ? 0 : 1;
}

/** The flow's return value as JSON data, loaded secrets masked; BigInts stay BigInts (stringifyJson writes them exactly). */
function safeResult(value: unknown): unknown {
  // A cyclic value becomes its inspect text (never "[object Object]"); a BigInt becomes a JSON number, not a string.
  return redactData(jsonView(value).value);
}

/** Mask secrets in every string (keys too) of JSON data, without a JSON round trip that would round big integers. */
function redactData(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (value === null || typeof value !== "object") return value;
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === "function") return redactData(toJSON.call(value));
  if (Array.isArray(value)) return value.map(redactData);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactData(item)]));
}
