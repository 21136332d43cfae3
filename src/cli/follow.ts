// Following a run another process executes (a worker's child): every state transition of the run and its task
// runs, and its log lines, printed as they reach the store, until the run ends.

import type { FlowRunRecord } from "../core/records.js";
import { isTerminal, NAME_TO_TYPE, stateGlyph } from "../core/states.js";
import { sleep } from "../engine/concurrency.js";
import type { Store } from "../store/store.js";
import type { HistoryEntry } from "../store/history.js";

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function transitionLine(h: HistoryEntry): string {
  const glyph = stateGlyph({ type: NAME_TO_TYPE[h.state], name: h.state });
  const message = h.message ? ` — ${h.message.split("\n")[0]}` : "";
  return `${clock(h.timestamp)} ${glyph} ${h.kind} ${h.name} ${h.state}${message}`;
}

/** Print transitions and log lines (info and above) of run `id` as they appear; resolves to its final record. */
export async function followRun(store: Store, id: string, write: (line: string) => void, everyMs = 200): Promise<FlowRunRecord> {
  const printed = new Set<string>();
  let afterLog = 0;
  const names = new Map<string, string>();
  const pass = () => {
    // What arrived since the last pass, transitions and log lines interleaved by time. Within one millisecond a
    // log line follows the transitions that start work and precedes those that end it (a task logs while it runs).
    const lines: Array<[number, number, string]> = [];
    for (const h of store.getRunHistory(id)) {
      const key = `${h.runId}\u0000${h.timestamp}\u0000${h.state}`;
      if (printed.has(key)) continue;
      printed.add(key);
      if (h.kind === "task") names.set(h.runId, h.name);
      lines.push([h.timestamp, isTerminal(h) ? 2 : 0, transitionLine(h)]);
    }
    for (const log of store.getLogs(id, { afterId: afterLog, minLevel: "info" })) {
      afterLog = log.id;
      const task = log.taskRunId ? `[${names.get(log.taskRunId) ?? log.taskRunId.slice(0, 8)}] ` : "";
      lines.push([log.timestamp, 1, `${clock(log.timestamp)}   ${log.level}: ${task}${log.message.split("\n")[0]}`]);
    }
    for (const [, , line] of lines.sort((a, b) => a[0] - b[0] || a[1] - b[1])) write(line);
  };
  for (;;) {
    const run = store.findFlowRun(id);
    pass();
    if (isTerminal(run.state)) {
      // Lines written by the child just before it ended its run.
      pass();
      return run;
    }
    await sleep(everyMs);
  }
}
