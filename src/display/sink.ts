// The process-wide display sink: where display() sends MIME bundles (the kernel installs one that writes iopub messages).

/** A MIME bundle: MIME type → data. `text/plain` is always present. */
export type MimeBundle = { "text/plain": string } & Record<string, unknown>;

/** One output as display() publishes it. */
export interface DisplayOutput {
  /** The representations of the value, richest first is not required: front ends pick. */
  data: MimeBundle;
  /** Per-MIME metadata, e.g. `{ "image/png": { width: 200 } }`. */
  metadata: Record<string, unknown>;
  /** Identifies the output so a later update replaces it in place. */
  displayId: string;
}

/**
 * Receives display output. The Cellflow kernel installs one that sends `display_data`,
 * `update_display_data` and `clear_output` on iopub; tests install fakes.
 */
export interface DisplaySink {
  /** Shows a new output. */
  display(output: DisplayOutput): void;
  /** Replaces the output shown earlier with the same `displayId`. */
  update(output: DisplayOutput): void;
  /** Clears the current cell's output; with `wait`, only when the next output arrives. */
  clear(options: { wait: boolean }): void;
}

// A registered symbol, so two copies of the package loaded in one process share the same sink.
const SINK_KEY = Symbol.for("cellflow.display");

type SinkHolder = { [SINK_KEY]?: DisplaySink };

/**
 * Installs `sink` as the process-wide display sink and returns the previous one (or undefined).
 * Pass `undefined` to remove it.
 * @example
 * const previous = installDisplaySink({ display: (o) => outputs.push(o), update() {}, clear() {} });
 * // ... later
 * installDisplaySink(previous);
 */
export function installDisplaySink(sink: DisplaySink | undefined): DisplaySink | undefined {
  const holder = globalThis as SinkHolder;
  const previous = holder[SINK_KEY];
  if (sink) holder[SINK_KEY] = sink;
  else delete holder[SINK_KEY];
  return previous;
}

/** The installed display sink, if any. */
export function currentDisplaySink(): DisplaySink | undefined {
  return (globalThis as SinkHolder)[SINK_KEY];
}
