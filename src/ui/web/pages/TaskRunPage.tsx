// A task run: its state history, cache decision, result preview, error, edges and live logs.

import { useCallback } from "react";
import { describeErrorInfo } from "../describe.js";
import type { LiveBatch, LogView, TaskRunDetail } from "../../shared/api-types.js";
import { Card, ErrorBox, KeyValues, Loading, PageHeader, StateBadge } from "../components.js";
import { clock, duration, shortId } from "../format.js";
import { useLive } from "../live.js";
import { Link } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { useNow } from "../use-now.js";
import { LogList } from "./RunPage.js";
import { ArtifactCard } from "../artifact.js";

export function TaskRunPage({ id }: { id: string }) {
  const detail = useFetch<TaskRunDetail>(`/api/task-runs/${encodeURIComponent(id)}`);
  const now = useNow(1000);
  const data = detail.data;
  const onBatch = useCallback(
    (batch: LiveBatch) => {
      const mine = batch.taskRuns.find((t) => t.id === id);
      const logs = batch.logs.filter((l: LogView) => l.taskRunId === id);
      if (mine && ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"].includes(mine.state.type)) detail.reload();
      else if (mine || logs.length) {
        detail.set((d) => {
          const seen = new Set(d.logs.map((l) => l.id));
          return { ...d, taskRun: mine ? { ...d.taskRun, ...mine } : d.taskRun, logs: [...d.logs, ...logs.filter((l) => !seen.has(l.id))] };
        });
      }
    },
    [detail, id],
  );
  useLive({ run: data?.flowRun.id ?? null }, onBatch, data !== null);
  if (detail.error) return <ErrorBox error={detail.error} />;
  if (!data) return <Loading />;
  const t = data.taskRun;
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            {t.dynamicKey} <StateBadge state={t.state} />
          </>
        }
        subtitle={
          <>
            task <b>{t.taskName}</b> in run <Link to={`/runs/${data.flowRun.id}`}>{data.flowRun.name}</Link> · <span className="mono">{shortId(t.id)}</span>
          </>
        }
      />
      {t.error && (
        <Card title="Error" className="bad-card">
          <pre className="error-text" data-testid="task-error">{describeErrorInfo(t.error)}</pre>
        </Card>
      )}
      <div className="grid2">
        <Card title="Details">
          <KeyValues
            items={[
              ["State", <span key="s">{t.state.name}{t.state.message ? ` — ${t.state.message}` : ""}</span>],
              ["Started", t.startTime ? clock(t.startTime) : "—"],
              ["Ended", t.endTime ? clock(t.endTime) : "—"],
              ["Duration", duration(t, now)],
              ["Executions", String(t.runCount)],
              ["Cache", <span key="c" data-testid="cache-reason">{t.cacheReason || "—"}</span>],
              ["Cached from", data.cachedFromRun ? <Link key="cf" to={`/runs/${data.cachedFromRun.id}`}>{data.cachedFromRun.name}</Link> : "—"],
              ["Tags", t.tags.length ? t.tags.join(", ") : "—"],
              ...(data.subflow ? [["Subflow run", <Link key="sf" to={`/runs/${data.subflow.id}`}>{data.subflow.name}</Link>] as [string, React.ReactNode]] : []),
            ]}
          />
        </Card>
        <Card title="Result">
          {"preview" in data.result ? (
            <pre className="json" data-testid="result-preview">{data.result.preview}{data.result.truncated ? "\n…" : ""}</pre>
          ) : (
            <div className="muted pad">{data.result.unavailable}</div>
          )}
        </Card>
      </div>
      <div className="grid2">
        <Card title="Inputs and edges">
          <KeyValues
            items={[
              ["Inputs", t.inputs.length ? t.inputs.map((i) => `${i.name}${i.kind !== "value" ? ` (${i.kind.replace("_", " ")})` : ""}`).join(", ") : "—"],
              ["Upstream", data.upstream.length ? <span key="u">{data.upstream.map((u) => <Link key={u.id} to={`/task-runs/${u.id}`} className="chip">{u.dynamicKey}</Link>)}</span> : "—"],
              ["Downstream", data.downstream.length ? <span key="d">{data.downstream.map((u) => <Link key={u.id} to={`/task-runs/${u.id}`} className="chip">{u.dynamicKey}</Link>)}</span> : "—"],
            ]}
          />
        </Card>
        <Card title="State history">
          <div className="history">
            {data.history.map((s, i) => (
              <div key={i} className="history-row">
                <span className="muted mono">{clock(s.timestamp).slice(11)}</span>
                <StateBadge state={s} />
                <span className="muted ellipsis">{s.message}</span>
              </div>
            ))}
          </div>
        </Card>
      </div>
      {data.artifacts.length > 0 && (
        <Card title={`Artifacts (${data.artifacts.length})`}>
          {data.artifacts.map((a) => (
            <ArtifactCard key={a.id} artifact={a} />
          ))}
        </Card>
      )}
      <Card title={`Logs (${data.logs.length})`}>
        <div data-testid="task-logs">
          <LogList logs={data.logs} />
        </div>
      </Card>
    </div>
  );
}
