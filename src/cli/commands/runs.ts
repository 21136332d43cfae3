// `cellflow runs ls|show|retry|logs|cancel`: look at runs (filtered), rerun one from failure, follow its logs, cancel it.

import type { Command } from "commander";
import { CellflowError } from "../../core/errors.js";
import { isTerminal } from "../../core/states.js";
import { shortTaskRunId } from "../../core/ids.js";
import { parseDuration } from "../../core/duration.js";
import type { HistoryEntry } from "../../store/history.js";
import { registerRunsResultCommand } from "./runs-result.js";
import { registerRunsRetentionCommands } from "./runs-retention.js";
import { flowRunJson, runDuration, table, writeFlowRunJson, print } from "../output.js";

// Actions import what they use when they run: `runs ls` never loads the runner (TypeScript, esbuild).
const engine = () => import("../../engine/engine.js");
const sleep = async (ms: number) => (await import("../../engine/concurrency.js")).sleep(ms);

export function registerRunsCommands(program: Command): void {
  const runs = program.command("runs").description("list, inspect, rerun, follow and cancel flow runs");

  runs
    .command("ls")
    .description("flow runs, newest first; filters combine")
    .option("--state <state>", "only runs in this state (name or type: Failed, COMPLETED, Crashed, …)")
    .option("--flow <name>", "only runs of this flow")
    .option("--deployment <name>", "only runs of this deployment")
    .option("--tag <tag>", "only runs carrying this tag")
    .option("--since <duration|date>", "only runs created in the last duration (1d, 12h) or since an ISO date")
    .option("--limit <n>", "at most this many", "20")
    .option("--json", "print JSON")
    .action(async (opts: { state?: string; flow?: string; deployment?: string; tag?: string; since?: string; limit: string; json?: boolean }) => {
      const { stateFilter } = await import("../../store/run-filters.js");
      if (opts.state && !stateFilter(opts.state)) {
        throw new CellflowError("USAGE", `unknown state '${opts.state}'`, "use a state name like Completed, Failed, Crashed, Cached or a type like RUNNING");
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CellflowError("USAGE", `--limit '${opts.limit}' is not a whole number ≥ 1`, "e.g. --limit 50");
      const since = opts.since === undefined ? undefined : parseSince(opts.since, "--since");
      const { getEngine } = await engine();
      const store = getEngine().store;
      if (opts.deployment) (await import("../../deploy/deployment-store.js")).findDeployment(store, opts.deployment);
      const list = store.listFlowRuns({ state: opts.state, flow: opts.flow, deployment: opts.deployment, tag: opts.tag, since, limit });
      if (opts.json) return void process.stdout.write(JSON.stringify(list.map((r) => flowRunJson(r)), null, 2) + "\n");
      if (list.length === 0) {
        const filtered = opts.state || opts.flow || opts.deployment || opts.tag || opts.since;
        return void print(filtered ? "no flow runs match (drop --state/--flow/--deployment/--tag/--since to see all)\n" : "no flow runs yet (start one: cellflow run flows/etl.ts)\n");
      }
      const rows = list.map((r) => [r.id.slice(0, 8), r.name, r.flowName, r.state.name, r.attempt > 1 ? String(r.attempt) : "", new Date(r.createdAt).toISOString().replace("T", " ").slice(0, 19), runDuration(r)]);
      print(table(["ID", "NAME", "FLOW", "STATE", "ATTEMPT", "CREATED", "DURATION"], rows) + "\n");
    });

  runs
    .command("show <run-id>")
    .description("the run's DAG: each task run with state, duration, attempts and cache reason; its artifacts")
    .option("--history", "every state transition of the run and its task runs, oldest first")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { history?: boolean; json?: boolean }) => {
      const [{ getRunGraph }, { renderDag }, { getEngine }, { artifactJson, artifactsText }, { writeDagText }] = await Promise.all([
        import("../../engine/graph.js"),
        import("../../display/dag.js"),
        engine(),
        import("./artifacts.js"),
        import("../../display/dag-stream.js"),
      ]);
      const store = getEngine().store;
      store.flush();
      const run = store.findFlowRun(id);
      const artifacts = store.listArtifacts({ flowRunId: run.id });
      const history = opts.history ? store.getRunHistory(run.id) : null;
      const write = (text: string) => void process.stdout.write(text);
      if (!store.hasSubflows(run.id, run.attempt)) {
        // A flat run streams from the store a page at a time: 100,000 task runs are never held whole.
        store.useSmallCache();
        if (opts.json) {
          const after: Record<string, unknown> = { artifacts: artifacts.map(artifactJson) };
          if (history) after.history = history.map(historyJson);
          return writeFlowRunJson(run, store.iterateTaskRuns(run.id, run.attempt), write, after);
        }
        writeDagText(store, run, write);
        const named = artifacts.flatMap((a) => (a.taskRunId ? [store.getTaskRunRow(a.taskRunId)] : [])).filter((row) => row !== undefined);
        if (artifacts.length) write(`\nartifacts:\n${artifactsText(artifacts, named.map((row) => ({ id: row.id, dynamicKey: row.dynamic_key })))}\n`);
        if (history) write(`\nhistory:\n${historyText(history)}\n`);
        return;
      }
      // A run with subflows nests their graphs: rendered whole.
      const graph = getRunGraph(run.id);
      if (opts.json) {
        const out = flowRunJson(graph.flowRun, graph.taskRuns, undefined, graph.subflows);
        out.artifacts = artifacts.map(artifactJson);
        if (history) out.history = history.map(historyJson);
        return void process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      }
      print(renderDag(graph)["text/plain"] + "\n");
      if (artifacts.length) print(`\nartifacts:\n${artifactsText(artifacts, graph.taskRuns)}\n`);
      if (history) print(`\nhistory:\n${historyText(history)}\n`);
    });

  runs
    .command("retry <run-id>")
    .description("rerun from failure: completed tasks come back Cached, the failed ones and their dependents execute")
    .option("--json", "print the finished run as JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const [{ retryRun }, { finishRun, withProgress }] = await Promise.all([import("../../runner/index.js"), import("../run-progress.js")]);
      const outcome = await withProgress(opts.json === true, () => retryRun(id));
      finishRun(outcome, opts.json === true);
    });

  runs
    .command("logs <run-id>")
    .description("the run's log lines")
    .option("--task <name>", "only this task's lines (task name or dynamic key)")
    .option("--level <level>", "only lines at this level or above: debug, info, warn, error")
    .option("--follow", "keep printing until the run ends")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { task?: string; level?: string; follow?: boolean; json?: boolean }) => {
      const minLevel = opts.level === undefined ? undefined : (await import("../../store/run-filters.js")).logLevel(opts.level);
      if (minLevel === null) throw new CellflowError("USAGE", `unknown log level '${opts.level}'`, "use debug, info, warn or error");
      const { getEngine } = await engine();
      const store = getEngine().store;
      const run = store.findFlowRun(id);
      let taskRunIds: string[] | undefined;
      if (opts.task) {
        const all = store.getAllTaskRunRows(run.id).filter((t) => t.task_name === opts.task || t.dynamic_key === opts.task);
        if (all.length === 0) throw new CellflowError("USAGE", `run ${run.name} has no task '${opts.task}'`, "see its tasks with: cellflow runs show " + run.id.slice(0, 8));
        taskRunIds = all.map((t) => t.id);
      }
      const names = new Map(store.getAllTaskRunRows(run.id).map((t) => [t.id, t.dynamic_key]));
      let after = 0;
      const printNew = () => {
        const lines = store.getLogs(run.id, { taskRunIds, afterId: after, minLevel });
        for (const l of lines) {
          after = l.id;
          if (opts.json) process.stdout.write(JSON.stringify(l) + "\n");
          else print(`${new Date(l.timestamp).toISOString()} ${l.level.padEnd(7)} ${l.taskRunId ? `[${names.get(l.taskRunId) ?? shortTaskRunId(l.taskRunId)}] ` : ""}${l.message}\n`);
        }
      };
      printNew();
      while (opts.follow && !isTerminal(store.findFlowRun(run.id).state)) {
        // Woken by the next commit on PostgreSQL (LISTEN/NOTIFY); a 250 ms poll on SQLite.
        await store.waitForChange(250);
        printNew();
      }
      if (opts.follow) printNew();
    });

  runs
    .command("cancel <run-id>")
    .description("cancel a run: its tasks are aborted and it ends Cancelled")
    .action(async (id: string) => {
      const [{ cancelRun }, { getEngine }] = await Promise.all([import("../../runner/index.js"), engine()]);
      const { record, immediate } = cancelRun(id);
      if (immediate) return void print(`run ${record.name} Cancelled\n`);
      const store = getEngine().store;
      for (let i = 0; i < 100; i++) {
        const now = store.findFlowRun(record.id);
        if (isTerminal(now.state)) return void print(`run ${now.name} ${now.state.name}\n`);
        await sleep(100);
      }
      print(`cancel requested for run ${record.name}; it stops at its next heartbeat\n`);
    });

  registerRunsResultCommand(runs);
  registerRunsRetentionCommands(runs);
}

/** "1d", "12h" (that long ago) or an ISO date, as ms since the epoch. */
export function parseSince(value: string, flag: string): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (Number.isNaN(t)) throw new CellflowError("USAGE", `${flag} '${value}' is not a date`, "e.g. 2026-11-01 or 2026-11-01T12:00:00Z");
    return t;
  }
  return Date.now() - parseDuration(value, flag);
}

function historyJson(h: HistoryEntry): Record<string, unknown> {
  return { time: new Date(h.timestamp).toISOString(), kind: h.kind, name: h.name, runId: h.runId, attempt: h.attempt, state: { type: h.type, name: h.state, message: h.message } };
}

function historyText(history: HistoryEntry[]): string {
  const rows = history.map((h) => [
    new Date(h.timestamp).toISOString().replace("T", " ").slice(0, 23),
    h.kind === "flow" ? `flow ${h.name}` : `task ${h.name}${h.attempt !== null && h.attempt > 1 ? ` (attempt ${h.attempt})` : ""}`,
    h.state,
    h.message.split("\n")[0],
  ]);
  return table(["TIME", "RUN", "STATE", "MESSAGE"], rows);
}
