// The terminal UI: scrollback, live DAG pane, task details, cell input and status line, laid out for the terminal's
// size; each pane owns its keys (use-*-keys.ts, active while focused). Every action goes through the TuiController.

import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Box, useApp, useInput } from "ink";
import type { TuiController } from "./controller.js";
import { emptyEditor, type EditorState } from "./editor.js";
import type { Focus } from "./keys.js";
import { useCellInputKeys } from "./use-cell-input-keys.js";
import { useDagKeys } from "./use-dag-keys.js";
import { useDetailsKeys } from "./use-details-keys.js";
import { dagRows, filterRows, taskRunsOf } from "./dag-view.js";
import { useRunGraph } from "./use-run-graph.js";
import { useTaskLogs } from "./use-task-logs.js";
import { useTaskArtifacts } from "./use-task-artifacts.js";
import { useNotebookWatch } from "./use-notebook-watch.js";
import { useTerminalSize } from "./use-terminal-size.js";
import { useRefState } from "./use-ref-state.js";
import { DagPane, dagChromeLines } from "./DagPane.js";
import { TaskDetails } from "./TaskDetails.js";
import { ScrollbackPane } from "./ScrollbackPane.js";
import { CellInput, cellInputHeight, inputNote } from "./CellInput.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { StatusBar } from "./StatusBar.js";

export interface AppProps {
  controller: TuiController;
  /** Re-run changed cells when the notebook changes on disk. */
  watch?: boolean;
  /** Run all cells as soon as the UI is up (watch mode does, so later edits re-run against it). */
  runOnStart?: boolean;
}

/** Columns from which the scrollback and the DAG sit side by side. */
const WIDE = 120;

