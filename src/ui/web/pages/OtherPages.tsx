// Workers (processes seen running deployment runs) and artifacts.

import type { ArtifactsPage, WorkerView } from "../../shared/api-types.js";
import { Card, Empty, ErrorBox, Json, Loading, PageHeader } from "../components.js";
import { ago, clock } from "../format.js";
import { Link } from "../router.js";
import { useFetch } from "../use-fetch.js";

export function WorkersPage() {
  const list = useFetch<WorkerView[]>("/api/workers");
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading />;
  return (
    <div className="page">
      <PageHeader title="Workers" subtitle="Processes that ran deployment runs in the last 24 hours, by their heartbeats" actions={<button onClick={list.reload}>Refresh</button>} />
      {list.data.length === 0 ? (
        <Empty title="No worker has run anything lately" command="cellflow worker">
          A worker runs scheduled and requested deployment runs. Start one beside your deployments:
        </Empty>
      ) : (
        <Card>
          <div className="table">
            <div className="thead worker-grid">
              <span>Process</span>
              <span>Status</span>
              <span>Last heartbeat</span>
              <span>Running</span>
              <span>Runs</span>
            </div>
            {list.data.map((w) => (
              <div key={w.owner} className="trow worker-grid">
                <span className="mono">
                  {w.host} · pid {w.pid}
                </span>
                <span className={`pill ${w.alive === false ? "paused" : "active"}`}>{w.alive === true ? "alive" : w.alive === false ? "gone" : "unknown (other host)"}</span>
                <span className="muted" title={clock(w.lastHeartbeat)}>{ago(w.lastHeartbeat)}</span>
                <span>{w.running}</span>
                <span>
                  <Link to={`/runs`}>{w.claimed}</Link>
                </span>
              </div>
            ))}
          </div>
        </Card>
      )}
    </div>
  );
}

export function ArtifactsView() {
  const page = useFetch<ArtifactsPage>("/api/artifacts");
  if (page.error) return <ErrorBox error={page.error} />;
  if (!page.data) return <Loading />;
  return (
    <div className="page">
      <PageHeader title="Artifacts" subtitle="Tables, links and markdown that runs publish" />
      {!page.data.available ? (
        <Empty title="This store keeps no artifacts yet">This version of Cellflow's store has no artifacts table; runs' artifacts will show here once it does.</Empty>
      ) : page.data.artifacts.length === 0 ? (
        <Empty title="No artifacts yet" command="cellflow artifacts ls">
          A task publishes one with <code>createTableArtifact()</code> or <code>createMarkdownArtifact()</code>.
        </Empty>
      ) : (
        page.data.artifacts.map((a) => (
          <Card key={a.id} title={a.key ?? a.id} extra={<span className="pill">{a.type}</span>}>
            {a.description && <p>{a.description}</p>}
            <Json value={a.data} />
          </Card>
        ))
      )}
    </div>
  );
}
