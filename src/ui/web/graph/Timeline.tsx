// The run's timeline (Gantt): one row per task run, a bar from its start to its end (or now), coloured by state.

import { useMemo } from "react";
import { stateColor } from "../../../core/state-colors.js";
import type { TaskRunBrief } from "../../shared/api-types.js";
import { VirtualList } from "../components.js";
import { duration, formatMs } from "../format.js";
import { Link } from "../router.js";

export function Timeline({ taskRuns, now }: { taskRuns: TaskRunBrief[]; now: number }) {
  const rows = useMemo(() => taskRuns.filter((t) => t.startTime !== null).sort((a, b) => a.startTime! - b.startTime! || (a.dynamicKey < b.dynamicKey ? -1 : a.dynamicKey > b.dynamicKey ? 1 : 0)), [taskRuns]);
  if (rows.length === 0) return <div className="muted pad">No task run has started yet.</div>;
  const start = rows[0].startTime!;
  let end = start + 1;
  for (const t of rows) end = Math.max(end, t.endTime ?? now);
  const span = end - start;
  return (
    <div className="timeline">
      <div className="timeline-axis">
        <span>0</span>
        <span>{formatMs(span / 2)}</span>
        <span>{formatMs(span)}</span>
      </div>
      <VirtualList
        count={rows.length}
        rowHeight={24}
        height={Math.min(420, rows.length * 24 + 4)}
        render={(i) => {
          const t = rows[i];
          const left = ((t.startTime! - start) / span) * 100;
          const width = Math.max(0.3, (((t.endTime ?? now) - t.startTime!) / span) * 100);
          return (
            <div className="timeline-row">
              <Link to={`/task-runs/${t.id}`} className="timeline-label" title={t.dynamicKey}>
                {t.dynamicKey}
              </Link>
              <div className="timeline-track">
                <div className="timeline-bar" title={`${t.dynamicKey}: ${t.state.name}, ${duration(t, now)}`} style={{ left: `${left}%`, width: `${width}%`, background: stateColor(t.state) }} />
              </div>
              <span className="timeline-dur">{duration(t, now)}</span>
            </div>
          );
        }}
      />
    </div>
  );
}