export function App({ controller, watch = false, runOnStart = false }: AppProps) {
  const { exit } = useApp();
  const { columns, rows: termRows } = useTerminalSize();
  const session = controller.session;
  useSyncExternalStore(controller.subscribe, controller.getVersion);
  useSyncExternalStore(controller.scrollback.subscribe, controller.scrollback.getVersion);
  const busy = controller.busy;

  // Keys read the latest state through refs (`…Ref.current`): the next key may arrive before React re-renders.
  const [focus, setFocus, focusRef] = useRefState<Focus>("input");
  const [editor, setEditor, editorRef] = useRefState<EditorState>(() => emptyEditor());
  const [selectedId, setSelectedId, selectedRef] = useRefState<string | null>(null);
  const [details, setDetails, detailsRef] = useRefState<{ id: string; key: string } | null>(null);
  const [filter, setFilter, filterRef] = useRefState("");
  const [filterEditing, setFilterEditing, filterEditingRef] = useRefState(false);
  const [editing, setEditing, editingRef] = useRefState<number | string | null>(null);
  const [help, setHelp, helpRef] = useRefState(false);
  const [confirmQuit, setConfirmQuit, confirmRef] = useRefState(false);
  const [scroll, setScroll] = useState(0);
  const [detailScroll, setDetailScroll] = useState(0);

  const { graph, tick, now } = useRunGraph(session, busy, busy !== null);
  const allRows = useMemo(() => dagRows(graph, now), [graph, now]);
  const allRowsRef = useRef(allRows);
  allRowsRef.current = allRows;
  const rows = useMemo(() => filterRows(allRows, filter), [allRows, filter]);
  // After a rerun the task has a new id; the same dynamic key finds it again.
  const taskRuns = useMemo(() => taskRunsOf(graph), [graph]);
  const task = details ? (taskRuns.find((t) => t.id === details.id) ?? taskRuns.find((t) => t.dynamicKey === details.key) ?? null) : null;
  const subscribe = useCallback((listener: Parameters<typeof session.subscribe>[0]) => session.subscribe(listener), [session]);
  const logs = useTaskLogs(subscribe, task?.flowRunId ?? null, task?.id ?? null);
  const artifacts = useTaskArtifacts(task);

  useEffect(() => controller.attachDisplay(), [controller]);
  useEffect(() => {
    if (runOnStart) void controller.runAll();
  }, [controller, runOnStart]);
  const onFileChange = useCallback(() => void controller.reload(), [controller]);
  const onWatching = useCallback(() => controller.scrollback.push(`watching ${controller.notebookName}: saving it re-runs the changed cells`, "info"), [controller]);
  useNotebookWatch(controller.notebookPath, watch, onFileChange, onWatching);

  // Layout: one line short of the screen, so Ink redraws in place instead of clearing the terminal.
  const height = Math.max(10, termRows - 1);
  const inputHeight = cellInputHeight(editor, Math.max(1, Math.min(8, Math.floor(height / 4))), inputNote(editing, controller.queued.length) !== null);
  const mainHeight = Math.max(6, height - 1 - inputHeight);
  const wide = columns >= WIDE;
  const leftWidth = wide ? Math.floor(columns * 0.45) : columns;
  const dagWidth = wide ? columns - leftWidth : columns;
  // Narrow terminals stack the panes; open details get the larger share.
  const dagHeight = wide ? mainHeight : Math.max(5, details ? Math.floor(mainHeight * 0.4) : Math.ceil(mainHeight / 2));
  const topHeight = wide ? mainHeight : mainHeight - dagHeight;
  const dagVisible = Math.max(1, dagHeight - 2 - dagChromeLines(filter, filterEditing));

  const focusOn = (next: Focus) => {
    setFocus(next);
    if (controller.message) controller.message = null;
  };
  const requestQuit = () => (controller.busy ? setConfirmQuit(true) : exit());
  // Keys of the whole UI come first: the quit confirmation and help overlay take every key while shown; tab and
  // ctrl+p/n act in any pane. A key handled here is marked, and the panes (all listening too) leave it alone.
  const consumedRef = useRef(false);
  useInput((input, key) => {
    consumedRef.current = true;
    if (confirmRef.current) {
      if (input === "y" || input === "Y") {
        controller.cancel();
        exit();
      } else if (input === "n" || input === "N" || key.escape) setConfirmQuit(false);
      return;
    }
    if (helpRef.current) return setHelp(false);
    if (key.tab) {
      const order: Focus[] = detailsRef.current ? ["input", "dag", "details"] : ["input", "dag"];
      return focusOn(order[(order.indexOf(focusRef.current) + 1) % order.length]);
    }
    if (key.ctrl && (input === "p" || input === "n")) {
      const page = Math.max(1, topHeight - 1);
      return setScroll((s) => Math.max(0, s + (input === "p" ? page : -page)));
    }
    consumedRef.current = false;
  });
  // Each pane owns the rest of its keys (use-*-keys.ts), while it has focus.
  const owns = (pane: Focus) => () => focusRef.current === pane && !consumedRef.current;

  useCellInputKeys({
    owns: owns("input"),
    controller,
    editorRef,
    setEditor,
    editingRef,
    setEditing,
    focusOn,
    onRun: () => setScroll(0),
    requestQuit,
  });
  useDagKeys({
    owns: owns("dag"),
    controller,
    rows: () => allRowsRef.current,
    visible: dagVisible,
    selectedRef,
    setSelectedId,
    filterRef,
    setFilter,
    filterEditingRef,
    setFilterEditing,
    detailsRef,
    openDetails: (row) => {
      setSelectedId(row.run.id);
      setDetails({ id: row.run.id, key: row.run.dynamicKey });
      setDetailScroll(0);
      focusOn("details");
    },
    closeDetails: () => setDetails(null),
    focusOn,
    showHelp: () => setHelp(true),
    requestQuit,
  });
  useDetailsKeys({
    owns: owns("details"),
    scroll: (by) => setDetailScroll((s) => Math.max(0, s + by)),
    close: () => {
      setDetails(null);
      focusOn("dag");
    },
    focusOn,
    showHelp: () => setHelp(true),
    requestQuit,
  });

  if (help) return <HelpOverlay width={columns} height={height} />;

  const top = details ? (
    <TaskDetails
      task={task}
      graph={graph}
      logs={logs}
      artifacts={artifacts}
      focused={focus === "details"}
      width={leftWidth}
      height={topHeight}
      scroll={detailScroll}
      now={now}
      mapStack={(s) => session.runtime.mapStack(s)}
    />
  ) : (
    <ScrollbackPane lines={controller.scrollback.lines(leftWidth)} width={leftWidth} height={topHeight} scroll={scroll} />
  );
  const dag = (
    <DagPane
      graph={graph}
      rows={rows}
      allRows={allRows}
      selectedId={selectedId}
      focused={focus === "dag"}
      width={dagWidth}
      height={dagHeight}
      tick={tick}
      now={now}
      filter={filter}
      filterEditing={filterEditing}
    />
  );

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Box flexDirection={wide ? "row" : "column"} height={mainHeight}>
        {top}
        {dag}
      </Box>
      <CellInput editor={editor} focused={focus === "input"} width={columns} maxLines={Math.min(editor.lines.length, Math.max(1, Math.min(8, Math.floor(height / 4))))} busy={busy} editing={editing} queued={controller.queued.length} />
      <StatusBar focus={focus} message={controller.message} confirmQuit={confirmQuit} busy={busy} width={columns} />
    </Box>
  );
}
