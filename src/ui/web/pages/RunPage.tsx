// A flow run: its graph (live), timeline, task runs, logs, parameters, attempts and artifacts, with the
// rerun-from-failure and cancel buttons.

import { useCallback, useMemo, useRef, useState } from "react";
import { NAME_TO_TYPE, type StateName } from "../../../core/states.js";
import type { FlowRunSummary, LiveBatch, LogView, RunDetail, RunGraphData, TaskRunBrief } from "../../shared/api-types.js";
import { ApiFailure, getJson, sendJson } from "../api.js";
import { Card, Empty, ErrorBox, Json, KeyValues, Loading, PageHeader, StateBadge, VirtualList } from "../components.js";
import { clock, duration, shortId } from "../format.js";
import { RunGraph } from "../graph/RunGraph.js";
import { Timeline } from "../graph/Timeline.js";
import type { GraphTask } from "../graph/layout.js";
import { useLive } from "../live.js";
import { ArtifactCard } from "../artifact.js";
import { Link, navigate } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { useNow } from "../use-now.js";

const TERMINAL_TYPES = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

type Tab = "timeline" | "tasks" | "logs" | "parameters" | "attempts" | "artifacts";

function mergeLogs(logs: LogView[], more: LogView[]): LogView[] {
  if (more.length === 0) return logs;
  const seen = new Set(logs.map((l) => l.id));
  const fresh = more.filter((l) => !seen.has(l.id));
  return fresh.length ? [...logs, ...fresh].sort((a, b) => a.id - b.id) : logs;
}

