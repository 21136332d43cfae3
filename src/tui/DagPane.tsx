// The live DAG pane: a headline, the visible window of task rows (glyph, state, duration, runs, edges, cache
// reason) and a summary line. Only the rows that fit are rendered, so 10,000 task runs stay fast.

import { useRef } from "react";
import { Box, Text } from "ink";
import type { RunGraph } from "../core/records.js";
import { stateGlyph } from "../core/states.js";
import { durationOf, indentOf } from "../display/dag.js";
import { rowText, summaryText, windowStart, type DagRow } from "./dag-view.js";
import { SPINNER, stateInk, toneInk } from "./theme.js";
import { escapeTerminal } from "../core/terminal-text.js";

export interface DagPaneProps {
  graph: RunGraph | null;
  /** The rows to list (after the filter). */
  rows: DagRow[];
  /** Every row of the run (the summary counts these). */
  allRows: DagRow[];
  selectedId: string | null;
  focused: boolean;
  width: number;
  height: number;
  /** Advances the running tasks' spinner. */
  tick: number;
  now: number;
  filter: string;
  filterEditing: boolean;
}

/** Lines of the pane besides the rows: the headline and the summary (and the filter line when there is one). */
export function dagChromeLines(filter: string, filterEditing: boolean): number {
  return 2 + (filter || filterEditing ? 1 : 0);
}

export function DagPane(props: DagPaneProps) {
  const { graph, rows, allRows, selectedId, focused, width, height, tick, now, filter, filterEditing } = props;
  const start = useRef(0);
  const visible = Math.max(1, height - 2 - dagChromeLines(filter, filterEditing));
  const selected = selectedId ? rows.findIndex((r) => r.run.id === selectedId) : -1;
  const anchor = focused && selected >= 0 ? selected : rows.findIndex((r) => r.run.state.type === "RUNNING");
  start.current = windowStart(start.current, anchor, visible, rows.length);
  const window = rows.slice(start.current, start.current + visible);
  const labelWidth = Math.min(28, Math.max(4, ...window.map((r) => indentOf(r).length + r.label.length)));
  const layerWidth = String(Math.max(1, ...window.map((r) => r.layer))).length;
  const flow = graph?.flowRun;
  const range = rows.length > visible ? ` · ${start.current + 1}–${start.current + window.length} of ${rows.length}` : "";

  return (
    <Box flexDirection="column" borderStyle={focused ? "double" : "single"} borderColor={toneInk(focused ? "accent" : "muted")} width={width} height={height} paddingX={1}>
      {flow ? (
        <Text wrap="truncate-end">
          <Text color={stateInk(flow.state)}>{stateGlyph(flow.state)}</Text>
          <Text bold>{` ${escapeTerminal(flow.flowName, { inline: true })}`}</Text>
          {` · ${escapeTerminal(flow.name, { inline: true })} · ${flow.state.name} · ${durationOf(flow, now)}${flow.attempt > 1 ? ` · attempt ${flow.attempt}` : ""}`}
        </Text>
      ) : (
        <Text wrap="truncate-end" color={toneInk("muted")}>
          no run yet: ctrl+r runs all cells, or run a cell that calls a task
        </Text>
      )}
      {window.map((row) => {
        const running = row.run.state.type === "RUNNING";
        const glyph = running ? SPINNER[tick % SPINNER.length] : stateGlyph(row.run.state);
        return (
          <Text key={row.run.id} wrap="truncate-end" inverse={focused && row.run.id === selectedId}>
            {`${String(row.layer).padStart(layerWidth)} `}
            <Text color={stateInk(row.run.state)}>{glyph}</Text>
            {` ${rowText(row, labelWidth)}`}
          </Text>
        );
      })}
      {Array.from({ length: visible - window.length }, (_, i) => (
        <Text key={`pad${i}`}> </Text>
      ))}
      {filter || filterEditing ? (
        <Text wrap="truncate-end" color={toneInk("accent")}>
          {`/${filter}${filterEditing ? "▏" : ""} · ${rows.length} match${rows.length === 1 ? "" : "es"}`}
        </Text>
      ) : null}
      <Text wrap="truncate-end" color={toneInk("muted")}>
        {summaryText(allRows, width < 110) + range}
      </Text>
    </Box>
  );
}
