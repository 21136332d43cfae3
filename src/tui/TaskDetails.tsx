// The details pane of one task run: state, timing and attempts, cache reason, inputs with their hashes, the
// error with its stack (mapped to cell lines), and its logs, following while it runs.

import { Box, Text } from "ink";
import type { ArtifactRecord, LogRecord, RunGraph, TaskRunRecord } from "../core/records.js";
import { artifactText, artifactTitle } from "../display/artifact-format.js";
import { describeError } from "../core/errors.js";
import { stateGlyph } from "../core/states.js";
import { durationOf } from "../display/dag.js";
import { stateInk, toneInk, type Tone } from "./theme.js";
import { taskRunsOf } from "./dag-view.js";
import { shortTaskRunId } from "../core/ids.js";
import { escapeTerminal } from "../core/terminal-text.js";

export interface TaskDetailsProps {
  task: TaskRunRecord | null;
  graph: RunGraph | null;
  logs: LogRecord[];
  /** Artifacts the task run made (table, markdown, link), shown above its logs. @default [] */
  artifacts?: ArtifactRecord[];
  focused: boolean;
  width: number;
  height: number;
  /** Lines scrolled up from the end (0 follows the newest log line). */
  scroll: number;
  now: number;
  /** Maps `cell[N]:line:col` frames to the cells' own lines. */
  mapStack?: (stack: string) => string;
}

interface Line {
  text: string;
  tone?: Tone;
}

/** An artifact's content is cut to this many lines in the pane (`cellflow artifacts show` has all of it). */
const MAX_ARTIFACT_LINES = 12;

const LEVEL_TONE: Record<LogRecord["level"], Tone | undefined> = { debug: "muted", info: undefined, warning: "warning", error: "error" };

/** The pane's content as lines (the component shows the window that fits). */
export function detailLines(task: TaskRunRecord, graph: RunGraph | null, logs: LogRecord[], mapStack: (s: string) => string, artifacts: ArtifactRecord[] = []): Line[] {
  const names = new Map(taskRunsOf(graph).map((t) => [t.id, t.dynamicKey]));
  const lines: Line[] = [];
  if (task.error) lines.push({ text: `error: ${describeError(task.error).split("\n")[0]}`, tone: "error" });
  else if (task.state.type === "FAILED" || task.state.type === "CRASHED") lines.push({ text: `error: ${task.state.message || task.state.name}`, tone: "error" });
  const cache = task.cacheReason || "—";
  lines.push({ text: `cache: ${cache}${task.cachedFrom ? ` (result of task run ${shortTaskRunId(task.cachedFrom)})` : ""}` });
  if (task.cacheKey) lines.push({ text: `cache key: ${task.cacheKey.slice(0, 16)}`, tone: "muted" });
  if (task.tags.length) lines.push({ text: `tags: ${task.tags.join(", ")}`, tone: "muted" });
  lines.push({ text: task.inputs.length ? "inputs:" : "inputs: none" });
  for (const input of task.inputs) {
    const from = input.taskRunId ? ` ← ${names.get(input.taskRunId) ?? shortTaskRunId(input.taskRunId)}` : "";
    const wait = input.kind === "wait_for" ? " (wait for)" : "";
    lines.push({ text: `  ${input.name}${from}${wait}  hash ${input.hash ? input.hash.slice(0, 12) : "—"}` });
  }
  if (task.state.message && task.state.type !== "FAILED" && task.state.type !== "CRASHED") lines.push({ text: `state: ${task.state.message}`, tone: "muted" });
  if (task.error?.stack) {
    const frames = mapStack(task.error.stack).split("\n").filter((l) => /^\s+at /.test(l));
    if (frames.length) lines.push({ text: "stack:", tone: "muted" });
    for (const frame of frames) lines.push({ text: `  ${frame.trim()}`, tone: "muted" });
  }
  for (const a of artifacts) {
    lines.push({ text: `artifact ${artifactTitle(a)}`, tone: "accent" });
    for (const row of artifactText(a).split("\n").slice(0, MAX_ARTIFACT_LINES)) lines.push({ text: `  ${row}` });
  }
  lines.push({ text: `logs (${logs.length}):` });
  for (const log of logs) {
    const clock = new Date(log.timestamp).toISOString().slice(11, 23);
    // One line per log record (a stack in a log line is already shown above): the tail stays readable.
    const [first, ...rest] = log.message.split("\n");
    const more = rest.length ? ` (+${rest.length} line${rest.length === 1 ? "" : "s"})` : "";
    lines.push({ text: `  ${clock} ${log.level.padEnd(7)} ${first}${more}`, tone: LEVEL_TONE[log.level] });
  }
  // Names, errors and log lines are user text: neutralise escapes and bidi marks before they reach the terminal.
  return lines.map((line) => ({ ...line, text: escapeTerminal(line.text, { inline: true }) }));
}

export function TaskDetails({ task, graph, logs, artifacts = [], focused, width, height, scroll, now, mapStack = (s) => s }: TaskDetailsProps) {
  const visible = Math.max(1, height - 3);
  const body = task ? detailLines(task, graph, logs, mapStack, artifacts) : [{ text: "no task selected: Esc, then pick one with up/down and enter" }];
  const end = Math.max(0, body.length - Math.min(scroll, Math.max(0, body.length - visible)));
  const window = body.slice(Math.max(0, end - visible), end);
  return (
    <Box flexDirection="column" borderStyle={focused ? "double" : "single"} borderColor={toneInk(focused ? "accent" : "muted")} width={width} height={height} paddingX={1}>
      {task ? (
        <Text wrap="truncate-end">
          <Text color={stateInk(task.state)}>{stateGlyph(task.state)}</Text>
          <Text bold>{` ${escapeTerminal(task.dynamicKey, { inline: true })}`}</Text>
          {` · ${task.state.name} · ${durationOf(task, now)} · runs ${task.runCount} · ${shortTaskRunId(task.id)}`}
        </Text>
      ) : (
        <Text bold>task details</Text>
      )}
      {window.map((line, i) => (
        <Text key={i} wrap="truncate-end" color={toneInk(line.tone)}>
          {line.text || " "}
        </Text>
      ))}
    </Box>
  );
}