export function RunPage({ id }: { id: string }) {
  const detail = useFetch<RunDetail>(`/api/runs/${encodeURIComponent(id)}`);
  const logsData = useFetch<LogView[]>(`/api/runs/${encodeURIComponent(id)}/logs`);
  const [extraTasks, setExtraTasks] = useState<Map<string, TaskRunBrief>>(new Map());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [subgraphs, setSubgraphs] = useState<Record<string, RunGraphData>>({});
  const [tab, setTab] = useState<Tab>("timeline");
  const [action, setAction] = useState<{ busy: boolean; error: ApiFailure | null; note: string | null }>({ busy: false, error: null, note: null });
  const now = useNow(1000);
  const data = detail.data;

  const current = useRef(data);
  current.current = data;
  const onBatch = useCallback(
    (batch: LiveBatch) => {
      const d = current.current;
      if (!d) return;
      const own = batch.flowRuns.find((f) => f.id === d.run.id);
      if (own && own.attempt !== d.run.attempt) {
        // A rerun started: a new attempt with new task runs; read the page again.
        setExtraTasks(new Map());
        detail.reload();
        logsData.reload();
        return;
      }
      const subflows = batch.flowRuns.filter((f) => f.id !== d.run.id && f.parentTaskRunId);
      const mine = batch.taskRuns.filter((t) => t.flowRunId === d.run.id && t.flowAttempt === d.run.attempt);
      if (own || subflows.length || mine.length) {
        detail.set((prev) => {
          let next = prev;
          if (own) next = { ...next, run: { ...next.run, ...own }, canCancel: !TERMINAL_TYPES.has(own.state.type) };
          if (subflows.length) next = { ...next, subflows: { ...next.subflows, ...Object.fromEntries(subflows.map((f) => [f.parentTaskRunId!, f])) } };
          if (mine.length) {
            const byId = new Map(next.taskRuns.map((t) => [t.id, t]));
            for (const t of mine) byId.set(t.id, t);
            next = { ...next, taskRuns: [...byId.values()] };
          }
          return next;
        });
      }
      const others = batch.taskRuns.filter((t) => t.flowRunId !== d.run.id);
      if (others.length) setExtraTasks((m) => new Map([...m, ...others.map((t) => [t.id, t] as const)]));
      if (batch.logs.length) logsData.set((logs) => mergeLogs(logs, batch.logs));
    },
    [detail, logsData],
  );
  useLive({ run: data?.run.id ?? null, cursor: data?.cursor ?? null }, onBatch, data !== null);

  const toggle = useCallback(
    (nodeId: string) => {
      setExpanded((s) => {
        const next = new Set(s);
        if (next.has(nodeId)) next.delete(nodeId);
        else next.add(nodeId);
        return next;
      });
      const sub = data?.subflows[nodeId] ?? Object.values(subgraphs).flatMap((g) => Object.entries(g.subflows)).find(([k]) => k === nodeId)?.[1];
      if (sub && !subgraphs[nodeId]) void getJson<RunGraphData>(`/api/runs/${sub.id}/graph`).then((g) => setSubgraphs((m) => ({ ...m, [nodeId]: g })));
    },
    [data, subgraphs],
  );

  // The graph's tasks: the run's own, plus those of expanded subflows hung after their calling task.
  const { graphTasks, shapeKey, depth } = useMemo(() => {
    const list: GraphTask[] = [];
    const depth = new Map<string, number>();
    if (!data) return { graphTasks: list, shapeKey: "", depth };
    const add = (tasks: TaskRunBrief[], parent: string | null, level: number) => {
      const ids = parent ? new Set(tasks.map((t) => t.id)) : null;
      for (const t of tasks) {
        const live = extraTasks.get(t.id) ?? t;
        // A subflow's roots hang after the task that called it; other records go in as they are (no copy).
        list.push(ids && !live.upstream.some((u) => ids.has(u)) ? { ...live, upstream: [parent!] } : live);
        if (level > 0) depth.set(t.id, level);
        if (expanded.has(t.id) && subgraphs[t.id]) {
          const childRun = subgraphs[t.id].run.id;
          const childTasks = [...subgraphs[t.id].taskRuns.map((c) => extraTasks.get(c.id) ?? c), ...[...extraTasks.values()].filter((x) => x.flowRunId === childRun && !subgraphs[t.id].taskRuns.some((c) => c.id === x.id))];
          add(childTasks, t.id, level + 1);
        }
      }
    };
    add(data.taskRuns, null, 0);
    return { graphTasks: list, shapeKey: `${list.length}:${data.run.attempt}:${Object.keys(subgraphs).join(",")}`, depth };
    // A flow run's own state change leaves its task list alone: no graph work for it.
  }, [data?.taskRuns, data?.run.attempt, expanded, subgraphs, extraTasks]);

  // The page re-renders every second (durations): derived maps are built when the task list changes only.
  const taskName = useMemo(() => new Map((data?.taskRuns ?? []).map((t) => [t.id, t.dynamicKey])), [data?.taskRuns]);

  if (detail.error) return <ErrorBox error={detail.error} />;
  if (!data) return <Loading />;
  const { run } = data;
  const logs = logsData.data ?? [];

  const act = async (what: "retry" | "cancel") => {
    setAction({ busy: true, error: null, note: null });
    try {
      await sendJson("POST", `/api/runs/${run.id}/${what}`);
      setAction({ busy: false, error: null, note: what === "retry" ? "Rerun started: completed tasks come back Cached; the failed ones execute." : "Cancel requested." });
      detail.reload();
    } catch (e) {
      setAction({ busy: false, error: e as ApiFailure, note: null });
    }
  };

  const tabs: Array<[Tab, string]> = [
    ["timeline", "Timeline"],
    ["tasks", `Task runs (${data.taskRuns.length})`],
    ["logs", `Logs (${logs.length})`],
    ["parameters", "Parameters"],
    ["attempts", `Attempts (${data.attempts.length})`],
    ["artifacts", `Artifacts (${data.artifacts.length})`],
  ];

  return (
    <div className="page">
      <PageHeader
        title={
          <>
            {run.name} <StateBadge state={run.state} />
          </>
        }
        subtitle={
          <>
            flow <b>{run.flowName}</b> · <span className="mono">{shortId(run.id)}</span> · attempt {run.attempt} · {duration(run, now)}
            {data.parent && (
              <>
                {" "}
                · subflow of <Link to={`/runs/${data.parent.id}`}>{data.parent.name}</Link>
              </>
            )}
          </>
        }
        actions={
          <>
            <button className="primary" data-testid="rerun" disabled={!data.canRerun || action.busy} title={data.rerunBlocked ?? "Rerun from failure: same run, next attempt"} onClick={() => void act("retry")}>
              ↻ Rerun from failure
            </button>
            <button className="danger" data-testid="cancel" disabled={!data.canCancel || action.busy} onClick={() => void act("cancel")}>
              Cancel
            </button>
          </>
        }
      />
      {action.error && <ErrorBox error={action.error} />}
      {action.note && <div className="note">{action.note}</div>}
      {run.state.message && <div className={`state-message ${run.state.type === "FAILED" || run.state.type === "CRASHED" ? "bad" : ""}`}>{run.state.message}</div>}
      <Card title="Graph">
        {graphTasks.length === 0 ? (
          <Empty title="No task runs yet">This run has not called a task. Task runs appear here live as it calls them.</Empty>
        ) : (
          <RunGraph tasks={graphTasks} shapeKey={shapeKey} expanded={expanded} depthOf={(t) => depth.get(t.id) ?? 0} onOpen={(tid) => navigate(`/task-runs/${tid}`)} onToggle={toggle} onCollapseAll={() => setExpanded(new Set())} />
        )}
      </Card>
      <div className="tabs" role="tablist">
        {tabs.map(([key, label]) => (
          <button key={key} role="tab" className={tab === key ? "active" : ""} onClick={() => setTab(key)}>
            {label}
          </button>
        ))}
      </div>
      <Card>
        {tab === "timeline" && <Timeline taskRuns={data.taskRuns} now={now} />}
        {tab === "tasks" && <TaskTable taskRuns={data.taskRuns} subflows={data.subflows} now={now} />}
        {tab === "logs" && <LogList logs={logs} names={taskName} />}
        {tab === "parameters" && (Object.keys(run.parameters).length ? <Json value={run.parameters} /> : <div className="muted pad">This run has no parameters.</div>)}
        {tab === "attempts" && <Attempts data={data} />}
        {tab === "artifacts" &&
          (data.artifacts.length === 0 ? (
            <div className="muted pad">
              This run made no artifacts. A task makes one with <code>artifact.table(key, rows)</code>, <code>artifact.markdown(key, text)</code> or <code>artifact.link(key, url)</code>.
            </div>
          ) : (
            data.artifacts.map((a) => <ArtifactCard key={a.id} artifact={a} />)
          ))}
      </Card>
    </div>
  );
}

