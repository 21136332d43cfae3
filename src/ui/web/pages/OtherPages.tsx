// Workers (processes seen running deployment runs) and artifacts (newest version per key, or every version of one).

import type { ArtifactsPage, WorkerView } from "../../shared/api-types.js";
import { Card, Empty, ErrorBox, Loading, PageHeader } from "../components.js";
import { ArtifactCard } from "../artifact.js";
import { ago, clock } from "../format.js";
import { Link, useRoute } from "../router.js";
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
  const route = useRoute();
  const key = route.search.get("key") ?? "";
  const page = useFetch<ArtifactsPage>(`/api/artifacts${key ? `?key=${encodeURIComponent(key)}` : ""}`);
  if (page.error) return <ErrorBox error={page.error} />;
  if (!page.data) return <Loading />;
  return (
    <div className="page">
      <PageHeader
        title="Artifacts"
        subtitle={key ? <>every version of <b>{key}</b> · <Link to="/artifacts">all keys</Link></> : "Tables, markdown and links that runs made; the newest version of each key"}
      />
      {page.data.artifacts.length === 0 ? (
        <Empty title="No artifacts yet" command="cellflow artifacts ls">
          A task makes one with <code>artifact.table(key, rows)</code>, <code>artifact.markdown(key, text)</code> or <code>artifact.link(key, url)</code>; they show here and on their run's page.
        </Empty>
      ) : (
        page.data.artifacts.map((a) => (
          <Card key={a.id} title={<Link to={`/artifacts?key=${encodeURIComponent(a.key)}`}>{a.key}</Link>} extra={<span className="muted small">v{a.version}</span>}>
            <ArtifactCard artifact={a} withRun />
          </Card>
        ))
      )}
    </div>
  );
}
