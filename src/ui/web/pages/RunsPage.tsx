// Flow runs: filters (state, flow), search, and a virtualized list that loads pages as it scrolls; live.

import { useCallback, useEffect, useRef, useState } from "react";
import type { FlowRunSummary, LiveBatch, RunsPage as RunsData } from "../../shared/api-types.js";
import { getJson, query } from "../api.js";
import { Empty, ErrorBox, PageHeader, StateBadge, VirtualList } from "../components.js";
import { ago, duration, shortId } from "../format.js";
import { useLive } from "../live.js";
import { Link, navigate, useRoute } from "../router.js";
import { useNow } from "../use-now.js";

const PAGE = 200;
const STATES = ["", "Scheduled", "Late", "Pending", "Running", "Completed", "Cached", "Failed", "Crashed", "Cancelled", "Cancelling", "Paused"];

export function RunsPage() {
  const route = useRoute();
  const state = route.search.get("state") ?? "";
  const flow = route.search.get("flow") ?? "";
  const q = route.search.get("q") ?? "";
  const tag = route.search.get("tag") ?? "";
  const [search, setSearch] = useState(q);
  const [rows, setRows] = useState<Map<number, FlowRunSummary>>(new Map());
  const [total, setTotal] = useState<number | null>(null);
  const [flows, setFlows] = useState<string[]>([]);
  const [tags, setTags] = useState<string[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const loading = useRef(new Set<number>());
  const version = useRef(0);
  const now = useNow(5000);
  const key = query({ state, flow, q, tag });

  const loadPage = useCallback(
    (page: number, mine: number) => {
      if (loading.current.has(page)) return;
      loading.current.add(page);
      getJson<RunsData>(`/api/runs${query({ state, flow, q, tag, offset: page * PAGE, limit: PAGE, flows: page === 0 ? undefined : "0" })}`).then(
        (data) => {
          if (mine !== version.current) return;
          setTotal(data.total);
          if (page === 0) {
            setFlows(data.flows);
            setTags(data.tags);
          }
          setRows((m) => {
            const next = new Map(m);
            data.runs.forEach((r, i) => next.set(page * PAGE + i, r));
            return next;
          });
        },
        (e: Error) => setError(e),
      );
    },
    [state, flow, q, tag],
  );

  const reset = useCallback(() => {
    const mine = ++version.current;
    loading.current = new Set();
    setRows(new Map());
    loadPage(0, mine);
  }, [loadPage]);
  useEffect(reset, [key, reset]);

  // Live: changed runs are updated where they are; new runs reload the first page (throttled).
  const pending = useRef<number | null>(null);
  const shown = useRef(rows);
  shown.current = rows;
  useLive({}, (batch: LiveBatch) => {
    if (batch.flowRuns.length === 0) return;
    const changed = new Map(batch.flowRuns.map((r) => [r.id, r]));
    const known = new Set<string>();
    for (const r of shown.current.values()) if (changed.has(r.id)) known.add(r.id);
    if (known.size) {
      setRows((m) => {
        const next = new Map(m);
        for (const [i, r] of m) {
          const c = changed.get(r.id);
          if (c) next.set(i, c);
        }
        return next;
      });
    }
    if (known.size < changed.size && pending.current === null) {
      pending.current = window.setTimeout(() => {
        pending.current = null;
        loading.current.delete(0);
        loadPage(0, version.current);
      }, 200);
    }
  });

  const onRange = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) if (!loading.current.has(p)) loadPage(p, version.current);
    },
    [loadPage],
  );

  const set = (name: string, value: string) => {
    const params = new URLSearchParams(route.search);
    if (value) params.set(name, value);
    else params.delete(name);
    navigate(`/runs${params.size ? `?${params}` : ""}`, true);
  };

  return (
    <div className="page">
      <PageHeader title="Flow runs" subtitle={total === null ? "…" : `${total.toLocaleString()} run${total === 1 ? "" : "s"}${state || flow || q || tag ? " match" : ""}`} />
      <div className="filters">
        <input
          type="search"
          placeholder="Search by run name, flow or id…"
          value={search}
          data-testid="runs-search"
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && set("q", search)}
          onBlur={() => search !== q && set("q", search)}
        />
        <select value={state} onChange={(e) => set("state", e.target.value)} aria-label="State">
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s || "Any state"}
            </option>
          ))}
        </select>
        <select value={flow} onChange={(e) => set("flow", e.target.value)} aria-label="Flow">
          <option value="">Any flow</option>
          {flows.map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
        {(tags.length > 0 || tag) && (
          <select value={tag} onChange={(e) => set("tag", e.target.value)} aria-label="Tag">
            <option value="">Any tag</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </div>
      {error && <ErrorBox error={{ message: error.message, hint: "" }} />}
      {total === 0 ? (
        state || flow || q || tag ? (
          <Empty title="No runs match these filters">Clear the search or pick another state or flow.</Empty>
        ) : (
          <Empty title="No flow runs yet" command="cellflow run flows/etl.ts">
            Runs from the CLI, workers, notebooks and the terminal UI all show up here, live. Start one:
          </Empty>
        )
      ) : (
        <div className="table card">
          <div className="thead run-grid">
            <span>State</span>
            <span>Run</span>
            <span>Flow</span>
            <span>Started</span>
            <span>Duration</span>
            <span>Attempt</span>
          </div>
          <VirtualList
            count={total ?? 0}
            rowHeight={40}
            height="calc(100vh - 250px)"
            onRange={onRange}
            render={(i) => {
              const r = rows.get(i);
              if (!r) return <div className="trow run-grid muted">…</div>;
              return (
                <div className="trow run-grid" data-run-id={r.id}>
                  <StateBadge state={r.state} />
                  <span className="ellipsis">
                    <Link to={`/runs/${r.id}`}>{r.name}</Link> <span className="muted mono small">{shortId(r.id)}</span>
                  </span>
                  <span className="ellipsis">{r.flowName}</span>
                  <span className="muted" title={new Date(r.startTime ?? r.createdAt).toISOString()}>
                    {r.startTime ? ago(r.startTime, now) : r.scheduledTime ? `due ${ago(r.scheduledTime, now)}` : ago(r.createdAt, now)}
                  </span>
                  <span>{duration(r, now)}</span>
                  <span>{r.attempt > 1 ? r.attempt : ""}</span>
                </div>
              );
            }}
          />
        </div>
      )}
    </div>
  );
}