function TaskTable({ taskRuns, subflows, now }: { taskRuns: TaskRunBrief[]; subflows: Record<string, FlowRunSummary>; now: number }) {
  if (taskRuns.length === 0) return <div className="muted pad">No task runs yet.</div>;
  return (
    <div className="table">
      <div className="thead task-grid">
        <span>State</span>
        <span>Task run</span>
        <span>Duration</span>
        <span>Runs</span>
        <span>Cache</span>
      </div>
      <VirtualList
        count={taskRuns.length}
        rowHeight={36}
        height={Math.min(480, taskRuns.length * 36 + 4)}
        render={(i) => {
          const t = taskRuns[i];
          const sub = subflows[t.id];
          return (
            <div className="trow task-grid">
              <StateBadge state={t.state} />
              <span className="ellipsis">
                <Link to={`/task-runs/${t.id}`}>{t.dynamicKey}</Link>
                {sub && (
                  <>
                    {" → "}
                    <Link to={`/runs/${sub.id}`}>{sub.name}</Link>
                  </>
                )}
              </span>
              <span>{duration(t, now)}</span>
              <span>{t.runCount}</span>
              <span className="muted ellipsis" title={t.cacheReason}>
                {t.cacheReason || "—"}
              </span>
            </div>
          );
        }}
      />
    </div>
  );
}

export function LogList({ logs, names }: { logs: LogView[]; names?: Map<string, string> }) {
  if (logs.length === 0) return <div className="muted pad">No log lines yet. Lines appear here live while the run goes.</div>;
  return (
    <VirtualList
      className="logs"
      count={logs.length}
      rowHeight={22}
      height={Math.min(480, logs.length * 22 + 6)}
      stickToBottom
      render={(i) => {
        const l = logs[i];
        return (
          <div className={`log log-${l.level}`} title={l.message}>
            <span className="log-time">{clock(l.timestamp).slice(11)}</span>
            <span className="log-level">{l.level}</span>
            {l.taskRunId && names?.get(l.taskRunId) && <span className="log-task">[{names.get(l.taskRunId)}]</span>}
            <span className="log-msg">{l.message}</span>
          </div>
        );
      }}
    />
  );
}

function Attempts({ data }: { data: RunDetail }) {
  return (
    <div>
      <div className="attempts">
        {data.attempts.map((a) => (
          <div key={a.attempt} className="attempt">
            <b>Attempt {a.attempt}</b>
            <span className="muted">
              {a.taskRuns} task runs{a.startTime ? ` · ${clock(a.startTime)}` : ""}
            </span>
            <span className="counts">
              {Object.entries(a.counts).map(([name, n]) => (
                <span key={name}>
                  <StateBadge state={{ type: NAME_TO_TYPE[name as StateName], name: name as StateName }} /> {n}
                </span>
              ))}
            </span>
          </div>
        ))}
      </div>
      <h3>State history</h3>
      <KeyValues items={data.history.map((s, i) => [`${clock(s.timestamp)} #${i + 1}`, <span key={i}>
        <StateBadge state={s} /> <span className="muted">{s.message}</span>
      </span>])} />
    </div>
  );
}
