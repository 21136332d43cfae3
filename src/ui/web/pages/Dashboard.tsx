// The dashboard: runs over time by state (stacked bars), totals, runs that need a look (Late, Failed) first.

import { useRef } from "react";
import { stateColor } from "../../../core/state-colors.js";
import type { DashboardData, FlowRunSummary, StateType } from "../../shared/api-types.js";
import { Card, Empty, ErrorBox, Loading, PageHeader, StateBadge } from "../components.js";
import { ago, duration } from "../format.js";
import { useLive } from "../live.js";
import { Link } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { useNow } from "../use-now.js";

type Bucket = StateType | "LATE";
const STACK: Bucket[] = ["COMPLETED", "RUNNING", "PENDING", "SCHEDULED", "LATE", "CANCELLING", "PAUSED", "CANCELLED", "CRASHED", "FAILED"];
const LABEL: Record<Bucket, string> = { COMPLETED: "Completed", RUNNING: "Running", PENDING: "Pending", SCHEDULED: "Scheduled", LATE: "Late", CANCELLING: "Cancelling", PAUSED: "Paused", CANCELLED: "Cancelled", CRASHED: "Crashed", FAILED: "Failed" };
const colorOf = (b: Bucket) => (b === "LATE" ? stateColor({ type: "SCHEDULED", name: "Late" }) : stateColor({ type: b, name: LABEL[b] as never }));

function Chart({ data }: { data: DashboardData }) {
  const max = Math.max(1, ...data.buckets.map((b) => Object.values(b.counts).reduce((s, n) => s + (n ?? 0), 0)));
  const w = 100 / data.buckets.length;
  return (
    <div>
      <svg className="chart" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="Runs over time by state">
        {data.buckets.map((b, i) => {
          let y = 40;
          return STACK.map((s) => {
            const n = b.counts[s] ?? 0;
            if (!n) return null;
            const h = (n / max) * 38;
            y -= h;
            return (
              <rect key={`${i}-${s}`} x={i * w + w * 0.12} y={y} width={w * 0.76} height={h} fill={colorOf(s)}>
                <title>{`${new Date(b.start).toLocaleString()}: ${n} ${LABEL[s]}`}</title>
              </rect>
            );
          });
        })}
      </svg>
      <div className="chart-axis">
        <span>{new Date(data.since).toLocaleDateString()}</span>
        <span>now</span>
      </div>
    </div>
  );
}

function RunLine({ r, now }: { r: FlowRunSummary; now: number }) {
  return (
    <div className="run-line">
      <StateBadge state={r.state} />
      <Link to={`/runs/${r.id}`} className="ellipsis">
        {r.name}
      </Link>
      <span className="muted ellipsis">{r.flowName}</span>
      <span className="muted">{r.state.name === "Late" && r.scheduledTime ? `due ${ago(r.scheduledTime, now)}` : ago(r.startTime ?? r.createdAt, now)}</span>
      <span className="muted">{duration(r, now)}</span>
    </div>
  );
}

export function Dashboard() {
  const dash = useFetch<DashboardData>("/api/dashboard?days=7");
  const now = useNow(5000);
  const last = useRef(0);
  useLive({}, (batch) => {
    // At most one reload a second, however busy the store is.
    if (batch.flowRuns.length && Date.now() - last.current > 1000) {
      last.current = Date.now();
      dash.reload();
    }
  });
  if (dash.error) return <ErrorBox error={dash.error} />;
  const data = dash.data;
  if (!data) return <Loading />;
  const total = Object.values(data.totals).reduce((s, n) => s + (n ?? 0), 0);
  return (
    <div className="page">
      <PageHeader title="Dashboard" subtitle="Flow runs of the last 7 days" />
      {total === 0 ? (
        <Empty title="No flow runs in the last 7 days" command="cellflow run flows/etl.ts">
          Run a flow and it shows up here live — from the CLI, a worker, a notebook or the terminal UI:
        </Empty>
      ) : (
        <>
          <div className="stats">
            {(["COMPLETED", "FAILED", "CRASHED", "LATE", "RUNNING", "SCHEDULED"] as Bucket[]).map((s) => (
              <Link key={s} to={`/runs?state=${LABEL[s]}`} className="stat">
                <span className="stat-n" style={{ color: (data.totals[s] ?? 0) > 0 ? colorOf(s) : undefined }}>
                  {(data.totals[s] ?? 0).toLocaleString()}
                </span>
                <span className="stat-label">{LABEL[s]}</span>
              </Link>
            ))}
          </div>
          <Card title="Runs over time" extra={<Legend />}>
            <Chart data={data} />
          </Card>
          <div className="grid2">
            <Card title="Needs attention" extra={<span className="muted small">late and failed first</span>}>
              {data.attention.length === 0 ? <div className="muted pad">Nothing late or failed. 🎉</div> : data.attention.map((r) => <RunLine key={r.id} r={r} now={now} />)}
            </Card>
            <Card title="Recent runs" extra={<Link to="/runs">all runs →</Link>}>
              {data.recent.map((r) => (
                <RunLine key={r.id} r={r} now={now} />
              ))}
            </Card>
          </div>
        </>
      )}
      {data.deployments === 0 && total > 0 && (
        <div className="hint-line">
          Schedule a flow: <code>cellflow deploy flows/etl.ts --name etl-nightly --cron "0 2 * * *"</code> then <code>cellflow worker</code>
        </div>
      )}
    </div>
  );
}

function Legend() {
  return (
    <span className="legend">
      {(["COMPLETED", "RUNNING", "LATE", "FAILED", "CRASHED"] as Bucket[]).map((s) => (
        <span key={s}>
          <i style={{ background: colorOf(s) }} />
          {LABEL[s]}
        </span>
      ))}
    </span>
  );
}
