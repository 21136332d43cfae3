// Deployments: schedules and next runs, pause/resume, and a run with parameters from a form built from the
// flow's schema (the server validates and queues, as `cellflow deployments run` does).

import { useState } from "react";
import type { DeploymentDetail, DeploymentView, FlowRunSummary } from "../../shared/api-types.js";
import { ApiFailure, sendJson } from "../api.js";
import { Card, Empty, ErrorBox, KeyValues, Loading, PageHeader, StateBadge } from "../components.js";
import { ago } from "../format.js";
import { Link } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { useLive } from "../live.js";
import { ParamForm } from "./ParamForm.js";

function PauseButton({ d, onDone }: { d: DeploymentView; onDone: () => void }) {
  const [error, setError] = useState<ApiFailure | null>(null);
  return (
    <>
      <button
        data-testid={`toggle-${d.name}`}
        onClick={() =>
          void sendJson("POST", `/api/deployments/${encodeURIComponent(d.name)}/${d.paused ? "resume" : "pause"}`).then(onDone, (e: ApiFailure) => setError(e))
        }
      >
        {d.paused ? "Resume" : "Pause"}
      </button>
      {error && <ErrorBox error={error} />}
    </>
  );
}

function RecentRuns({ runs }: { runs: FlowRunSummary[] }) {
  if (runs.length === 0) return <span className="muted">none yet</span>;
  return (
    <span className="recent">
      {runs.map((r) => (
        <Link key={r.id} to={`/runs/${r.id}`} title={`${r.name}: ${r.state.name}`}>
          <StateBadge state={r.state} />
        </Link>
      ))}
    </span>
  );
}

export function DeploymentsPage() {
  const list = useFetch<DeploymentView[]>("/api/deployments");
  useLive({}, (b) => b.flowRuns.some((r) => r.deploymentId) && list.reload());
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading />;
  return (
    <div className="page">
      <PageHeader title="Deployments" subtitle="Flows with schedules; a worker runs what is due" />
      {list.data.length === 0 ? (
        <Empty title="No deployments yet" command={'cellflow deploy flows/etl.ts --name etl-nightly --cron "0 2 * * *"'}>
          A deployment runs a flow on a schedule (or on request) through a worker. Create one:
        </Empty>
      ) : (
        <div className="cards">
          {list.data.map((d) => (
            <Card
              key={d.id}
              title={
                <Link to={`/deployments/${encodeURIComponent(d.name)}`}>
                  {d.name}
                </Link>
              }
              extra={<span className={`pill ${d.paused ? "paused" : "active"}`}>{d.paused ? "paused" : "active"}</span>}
            >
              <KeyValues
                items={[
                  ["Flow", d.flowName],
                  ["Schedules", d.schedules.length ? d.schedules.map((s) => s.description).join("; ") : "none (runs on request)"],
                  ["Next run", d.nextRuns[0] ? `${d.nextRuns[0].time} (${ago(Date.parse(d.nextRuns[0].time))})` : "—"],
                  ["Recent", <RecentRuns key="r" runs={d.recentRuns} />],
                ]}
              />
              <div className="row-actions">
                <PauseButton d={d} onDone={list.reload} />
                <Link to={`/deployments/${encodeURIComponent(d.name)}`} className="button">
                  Run with parameters…
                </Link>
              </div>
            </Card>
          ))}
        </div>
      )}
    </div>
  );
}

export function DeploymentPage({ name }: { name: string }) {
  const detail = useFetch<DeploymentDetail>(`/api/deployments/${encodeURIComponent(name)}`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; hint: string } | null>(null);
  const [queued, setQueued] = useState<FlowRunSummary | null>(null);
  useLive({}, (b) => b.flowRuns.some((r) => r.deploymentId === detail.data?.id) && detail.reload(), detail.data !== null);
  if (detail.error) return <ErrorBox error={detail.error} />;
  const d = detail.data;
  if (!d) return <Loading />;
  const run = async (parameters: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    setQueued(null);
    try {
      setQueued(await sendJson<FlowRunSummary>("POST", `/api/deployments/${encodeURIComponent(d.name)}/run`, { parameters }));
      detail.reload();
    } catch (e) {
      setError(e as ApiFailure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <PageHeader
        title={
          <>
            {d.name} <span className={`pill ${d.paused ? "paused" : "active"}`}>{d.paused ? "paused" : "active"}</span>
          </>
        }
        subtitle={
          <>
            flow <b>{d.flowName}</b> · <span className="mono small">{d.entrypoint}</span>
          </>
        }
        actions={<PauseButton d={d} onDone={detail.reload} />}
      />
      <div className="grid2">
        <Card title="Run with parameters">
          {d.schemaError && <ErrorBox error={{ message: `the flow's schema could not be read: ${d.schemaError}`, hint: "parameters are still validated when the run is queued" }} />}
          <ParamForm schema={d.parameterSchema} defaults={d.parameters} busy={busy} onSubmit={(p) => void run(p)} onInvalid={(message) => setError({ message, hint: "" })} />
          {error && <ErrorBox error={error} />}
          {queued && (
            <div className="note" data-testid="queued">
              Queued <Link to={`/runs/${queued.id}`}>{queued.name}</Link>; a worker picks it up (start one: <code>cellflow worker</code>).
            </div>
          )}
        </Card>
        <Card title="Schedules">
          {d.schedules.length === 0 ? (
            <div className="muted pad">No schedules: this deployment runs on request.</div>
          ) : (
            <KeyValues items={d.schedules.map((s) => [`#${s.position}`, <span key={s.position}>{s.description}{s.active ? "" : " (paused)"}</span>])} />
          )}
          <h3>Next runs</h3>
          {d.nextRuns.length === 0 ? <div className="muted">none{d.paused ? " (paused)" : ""}</div> : <ul className="plain">{d.nextRuns.map((r) => <li key={r.time}>{r.time} <span className="muted">{r.timezone}</span></li>)}</ul>}
        </Card>
      </div>
      <Card title="Recent runs">
        {d.recentRuns.length === 0 ? (
          <div className="muted pad">No runs yet.</div>
        ) : (
          d.recentRuns.map((r) => (
            <div key={r.id} className="run-line">
              <StateBadge state={r.state} />
              <Link to={`/runs/${r.id}`}>{r.name}</Link>
              <span className="muted">{ago(r.scheduledTime ?? r.createdAt)}</span>
            </div>
          ))
        )}
      </Card>
    </div>
  );
}
