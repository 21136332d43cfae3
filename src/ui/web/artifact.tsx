// An artifact as a page shows it: a table, markdown text, or a link (http and https only).

import type { ArtifactView } from "../shared/api-types.js";
import { clock } from "./format.js";
import { Link } from "./router.js";

function TableData({ rows, columns }: { rows: unknown[]; columns?: string[] }) {
  const cols = columns ?? [...new Set(rows.flatMap((r) => (r && typeof r === "object" && !Array.isArray(r) ? Object.keys(r) : [])))];
  const cell = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const shown = rows.slice(0, 200);
  return (
    <div className="artifact-table">
      <table>
        <thead>
          <tr>{cols.map((c) => <th key={c}>{c}</th>)}</tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i}>{cols.map((c, j) => <td key={c}>{cell(Array.isArray(r) ? r[j] : (r as Record<string, unknown>)?.[c])}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && <div className="muted small">… {rows.length - shown.length} more rows</div>}
    </div>
  );
}

export function ArtifactBody({ artifact }: { artifact: ArtifactView }) {
  const data = artifact.data as Record<string, unknown>;
  if (artifact.type === "table" && Array.isArray(data.rows)) return <TableData rows={data.rows} columns={data.columns as string[] | undefined} />;
  if (artifact.type === "markdown") return <div className="markdown">{String(data.markdown ?? "")}</div>;
  if (artifact.type === "link") {
    const url = String(data.url ?? "");
    const safe = /^https?:\/\//i.test(url);
    return safe ? <a href={url} target="_blank" rel="noreferrer noopener">{String(data.text ?? url)}</a> : <span className="mono">{url}</span>;
  }
  return <pre className="json">{JSON.stringify(artifact.data, null, 2)}</pre>;
}

export function ArtifactCard({ artifact, withRun = false }: { artifact: ArtifactView; withRun?: boolean }) {
  return (
    <div className="artifact" data-testid="artifact">
      <div className="artifact-head">
        <b>{artifact.key}</b>
        <span className="pill">{artifact.type}</span>
        <span className="muted small">v{artifact.version} · {clock(artifact.createdAt)}</span>
        {withRun && artifact.flowRunId && <Link to={`/runs/${artifact.flowRunId}`} className="small">its run →</Link>}
        {artifact.taskRunId && <Link to={`/task-runs/${artifact.taskRunId}`} className="small">task run →</Link>}
      </div>
      {artifact.description && <div className="muted">{artifact.description}</div>}
      <ArtifactBody artifact={artifact} />
    </div>
  );
}
