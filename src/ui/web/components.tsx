// Shared pieces of every page: state badges, headers, cards, empty states, errors, a virtualized list.

import { useEffect, useRef, useState, type ReactNode } from "react";
import { stateColor } from "../../core/state-colors.js";
import type { State } from "../shared/api-types.js";
import type { ApiFailure } from "./api.js";

export function StateBadge({ state }: { state: Pick<State, "type" | "name"> }) {
  const color = stateColor(state);
  return (
    <span className="badge" style={{ color, borderColor: color + "55", background: color + "18" }} data-state={state.name}>
      <span className="dot" style={{ background: color }} />
      {state.name}
    </span>
  );
}

export function PageHeader(props: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle && <div className="subtitle">{props.subtitle}</div>}
      </div>
      {props.actions && <div className="actions">{props.actions}</div>}
    </header>
  );
}

export function Card(props: { title?: ReactNode; children: ReactNode; className?: string; extra?: ReactNode }) {
  return (
    <section className={`card ${props.className ?? ""}`}>
      {props.title && (
        <div className="card-title">
          <h2>{props.title}</h2>
          {props.extra}
        </div>
      )}
      {props.children}
    </section>
  );
}

/** What to do when there is nothing to show: always names the command to run. */
export function Empty(props: { title: string; command?: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{props.title}</div>
      {props.children}
      {props.command && <code className="command">{props.command}</code>}
    </div>
  );
}

export function ErrorBox({ error }: { error: Pick<ApiFailure, "message" | "hint"> }) {
  return (
    <div className="error-box" role="alert">
      <div>{error.message}</div>
      {error.hint && <div className="hint">{error.hint}</div>}
    </div>
  );
}

export function Loading() {
  return <div className="loading">Loading…</div>;
}

/** A list that renders only the rows in view: fixed row height, any number of rows. */
export function VirtualList(props: { count: number; rowHeight: number; height: number | string; render: (index: number) => ReactNode; onRange?: (first: number, last: number) => void; stickToBottom?: boolean; className?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const el = box.current;
    if (el && props.stickToBottom && el.scrollHeight - el.scrollTop - el.clientHeight < props.rowHeight * 3) el.scrollTop = el.scrollHeight;
  }, [props.count, props.stickToBottom, props.rowHeight]);
  const first = Math.max(0, Math.floor(top / props.rowHeight) - 8);
  const last = Math.min(props.count, Math.ceil((top + viewport) / props.rowHeight) + 8);
  const { onRange } = props;
  useEffect(() => onRange?.(first, last), [first, last, onRange]);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ top: i * props.rowHeight, height: props.rowHeight }}>
        {props.render(i)}
      </div>,
    );
  }
  return (
    <div ref={box} className={`vlist ${props.className ?? ""}`} style={{ height: props.height }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: props.count * props.rowHeight, position: "relative" }}>{rows}</div>
    </div>
  );
}

export function KeyValues({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="kv">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
